/* Port scanning and host discovery stages (src/scan). They know nothing of
 * the script engine or the writers: they fill struct host and call back.
 * All callbacks run on the main loop thread. */
#ifndef PORTOLAN_SCAN_SCAN_H
#define PORTOLAN_SCAN_SCAN_H

#include <uv.h>

#include "core/host.h"
#include "core/options.h"
#include "core/portspec.h"

typedef void (*scan_host_done_fn)(struct host *h, void *ud);

/* TCP connect scan (-sT). Many hosts at once; each host's ports are
 * classified open (syn-ack), closed (conn-refused) or filtered
 * (no-response) after retransmissions with timeouts adapted to measured
 * RTT. done fires once per host when all its ports are known (or its
 * --host-timeout expired: h->timed_out = 1). */
struct connect_scan;
struct connect_scan *connect_scan_new(uv_loop_t *loop,
                                      const struct scan_opts *o,
                                      scan_host_done_fn done, void *ud);
/* Adds h with its port list (borrowed until done). */
void connect_scan_add(struct connect_scan *cs, struct host *h,
                      const struct portlist *pl);
/* Hosts added and not yet done. */
size_t connect_scan_pending(const struct connect_scan *cs);
/* Ctrl-C: stops sending; pending hosts are completed with what is known. */
void connect_scan_stop(struct connect_scan *cs);
/* Releases everything; handles close on the loop (run it once more). */
void connect_scan_free(struct connect_scan *cs);

/* Host discovery without privileges: TCP connects to 80 and 443; a host is
 * up (reason syn-ack or conn-refused) if either answers. done fires once
 * per host with h->status set. */
struct discovery;
struct discovery *discovery_new(uv_loop_t *loop, const struct scan_opts *o,
                                scan_host_done_fn done, void *ud);
void discovery_add(struct discovery *d, struct host *h);
size_t discovery_pending(const struct discovery *d);
void discovery_stop(struct discovery *d);
void discovery_free(struct discovery *d);

#endif
