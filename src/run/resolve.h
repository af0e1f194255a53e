/* Forward and reverse name lookups for the pipeline, asynchronous on the
 * main loop through src/net/dns (c-ares; --dns-servers). Callbacks run
 * later on the loop, except when a lookup cannot even start: then the
 * callback runs from inside the call. The number of lookups in flight is
 * bounded by the caller (host groups count pending lookups). */
#ifndef PORTOLAN_RUN_RESOLVE_H
#define PORTOLAN_RUN_RESOLVE_H

#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

struct resolver;

/* status 0: naddrs (>= 1) addresses of the wanted family, the one to scan
 * first; borrowed for the call. */
typedef void (*resolve_fwd_fn)(int status, const struct sockaddr_storage *addrs,
                               size_t naddrs, void *ud);
/* status 0: name is the PTR name (borrowed for the call). */
typedef void (*resolve_rev_fn)(int status, const char *name, void *ud);

/* servers: --dns-servers or NULL (the system's configuration). Returns 0
 * or a negative code (PT_EPARSE: bad server list). */
int resolver_new(uv_loop_t *loop, const char *servers, struct resolver **out);
void resolver_forward(struct resolver *r, const char *name, int family,
                      resolve_fwd_fn cb, void *ud);
void resolver_reverse(struct resolver *r, const struct sockaddr *sa,
                      resolve_rev_fn cb, void *ud);
/* Lookups still pending: their callbacks fire now with UV_ECANCELED.
 * Handles close on the loop (run it once more). */
void resolver_free(struct resolver *r);

#endif
