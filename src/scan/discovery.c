/* Host discovery without privileges: TCP connects to ports 80 and 443,
 * as `nmap --unprivileged -sn` does. A host is up when either port answers,
 * open (reason syn-ack) or closed (conn-refused); down otherwise (reason
 * no-response, or the ICMP error seen).
 *
 * Loopback is treated like any other address: as root Nmap reports
 * 127.0.0.1 with reason localhost-response without probing, but Portolan
 * probes without privileges and so reports what the probe got, exactly as
 * unprivileged Nmap does ("Host is up, received conn-refused").
 *
 * The probes run on the connect scanner in first-answer mode, against a
 * scratch host per target, so the caller's host gets a status and RTT but
 * no port entries. Invariant: every dhost is on d->list until its done
 * callback has fired (or discovery_free). */
#include "scan/scan.h"

#include <stdlib.h>

#include "core/xalloc.h"
#include "scan/connect_int.h"

struct dhost {
  struct discovery *d;
  struct host *h, *scratch;
  struct dhost *prev, *next;
};

struct discovery {
  struct connect_scan *cs;
  scan_host_done_fn done;
  void *ud;
  struct dhost *list;
  size_t pending;
  struct portlist ports;
};

static uint16_t probe_ports[] = {80, 443};

static void unlink_dhost(struct discovery *d, struct dhost *dh) {
  if (dh->prev)
    dh->prev->next = dh->next;
  else
    d->list = dh->next;
  if (dh->next)
    dh->next->prev = dh->prev;
}

/* The best evidence among the probed ports: an answer beats an ICMP error,
 * which beats silence. */
static void judge(struct host *scratch, enum host_status *st,
                  enum reason *why) {
  *st = HOST_DOWN;
  *why = RSN_NO_RESPONSE;
  for (size_t i = 0; i < sizeof probe_ports / sizeof probe_ports[0]; i++) {
    struct port *pt = host_port_get(scratch, PROTO_TCP, probe_ports[i]);
    if (pt == NULL)
      continue;
    if (pt->state == PS_OPEN || pt->state == PS_CLOSED) {
      *st = HOST_UP;
      *why = (enum reason)pt->reason;
      return;
    }
    if (pt->reason != RSN_NO_RESPONSE && pt->reason != RSN_NONE)
      *why = (enum reason)pt->reason;
  }
}

static void scratch_done(struct host *scratch, void *ud) {
  struct dhost *dh = scratch->user;
  struct discovery *d = ud;
  struct host *h = dh->h;
  judge(scratch, &h->status, &h->reason);
  h->reason_ttl = 0;
  if (h->status == HOST_UP) {
    h->srtt_us = scratch->srtt_us;
    h->rttvar_us = scratch->rttvar_us;
  }
  h->timeout_us = scratch->timeout_us;
  h->timed_out = scratch->timed_out;
  if (h->start_time == 0)
    h->start_time = scratch->start_time;
  h->end_time = scratch->end_time;
  unlink_dhost(d, dh);
  host_free(scratch);
  free(dh);
  d->pending--;
  d->done(h, d->ud);
}

struct discovery *discovery_new(uv_loop_t *loop, const struct scan_opts *o,
                                scan_host_done_fn done, void *ud) {
  struct discovery *d = xcalloc(1, sizeof *d);
  d->done = done;
  d->ud = ud;
  d->ports.ports[PROTO_TCP] = probe_ports;
  d->ports.n[PROTO_TCP] = sizeof probe_ports / sizeof probe_ports[0];
  d->cs = connect_scan_new(loop, o, scratch_done, d);
  connect_scan_set_first_answer(d->cs, 1);
  return d;
}

void discovery_add(struct discovery *d, struct host *h) {
  struct dhost *dh = xcalloc(1, sizeof *dh);
  dh->d = d;
  dh->h = h;
  dh->scratch = host_new((const struct sockaddr *)&h->addr, h->addrlen);
  dh->scratch->user = dh;
  dh->next = d->list;
  if (d->list)
    d->list->prev = dh;
  d->list = dh;
  d->pending++;
  connect_scan_add(d->cs, dh->scratch, &d->ports);
}

size_t discovery_pending(const struct discovery *d) {
  return d->pending;
}

void discovery_stop(struct discovery *d) {
  connect_scan_stop(d->cs);
}

void discovery_free(struct discovery *d) {
  if (d == NULL)
    return;
  connect_scan_free(d->cs);
  while (d->list) {
    struct dhost *dh = d->list;
    unlink_dhost(d, dh);
    host_free(dh->scratch);
    free(dh);
  }
  free(d);
}
