/* The host/port model; see host.h. */
#include "core/host.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/errcode.h"
#include "core/xalloc.h"

/* Ports of one protocol: an array in insertion order (or sorted, after
 * host_ports) and an open-addressing index from number to array slot + 1. */
struct port_table {
  struct port *ports;
  size_t n, cap;
  uint32_t *index;  /* 0 = empty, else slot + 1 */
  size_t index_cap; /* power of two, > 2 * n */
  int sorted;
  size_t state_count[PS_COUNT];
};

static const char *const proto_names[PROTO_COUNT] = {"tcp", "udp", "sctp"};

static const char *const state_names[PS_COUNT] = {
#define PS_NAME(e, s) s,
    PORT_STATES(PS_NAME)
#undef PS_NAME
};

static const char *const reason_names[RSN_COUNT] = {
#define RSN_NAME(e, s) s,
    REASONS(RSN_NAME)
#undef RSN_NAME
};

static int parse_name(const char *s, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

const char *proto_name(enum proto p) {
  return (unsigned)p < PROTO_COUNT ? proto_names[p] : "unknown";
}

int proto_parse(const char *s, enum proto *out) {
  int i = parse_name(s, proto_names, PROTO_COUNT);
  if (i < 0)
    return PT_EPARSE;
  *out = (enum proto)i;
  return 0;
}

const char *port_state_name(enum port_state s) {
  return (unsigned)s < PS_COUNT ? state_names[s] : "unknown";
}

int port_state_parse(const char *s, enum port_state *out) {
  int i = parse_name(s, state_names, PS_COUNT);
  if (i < 0)
    return PT_EPARSE;
  *out = (enum port_state)i;
  return 0;
}

const char *reason_name(enum reason r) {
  return (unsigned)r < RSN_COUNT ? reason_names[r] : "unknown";
}

int reason_parse(const char *s, enum reason *out) {
  int i = parse_name(s, reason_names, RSN_COUNT);
  if (i < 0)
    return PT_EPARSE;
  *out = (enum reason)i;
  return 0;
}

struct host *host_new(const struct sockaddr *addr, socklen_t len) {
  struct host *h = xcalloc(1, sizeof *h);
  if (len > sizeof h->addr)
    len = sizeof h->addr;
  memcpy(&h->addr, addr, len);
  h->addrlen = len;
  h->family = addr->sa_family;
  if (h->family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&h->addr;
    a->sin6_port = 0;
    inet_ntop(AF_INET6, &a->sin6_addr, h->ip, sizeof h->ip);
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&h->addr;
    a->sin_port = 0;
    inet_ntop(AF_INET, &a->sin_addr, h->ip, sizeof h->ip);
  }
  h->status = HOST_UNKNOWN;
  return h;
}

void service_clear(struct service *s) {
  free(s->name);
  free(s->product);
  free(s->version);
  free(s->extrainfo);
  free(s->hostname);
  free(s->ostype);
  free(s->devicetype);
  free(s->tunnel);
  free(s->fingerprint);
  for (size_t i = 0; i < s->ncpe; i++)
    free(s->cpe[i]);
  free(s->cpe);
  memset(s, 0, sizeof *s);
  s->name_confidence = 3.0;
}

void service_set_str(char **field, const char *value) {
  free(*field);
  *field = value ? xstrdup(value) : NULL;
}

static void port_extra_free(struct port_extra *x) {
  if (x == NULL)
    return;
  service_clear(&x->svc);
  sresults_clear(&x->scripts);
  free(x);
}

static void table_free(struct port_table *t) {
  if (t == NULL)
    return;
  for (size_t i = 0; i < t->n; i++)
    port_extra_free(t->ports[i].x);
  free(t->ports);
  free(t->index);
  free(t);
}

void host_free(struct host *h) {
  if (h == NULL)
    return;
  for (int p = 0; p < PROTO_COUNT; p++)
    table_free(h->ports[p]);
  sresults_clear(&h->scripts);
  free(h->targetname);
  free(h->name);
  for (size_t i = 0; i < h->nother_addrs; i++)
    free(h->other_addrs[i]);
  free(h->other_addrs);
  free(h);
}

static size_t slot_of(uint16_t number, size_t cap) {
  /* Fibonacci hashing spreads sequential port numbers. */
  return ((uint32_t)number * 2654435769u) & (cap - 1);
}

static void index_rebuild(struct port_table *t, size_t cap) {
  free(t->index);
  t->index = xcalloc(cap, sizeof *t->index);
  t->index_cap = cap;
  for (size_t i = 0; i < t->n; i++) {
    size_t s = slot_of(t->ports[i].number, cap);
    while (t->index[s])
      s = (s + 1) & (cap - 1);
    t->index[s] = (uint32_t)i + 1;
  }
}

static struct port *table_find(struct port_table *t, uint16_t number) {
  if (t == NULL || t->index_cap == 0)
    return NULL;
  size_t s = slot_of(number, t->index_cap);
  while (t->index[s]) {
    struct port *pt = &t->ports[t->index[s] - 1];
    if (pt->number == number)
      return pt;
    s = (s + 1) & (t->index_cap - 1);
  }
  return NULL;
}

struct port *host_port_get(struct host *h, enum proto p, uint16_t number) {
  if ((unsigned)p >= PROTO_COUNT)
    return NULL;
  return table_find(h->ports[p], number);
}

struct port *host_port_add(struct host *h, enum proto p, uint16_t number) {
  if ((unsigned)p >= PROTO_COUNT)
    return NULL;
  struct port *pt = host_port_get(h, p, number);
  if (pt)
    return pt;
  struct port_table *t = h->ports[p];
  if (t == NULL)
    t = h->ports[p] = xcalloc(1, sizeof *t);
  t->ports = xgrow(t->ports, &t->cap, t->n + 1, sizeof *t->ports);
  pt = &t->ports[t->n++];
  memset(pt, 0, sizeof *pt);
  pt->number = number;
  pt->proto = (uint8_t)p;
  pt->state = PS_UNKNOWN;
  pt->reason = RSN_NONE;
  t->state_count[PS_UNKNOWN]++;
  t->sorted = t->n == 1 || (t->sorted && t->ports[t->n - 2].number < number);
  if (t->n * 2 >= t->index_cap) {
    index_rebuild(t, t->index_cap ? t->index_cap * 2 : 16);
  } else {
    size_t s = slot_of(number, t->index_cap);
    while (t->index[s])
      s = (s + 1) & (t->index_cap - 1);
    t->index[s] = (uint32_t)t->n;
  }
  return pt;
}

struct port *host_port_set(struct host *h, enum proto p, uint16_t number,
                           enum port_state st, enum reason r, int ttl) {
  struct port *pt = host_port_add(h, p, number);
  if (pt == NULL)
    return NULL;
  struct port_table *t = h->ports[p];
  t->state_count[pt->state]--;
  pt->state = (uint8_t)st;
  t->state_count[st]++;
  pt->reason = (uint8_t)r;
  pt->reason_ttl = (uint8_t)(ttl < 0 ? 0 : ttl > 255 ? 255 : ttl);
  return pt;
}

size_t host_port_count(const struct host *h, enum proto p) {
  if ((unsigned)p >= PROTO_COUNT || h->ports[p] == NULL)
    return 0;
  return h->ports[p]->n;
}

size_t host_state_count(const struct host *h, enum proto p,
                        enum port_state st) {
  if ((unsigned)p >= PROTO_COUNT || h->ports[p] == NULL ||
      (unsigned)st >= PS_COUNT)
    return 0;
  return h->ports[p]->state_count[st];
}

static int cmp_port(const void *a, const void *b) {
  const struct port *x = a, *y = b;
  return (int)x->number - (int)y->number;
}

struct port *host_ports(struct host *h, enum proto p, size_t *n) {
  *n = 0;
  if ((unsigned)p >= PROTO_COUNT || h->ports[p] == NULL)
    return NULL;
  struct port_table *t = h->ports[p];
  if (!t->sorted) {
    qsort(t->ports, t->n, sizeof *t->ports, cmp_port);
    index_rebuild(t, t->index_cap);
    t->sorted = 1;
  }
  *n = t->n;
  return t->ports;
}

struct service *port_service(struct port *pt) {
  if (pt->x == NULL) {
    pt->x = xcalloc(1, sizeof *pt->x);
    pt->x->svc.name_confidence = 3.0;
  }
  pt->x->has_service = 1;
  return &pt->x->svc;
}

struct script_results *port_scripts(struct port *pt) {
  if (pt->x == NULL) {
    pt->x = xcalloc(1, sizeof *pt->x);
    pt->x->svc.name_confidence = 3.0;
  }
  return &pt->x->scripts;
}

int port_has_scripts(const struct port *pt) {
  return pt->x != NULL && pt->x->scripts.n > 0;
}
