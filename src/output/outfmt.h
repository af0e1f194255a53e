/* Helpers shared by the report writers of src/output (private to this
 * layer): byte escaping for the screen and for XML, Nmap's time and latency
 * formats, the "ignored states" rule behind "Not shown:" / <extraports> /
 * "Ignored State:", port range lists, and the service view of a port.
 *
 * Invariant: every function here is pure formatting; none keeps state
 * between calls, so the writers may interleave them freely. */
#ifndef PORTOLAN_OUTPUT_OUTFMT_H
#define PORTOLAN_OUTPUT_OUTFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output/output.h"

/* Writes bytes for the screen (NSE-NOTES §9.3): every byte outside
 * 0x20-0x7e except \t and \n becomes \xNN (upper-case hex). */
void outfmt_screen(FILE *f, const char *s, size_t n);
/* Same, but \t and \n are escaped too: for one-line fields (names, table
 * cells, versions). */
void outfmt_screen_line(FILE *f, const char *s, size_t n);

/* Writes bytes as XML attribute value or text, after Nmap's protect_xml
 * (§9.4): bytes outside printable ASCII other than \t, \r, \n become \xNN;
 * then \n, \t, \r become &#xa; &#x9; &#xd;, the five specials their
 * entities, and a '-' that follows a '-' becomes &#45; (so the text can
 * also sit in a comment). The output is always 7-bit ASCII. */
void outfmt_xml(FILE *f, const char *s, size_t n);
void outfmt_xmlz(FILE *f, const char *s); /* NUL-terminated; NULL = "" */

/* ctime()-style local time without the newline: "Sun Nov 29 02:28:11 2026".
 * buf must hold 64 bytes. */
const char *outfmt_ctime(double epoch, char *buf, size_t len);

/* Seconds with two significant digits in fixed notation, as Nmap prints
 * latency: 0.00057, 0.000082, 0.0015, 1.2. */
const char *outfmt_sig2(double seconds, char *buf, size_t len);

/* "1 IP address (1 host up) scanned in 0.05 seconds" */
void outfmt_done_summary(FILE *f, const struct run_stats *st);

/* One (state, protocol, reason) group of ignored ports. */
struct ignored_group {
  enum proto proto;
  enum reason reason;
  size_t count;
};

/* One ignored state with its groups, largest group first. */
struct ignored_state {
  enum port_state state;
  size_t count; /* all protocols */
  struct ignored_group *groups;
  size_t ngroups;
};

/* Which ports a host's report shows (Nmap's isIgnoredState rule):
 * open, open|filtered, unfiltered and unknown are never hidden; with
 * --open every other state that has ports is hidden; otherwise a state is
 * hidden when it holds more than 25 * (1 + verbosity + 20 * debugging)
 * ports; nothing is hidden at debugging > 2. States are ordered by count,
 * largest first (ties: Nmap's state order). */
struct port_summary {
  int hidden[PS_COUNT];
  struct ignored_state states[PS_COUNT];
  size_t nstates;
  size_t total; /* ports of every protocol */
  size_t shown; /* ports not hidden */
};

void outfmt_portsum(struct port_summary *ps, struct host *h,
                    const struct scan_opts *o);
void outfmt_portsum_free(struct port_summary *ps);

/* Writes the sorted port numbers of protocol p that match state st (and
 * reason r unless r < 0) as Nmap's range list: "1-21,23-99,110". */
void outfmt_port_ranges(FILE *f, struct host *h, enum proto p,
                        enum port_state st, int r);
/* Same for a scan's port list. */
void outfmt_list_ranges(FILE *f, const uint16_t *ports, size_t n);

/* The service of a port as reports show it. */
struct svc_view {
  const char *name;        /* NULL: no name known at all */
  const struct service *s; /* NULL: no service record */
  int probed;
  int conf; /* 0-10 */
  int ssl;
};

void outfmt_service(const struct port *pt, struct svc_view *v);
/* Writes "product version (extrainfo)" (the parts present, joined by single
 * spaces) into buf, unescaped; returns 0 when there is nothing. */
int outfmt_version_text(const struct service *s, char *buf, size_t len);

/* A sorted (by script id, stable) copy of the pointer array; free() it. */
struct script_result **outfmt_sorted_scripts(const struct script_results *rs,
                                             size_t *n);

/* TCP scan type name for scaninfo ("connect", "syn"); UDP is "udp". */
const char *outfmt_scan_type(const struct run_info *ri, enum proto p);

/* Whether a host is reported at all: timed-out hosts never; down hosts only
 * with -v; with --open, an up host with no open port is left out. */
int outfmt_host_reported(struct host *h, const struct scan_opts *o);

/* Reason column/"received" phrase shown: --reason, -vv, or -d. */
int outfmt_show_reason(const struct scan_opts *o);

/* Address family name for XML addrtype and JSON. */
const char *outfmt_addrtype(const struct host *h);

#endif
