/* Name resolution for script calls without blocking the loop: getaddrinfo
 * on libuv's thread pool, the script thread yielding meanwhile (used by
 * nmap.resolve and by socket connect/sendto given a name).
 *
 * The request is malloc'd and may outlive its thread: a thread that ends
 * while waiting marks it abandoned (close handler) and the callback frees
 * it. Internal to src/nse. */
#ifndef PORTOLAN_NSE_ARESOLVE_H
#define PORTOLAN_NSE_ARESOLVE_H

#include <lua.h>
#include <netdb.h>

struct aresolve;

/* Starts resolving name (service: a port number as text, or NULL) for the
 * running script thread. On 0 the caller must
 * `return sched_yield(L, (lua_KContext)*out, k)`, and k must call
 * aresolve_take. Returns 0, or a negative libuv code with nothing
 * started (also when L cannot yield). */
int aresolve_start(lua_State *L, const char *name, const char *service,
                   int family, int socktype, struct aresolve **out);

/* In the continuation: frees q and hands over the addresses (*res, to be
 * freed with uv_freeaddrinfo, NULL on failure). Returns 0 or the libuv
 * status (UV_EAI_*). */
int aresolve_take(struct aresolve *q, struct addrinfo **res);

/* glibc's gai_strerror text for a libuv UV_EAI_* status (Nmap shows
 * these, e.g. "Name or service not known"). */
const char *aresolve_strerror(int status);

#endif
