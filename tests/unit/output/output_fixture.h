/* Shared set-up for the writer tests: a fixed services table, fixed times
 * (TZ=UTC), hosts built in memory, and a helper that runs one writer
 * through every phase into a string. Header-only: each test_*.c is its own
 * executable. */
#ifndef PORTOLAN_TESTS_OUTPUT_FIXTURE_H
#define PORTOLAN_TESTS_OUTPUT_FIXTURE_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/host.h"
#include "core/options.h"
#include "core/portspec.h"
#include "core/script_result.h"
#include "core/services.h"
#include "core/xalloc.h"
#include "output/output.h"

/* Sun Nov 29 02:28:11 2026 UTC, the time of the reference Nmap runs. */
#define FIX_START 1795919291.0

static char fix_services_path[64];

/* A small nmap-services with the names the reference runs printed. */
static inline void fix_setup_env(void) {
  setenv("TZ", "UTC", 1);
  tzset();
  strcpy(fix_services_path, "/tmp/portolan-svc-XXXXXX");
  int fd = mkstemp(fix_services_path);
  if (fd < 0)
    abort();
  FILE *f = fdopen(fd, "w");
  static const char *const names[] = {
      "tcpmux",  "compressnet", "compressnet", "unknown",   "rje",
      "unknown", "echo",        "unknown",     "discard",   "unknown",
      "systat",  "unknown",     "daytime",     "unknown",   "netstat",
      "unknown", "qotd",        "msp",         "chargen",   "ftp-data",
      "ftp",     "ssh",         "telnet",      "priv-mail", "smtp",
      "rsftp",   "nsw-fe",      "unknown",     "msg-icp",   "unknown"};
  for (int i = 0; i < 30; i++)
    fprintf(f, "%s\t%d/tcp\t0.001\n", names[i], i + 1);
  fputs("http\t80/tcp\t0.48\nhttp-proxy\t8080/tcp\t0.04\n"
        "domain\t53/udp\t0.21\n",
        f);
  fclose(f);
  services_load_from(fix_services_path, NULL);
}

static inline void fix_teardown_env(void) {
  services_free();
  unlink(fix_services_path);
}

/* The two above as cmocka per-test set-up and tear-down. */
static inline int fix_setup(void **state) {
  (void)state;
  fix_setup_env();
  return 0;
}

static inline int fix_teardown(void **state) {
  (void)state;
  fix_teardown_env();
  return 0;
}

static inline struct host *fix_host(const char *ip) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len;
  if (strchr(ip, ':') != NULL) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    s6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &s6->sin6_addr);
    len = sizeof *s6;
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    s4->sin_family = AF_INET;
    inet_pton(AF_INET, ip, &s4->sin_addr);
    len = sizeof *s4;
  }
  struct host *h = host_new((struct sockaddr *)&ss, len);
  h->status = HOST_UP;
  h->reason = RSN_USER_SET;
  h->start_time = FIX_START;
  h->end_time = FIX_START;
  h->srtt_us = 566;
  h->rttvar_us = 270;
  h->timeout_us = 100000;
  return h;
}

/* Sets ports from..to (TCP, inclusive) to one state and reason. */
static inline void fix_ports(struct host *h, uint16_t from, uint16_t to,
                             enum port_state state, enum reason reason) {
  for (uint32_t p = from; p <= to; p++)
    host_port_set(h, PROTO_TCP, (uint16_t)p, state, reason, 0);
}

struct fix_run {
  struct scan_opts o;
  struct run_info ri;
  struct run_stats st;
  struct portlist pl;
  struct script_results pre, post;
};

static inline void fix_run_init(struct fix_run *r, const char *args,
                                const char *ports) {
  memset(r, 0, sizeof *r);
  opts_init(&r->o);
  r->ri.opts = &r->o;
  r->ri.args = args;
  r->ri.start_time = FIX_START;
  r->ri.scan_type = "connect";
  if (ports != NULL) {
    char err[256];
    if (portspec_parse(ports, 1u << PROTO_TCP, &r->pl, err, sizeof err) != 0)
      abort();
    r->ri.ports = &r->pl;
  }
  r->st.end_time = FIX_START;
  r->st.elapsed = 0.04;
  r->st.hosts_up = 1;
  r->st.hosts_total = 1;
}

static inline void fix_run_free(struct fix_run *r) {
  portlist_free(&r->pl);
  sresults_clear(&r->pre);
  sresults_clear(&r->post);
  opts_free(&r->o);
}

/* The usual end of a one-host test: the rendered text, the host, the run. */
static inline void fix_free(struct fix_run *r, struct host *h, char *out) {
  free(out);
  host_free(h);
  fix_run_free(r);
}

