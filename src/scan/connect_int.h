/* Internal knobs of the connect scan shared inside src/scan (not part of
 * the stage interface in scan.h). */
#ifndef PORTOLAN_SCAN_CONNECT_INT_H
#define PORTOLAN_SCAN_CONNECT_INT_H

#include "scan/scan.h"

/* Discovery mode: a host is complete at its first open or closed answer;
 * its other ports stay unclassified. */
void connect_scan_set_first_answer(struct connect_scan *cs, int on);

#endif
