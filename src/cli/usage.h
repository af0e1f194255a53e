/* The texts of -h/--help and -V/--version, laid out as Nmap users expect
 * (sections in capitals, one option per line) but written for Portolan. */
#ifndef PORTOLAN_CLI_USAGE_H
#define PORTOLAN_CLI_USAGE_H

#include <stdio.h>

/* Placeholder until the project has a public home. */
#define PORTOLAN_URL "https://example.org/portolan"

void usage_print(FILE *f, const char *prog);
void usage_version(FILE *f);

#endif
