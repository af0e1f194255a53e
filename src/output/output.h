/* Report writers (DESIGN.md src/output): normal (-oN and the screen), XML
 * (-oX, valid against Nmap's nmap.dtd), grepable (-oG) and JSON lines
 * (-oJ). Each writer is a struct writer with the same calls; src/run holds
 * a list of them and calls each in turn.
 *
 * Streaming: writer_host is called once per host as soon as that host is
 * finished, and each writer flushes then, so a killed scan keeps every
 * finished host. writer_end always runs, also after SIGINT (interrupted=1),
 * so the XML gets its runstats and closing tags. */
#ifndef PORTOLAN_OUTPUT_OUTPUT_H
#define PORTOLAN_OUTPUT_OUTPUT_H

#include <stdio.h>

#include "core/host.h"
#include "core/options.h"
#include "core/portspec.h"
#include "core/script_result.h"

/* Facts about the whole run that reports print. */
struct run_info {
  const struct scan_opts *opts;
  const char *args;             /* the command line as one string */
  double start_time;            /* epoch seconds */
  const struct portlist *ports; /* what is scanned (scaninfo) */
  const char *scan_type;        /* "connect", "syn", ... for each proto */
};

/* Closing statistics. */
struct run_stats {
  double end_time;
  double elapsed;
  unsigned long hosts_up, hosts_down, hosts_total;
  int interrupted;         /* SIGINT or a fatal error stopped the scan */
  const char *exit_reason; /* NULL = "success" */
};

struct writer;

struct writer_ops {
  void (*begin)(struct writer *w, const struct run_info *ri);
  void (*prescan)(struct writer *w, const struct script_results *rs);
  void (*host)(struct writer *w, struct host *h);
  void (*postscan)(struct writer *w, const struct script_results *rs);
  void (*end)(struct writer *w, const struct run_stats *st);
  void (*free)(struct writer *w);
};

struct writer {
  const struct writer_ops *ops;
  FILE *out;
  int owns_out;              /* fclose on free */
  const struct run_info *ri; /* set by begin */
};

/* Constructors. `out` is written and flushed after each host; with
 * owns_out the writer closes it on free. */
struct writer *writer_normal_new(FILE *out, int owns_out, int screen);
struct writer *writer_xml_new(FILE *out, int owns_out);
struct writer *writer_grepable_new(FILE *out, int owns_out);
struct writer *writer_json_new(FILE *out, int owns_out);

/* Dispatch helpers; any op may be NULL in a writer. */
void writer_begin(struct writer *w, const struct run_info *ri);
void writer_prescan(struct writer *w, const struct script_results *rs);
void writer_host(struct writer *w, struct host *h);
void writer_postscan(struct writer *w, const struct script_results *rs);
void writer_end(struct writer *w, const struct run_stats *st);
void writer_free(struct writer *w);

#endif
