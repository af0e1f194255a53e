/* Command-line parsing: argv -> struct scan_opts, with Nmap's option names
 * and Nmap's tolerance for where options sit (GNU getopt_long_only, so
 * "-sT", "-p80", "--script=x" and "-script x" all work and targets may come
 * before or after options).
 *
 * Pure: nothing is printed and nothing exits. The caller (cli.c) prints the
 * error text and chooses the exit status. */
#ifndef PORTOLAN_CLI_CLIARGS_H
#define PORTOLAN_CLI_CLIARGS_H

#include <stddef.h>
#include <stdint.h>

#include "core/options.h"

enum cliargs_action {
  CLIARGS_RUN,     /* scan (or --script-help / --script-updatedb) */
  CLIARGS_HELP,    /* -h, --help */
  CLIARGS_VERSION, /* -V, --version */
};

struct cliargs {
  enum cliargs_action action;
  /* Non-fatal remarks made while parsing ("-A: OS detection ... not
   * supported yet"), printed by the caller as warnings. */
  struct strlist warnings;
  /* On error: the message, one line, without program name. */
  char err[512];
  /* 1 when the error is about option syntax (unknown option, missing
   * argument): the caller then points to -h, as Nmap does. 0 for a bad
   * value: the caller prints "QUITTING!". */
  int err_usage;
};

/* Parses argv into *o (opts_init'ed by the caller) and *ca (zeroed by the
 * caller; free with cliargs_free). argv's pointer array may be permuted
 * (GNU getopt); the strings are not modified. Returns 0, or PT_EPARSE /
 * PT_ERANGE / PT_EUNSUPPORTED with ca->err set. Not reentrant (getopt's
 * globals). */
int cliargs_parse(int argc, char **argv, struct scan_opts *o,
                  struct cliargs *ca);
void cliargs_free(struct cliargs *ca);

/* Nmap's time specification: a non-negative decimal number with an
 * optional unit ms, s, m or h (no unit: seconds). Returns 0 and the value
 * in milliseconds, or PT_EPARSE. */
int cliargs_parse_time(const char *s, int64_t *ms);

/* Size with optional K, M or G suffix (powers of 1024). */
int cliargs_parse_size(const char *s, size_t *bytes);

#endif
