/* Asynchronous DNS on the libuv loop: forward (name -> addresses) and
 * reverse (address -> name) lookups through c-ares, many in parallel, for
 * target names, -R/-sL reverse names and NSE scripts.
 *
 * Callbacks run on the loop thread, never from inside dns_resolve or
 * dns_reverse (results known at once, such as numeric addresses, are
 * delivered on a later loop iteration). A callback may start new lookups
 * or call dns_close. Numeric addresses never go to the network. Statuses
 * are 0, PT_ENOTFOUND (no such name / no address of that family),
 * PT_ETIMEDOUT, PT_ERESOLVE (server failure, refused...), PT_EPARSE (bad
 * name or address), UV_ECANCELED (dns_close), -ENOMEM; dns_last_error has
 * the resolver's own text for the last failure. */
#ifndef PORTOLAN_NET_DNS_H
#define PORTOLAN_NET_DNS_H

#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

struct dns;

/* addrs: naddrs addresses (port 0), borrowed for the call. */
typedef void (*dns_resolve_cb)(int status, const struct sockaddr_storage *addrs,
                               size_t naddrs, void *ud);
/* name: borrowed for the call; NULL unless status is 0. */
typedef void (*dns_reverse_cb)(int status, const char *name, void *ud);

/* servers: NULL for the system's resolver configuration, or a comma list
 * ("192.0.2.1,[2001:db8::1]:5353,127.0.0.1:5300") as --dns-servers takes.
 * Returns 0, PT_EPARSE for a bad server list, or another negative code. */
int dns_new(uv_loop_t *loop, const char *servers, struct dns **out);

/* Per-try timeout and number of tries (defaults: 2500 ms, 3). */
void dns_set_timeout(struct dns *d, int timeout_ms, int tries);

/* family: AF_INET, AF_INET6 or AF_UNSPEC. Returns 0 (cb will be called
 * exactly once) or a negative code (cb will not be called). */
int dns_resolve(struct dns *d, const char *name, int family, dns_resolve_cb cb,
                void *ud);
int dns_reverse(struct dns *d, const struct sockaddr *addr, dns_reverse_cb cb,
                void *ud);

/* Number of lookups whose callbacks have not run yet. */
size_t dns_pending(const struct dns *d);

const char *dns_last_error(const struct dns *d);

/* Closes asynchronously: pending callbacks run with UV_ECANCELED before
 * this returns, handles are closed, memory is freed by the loop (run it
 * once more). Safe from inside a dns callback. */
void dns_close(struct dns *d);

#endif
