/* Diagnostics to stderr (warnings, errors) and the -v/-d streams.
 * Levels are process-wide settings made once by src/cli before the scan
 * starts; everything after that only reads them. */
#ifndef PORTOLAN_CORE_LOG_H
#define PORTOLAN_CORE_LOG_H

#include <stdarg.h>

extern int log_verbosity; /* -v count */
extern int log_debugging; /* -d level */
/* Nonzero while a report is written to standard output (-oN -, -oX -,
 * -oG -, -oJ -): the messages that Nmap sends to stdout only (the -v and
 * -d lines, NSE's nmap.log_write("stdout"), --script-trace) are then
 * dropped, as Nmap drops them, so that the report stays parseable. They
 * never go to an -oN file either. src/run sets it when it opens the
 * reports; stdout-only writers outside this module check it. */
extern int log_stdout_muted;

/* "WARNING: ..." style message on stderr, always shown. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Error line on stderr, always shown. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shown when log_verbosity >= level (stdout, like Nmap's -v lines), unless
 * log_stdout_muted. */
void log_verbose(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Shown when log_debugging >= level (stdout, like Nmap's -d lines), unless
 * log_stdout_muted. */
void log_debug(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
