/* The texts of -h/--help and -V/--version, laid out as Nmap users expect
 * (sections in capitals, one option per line) but written for Portolan. */
#ifndef PORTOLAN_CLI_USAGE_H
#define PORTOLAN_CLI_USAGE_H

#include <stdio.h>

/* Shown where Nmap shows its home page, in the "( ... )" of the first
 * line; the same words as the report's "Starting Portolan" line. The
 * project has no public home yet. */
#define PORTOLAN_URL "NSE-compatible network scanner"

void usage_print(FILE *f, const char *prog);
void usage_version(FILE *f);

#endif