/* Runs a writer over the given hosts; returns the malloc'd text. */
static inline char *fix_render(struct writer *(*make)(FILE *, int),
                               struct fix_run *r, struct host **hosts,
                               size_t n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  struct writer *w = make(f, 0);
  writer_begin(w, &r->ri);
  writer_prescan(w, &r->pre);
  for (size_t i = 0; i < n; i++)
    writer_host(w, hosts[i]);
  writer_postscan(w, &r->post);
  writer_end(w, &r->st);
  writer_free(w);
  fclose(f);
  return buf;
}

/* Writes text to a new temporary file; returns its path (static buffer
 * per slot). */
static inline const char *fix_tmpfile(int slot, const char *text,
                                      const char *ext) {
  static char paths[4][64];
  snprintf(paths[slot], sizeof paths[slot], "/tmp/portolan-out-XXXXXX%s", ext);
  int fd = mkstemps(paths[slot], (int)strlen(ext));
  if (fd < 0)
    abort();
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  return paths[slot];
}

/* The bytes of the reference run's hostile value (NSE-NOTES §9.3). */
static const char fix_zeta[] = "a\0b\r\n--x]]><\"'&\x1b\x80\xff\xc3\xa9";
#define FIX_ZETA_LEN (sizeof fix_zeta - 1)

/* The structured value the reference hostrule returned, and the text
 * format_table made of it. */
static inline struct snode *fix_table(void) {
  struct snode *t = snode_new_table(NULL);
  snode_append(t, snode_new_elem("zeta", fix_zeta, FIX_ZETA_LEN));
  struct snode *list = snode_new_table("list");
  snode_append(list, snode_new_elem(NULL, "x", 1));
  struct snode *sub = snode_new_table(NULL);
  snode_append(sub, snode_new_elem(NULL, "y", 1));
  snode_append(sub, snode_new_elem("k", "v", 1));
  snode_append(list, sub);
  snode_append(list, snode_new_table(NULL));
  snode_append(t, list);
  snode_append(t, snode_new_table("empty"));
  snode_append(t, snode_new_elem("key with \"q\" & <>", "v", 1));
  return t;
}

static inline struct script_result *fix_table_result(const char *id) {
  char text[256];
  size_t n = 0;
  n += (size_t)sprintf(text + n, "\n  zeta: ");
  memcpy(text + n, fix_zeta, FIX_ZETA_LEN);
  n += FIX_ZETA_LEN;
  n += (size_t)sprintf(text + n, "\n  list: \n    x\n    \n      y\n"
                                 "      k: v\n    \n  empty: \n"
                                 "  key with \"q\" & <>: v");
  return sresult_new(id, text, n, fix_table());
}

/* "bell\7 tab\t cr\r esc\27 hi\200 nul\0 end\n" from the reference run. */
static const char fix_bell[] = "bell\a tab\t cr\r esc\x1b hi\x80 nul\0 end\n";
#define FIX_BELL_LEN (sizeof fix_bell - 1)

/* Host and phases of the reference run n2 (two open ports with scripts,
 * host scripts, pre-scan text and empty post-scan results). */
static inline struct host *fix_script_host(struct fix_run *r) {
  struct host *h = fix_host("127.0.0.1");
  h->srtt_us = 459;
  uint16_t ports[2] = {38997, 41355};
  for (int i = 0; i < 2; i++) {
    struct port *pt =
        host_port_set(h, PROTO_TCP, ports[i], PS_OPEN, RSN_SYN_ACK, 0);
    struct snode *ab = snode_new_table(NULL);
    snode_append(ab, snode_new_elem(NULL, "a", 1));
    snode_append(ab, snode_new_elem(NULL, "b", 1));
    /* Added out of order: the writers sort by id. */
    sresults_add(port_scripts(pt), sresult_new("zz-second", "s2", 2, ab));
    pt = host_port_get(h, PROTO_TCP, ports[i]);
    sresults_add(port_scripts(pt),
                 sresult_new("outtest", fix_bell, FIX_BELL_LEN, NULL));
  }
  sresults_add(&h->scripts, fix_table_result("zz-second"));
  sresults_add(&h->scripts, fix_table_result("outtest"));
  sresults_add(&r->pre, sresult_new("zz-second", "pre line\nsecond", 15, NULL));
  sresults_add(&r->pre, sresult_new("outtest", "pre line\nsecond", 15, NULL));
  sresults_add(&r->post, sresult_new("outtest", "", 0, NULL));
  sresults_add(&r->post, sresult_new("zz-second", "", 0, NULL));
  r->st.elapsed = 0.15;
  return h;
}

static inline int fix_have(const char *cmd) {
  char buf[256];
  snprintf(buf, sizeof buf, "command -v %s >/dev/null 2>&1", cmd);
  return system(buf) == 0;
}

#endif
