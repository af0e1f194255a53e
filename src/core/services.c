/* The services table; see services.h.
 *
 * Sources, first that can be read wins: nmap-services on the data path
 * (ours, then /usr/share/nmap), else /etc/services merged with the built-in
 * list (services_builtin.c), whose frequencies rank the common ports.
 *
 * Invariants: per protocol, `ents` is sorted by descending frequency, ties
 * by ascending port, and holds each port at most once (the first line of a
 * file that names a port/protocol wins, as in Nmap); `byport` indexes the
 * same entries sorted by port for bsearch. Everything is built by one load
 * and read-only until services_free. Accessors load lazily with the
 * default sources so that a forgotten services_load still works. */
#include "core/services.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/datapath.h"
#include "core/errcode.h"
#include "core/services_builtin.h"
#include "core/xalloc.h"

struct table {
  struct service_entry *ents;
  size_t n, cap;
  uint32_t *byport; /* indices into ents, sorted by port */
  uint8_t seen[65536 / 8];
};

static struct table tables[PROTO_COUNT];
static int loaded;
static char *source;

static int proto_from_name(const char *s, enum proto *p) {
  if (strcmp(s, "tcp") == 0)
    *p = PROTO_TCP;
  else if (strcmp(s, "udp") == 0)
    *p = PROTO_UDP;
  else if (strcmp(s, "sctp") == 0)
    *p = PROTO_SCTP;
  else
    return -1;
  return 0;
}

/* Adds an entry unless the port/protocol is already known. */
static void add_entry(const char *name, uint16_t port, enum proto p,
                      double freq) {
  struct table *t = &tables[p];
  if (t->seen[port / 8] & (1u << (port % 8)))
    return;
  t->seen[port / 8] |= (uint8_t)(1u << (port % 8));
  t->ents = xgrow(t->ents, &t->cap, t->n + 1, sizeof *t->ents);
  t->ents[t->n].name = xstrdup(name);
  t->ents[t->n].port = port;
  t->ents[t->n].proto = (uint8_t)p;
  t->ents[t->n].freq = freq;
  t->n++;
}

/* One line of nmap-services ("name port/proto freq # comment") or of
 * /etc/services ("name port/proto aliases... # comment"): a third field
 * that is not a number means no frequency. Malformed lines are skipped,
 * as Nmap does. */
static void parse_line(char *line) {
  char *hash = strchr(line, '#');
  if (hash != NULL)
    *hash = '\0';
  char *save = NULL;
  char *name = strtok_r(line, " \t\r\n", &save);
  char *portproto = strtok_r(NULL, " \t\r\n", &save);
  char *freqs = strtok_r(NULL, " \t\r\n", &save);
  if (name == NULL || portproto == NULL)
    return;
  char *slash = strchr(portproto, '/');
  if (slash == NULL)
    return;
  *slash = '\0';
  char *end;
  errno = 0;
  long port = strtol(portproto, &end, 10);
  if (errno != 0 || end == portproto || *end != '\0' || port < 0 ||
      port > 65535)
    return;
  enum proto p;
  if (proto_from_name(slash + 1, &p) != 0)
    return;
  double freq = 0;
  if (freqs != NULL) {
    double f = strtod(freqs, &end);
    if (end != freqs && *end == '\0' && f >= 0 && f <= 1)
      freq = f;
  }
  add_entry(name, (uint16_t)port, p, freq);
}

static int load_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return -errno;
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) != -1)
    parse_line(line);
  free(line);
  fclose(f);
  return 0;
}

static int cmp_freq(const void *a, const void *b) {
  const struct service_entry *x = a, *y = b;
  if (x->freq != y->freq)
    return x->freq > y->freq ? -1 : 1;
  return (int)x->port - (int)y->port;
}

static const struct service_entry *cmp_base;

static int cmp_port_idx(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (int)cmp_base[x].port - (int)cmp_base[y].port;
}

static void finish_tables(void) {
  for (int p = 0; p < PROTO_COUNT; p++) {
    struct table *t = &tables[p];
    if (t->n > 1)
      qsort(t->ents, t->n, sizeof *t->ents, cmp_freq);
    t->byport = xmalloc((t->n ? t->n : 1) * sizeof *t->byport);
    for (size_t i = 0; i < t->n; i++)
      t->byport[i] = (uint32_t)i;
    cmp_base = t->ents;
    if (t->n > 1)
      qsort(t->byport, t->n, sizeof *t->byport, cmp_port_idx);
  }
  loaded = 1;
}

static void add_builtin(void) {
  for (size_t i = 0; i < services_builtin_ntcp; i++)
    add_entry(services_builtin_tcp[i].name, services_builtin_tcp[i].port,
              PROTO_TCP, services_builtin_tcp[i].freq);
  for (size_t i = 0; i < services_builtin_nudp; i++)
    add_entry(services_builtin_udp[i].name, services_builtin_udp[i].port,
              PROTO_UDP, services_builtin_udp[i].freq);
}

int services_load_from(const char *nmap_services, const char *etc_services) {
  services_free();
  if (nmap_services != NULL && load_file(nmap_services) == 0) {
    source = xstrdup(nmap_services);
    finish_tables();
    return 0;
  }
  /* The built-in list goes first so that its frequencies win for the
   * ports both know; /etc/services only adds names. */
  add_builtin();
  int rc = -ENOENT;
  if (etc_services != NULL)
    rc = load_file(etc_services);
  source =
      rc == 0 ? xasprintf("%s+built-in", etc_services) : xstrdup("built-in");
  finish_tables();
  return rc;
}

int services_load(void) {
  if (loaded)
    return 0;
  char *path = datapath_find("nmap-services", DATAPATH_FILE);
  int rc = services_load_from(path, "/etc/services");
  free(path);
  return rc;
}

void services_free(void) {
  for (int p = 0; p < PROTO_COUNT; p++) {
    struct table *t = &tables[p];
    for (size_t i = 0; i < t->n; i++)
      free((char *)t->ents[i].name);
    free(t->ents);
    free(t->byport);
    memset(t, 0, sizeof *t);
  }
  free(source);
  source = NULL;
  loaded = 0;
}

static void ensure_loaded(void) {
  if (!loaded)
    services_load();
}

const char *services_name(uint16_t port, enum proto p) {
  ensure_loaded();
  if ((unsigned)p >= PROTO_COUNT)
    return NULL;
  const struct table *t = &tables[p];
  size_t lo = 0, hi = t->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    uint16_t mp = t->ents[t->byport[mid]].port;
    if (mp == port)
      return t->ents[t->byport[mid]].name;
    if (mp < port)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const struct service_entry *services_by_freq(enum proto p, size_t *n) {
  ensure_loaded();
  if ((unsigned)p >= PROTO_COUNT) {
    *n = 0;
    return NULL;
  }
  *n = tables[p].n;
  return tables[p].ents;
}

size_t services_match(const char *pattern,
                      void (*fn)(const struct service_entry *, void *),
                      void *ud) {
  ensure_loaded();
  size_t count = 0;
  for (int p = 0; p < PROTO_COUNT; p++) {
    const struct table *t = &tables[p];
    for (size_t i = 0; i < t->n; i++) {
      if (fnmatch(pattern, t->ents[i].name, 0) == 0) {
        count++;
        if (fn != NULL)
          fn(&t->ents[i], ud);
      }
    }
  }
  return count;
}

const char *services_source(void) {
  ensure_loaded();
  return source;
}
