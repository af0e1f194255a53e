/* The pipeline (DESIGN.md "Data flow"): streams targets through name
 * resolution, host discovery, the port scan and the script engine to the
 * report writers, a bounded number of hosts at a time.
 *
 * Output order: target order (the order hosts were started), as Nmap's.
 * Each host's stages run on their own; a finished host waits only for the
 * hosts started before it to be written, and counts as in flight until
 * then, so the group size bounds the hosts held. */
#ifndef PORTOLAN_RUN_RUN_H
#define PORTOLAN_RUN_RUN_H

#include "core/options.h"

/* Exit statuses the pipeline returns (the CLI exits with them). */
enum {
  RUN_OK = 0,
  RUN_ERROR = 1,        /* set-up error, already reported on stderr */
  RUN_INTERRUPTED = 130 /* SIGINT: finished hosts and closing tags written */
};

/* Runs the whole scan described by o; cmdline is the command line as one
 * string for the reports. Diagnostics go to stderr, reports to the
 * writers. The data path, log levels and services table are set up by the
 * caller. Returns one of the statuses above. */
int run_scan(const struct scan_opts *o, const char *cmdline);

#endif
