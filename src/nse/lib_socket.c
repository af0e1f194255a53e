/* NSE socket objects (NSE-NOTES §7): the Lua face of sockio.c.
 *
 * The userdata is the socket's configuration (protocol, family, timeout,
 * bind address, SNI name, receive_buf buffer) plus a pointer to its current
 * connection, a malloc'd struct sockio that libuv frees after closing.
 * The userdata outlives every operation it starts: a waiting call keeps it
 * on the coroutine's stack (argument 1) until the continuation runs.
 *
 * Rules kept here:
 *  - misuse raises; setup failures return false, msg; I/O failures return
 *    nil, "TIMEOUT" | "EOF" | "ERROR" (§7);
 *  - ownership (§7.5) is checked before anything is queued;
 *  - a pending operation registers a close handler (key: the userdata) on
 *    its thread, so a thread that ends mid-call cancels it; the handler is
 *    removed by the continuation;
 *  - close, __close and __gc share one idempotent release (§7.6);
 *  - the receive_buf buffer is capped at BUF_CAP: a peer that never sends
 *    the delimiter gets nil, "ERROR" once the buffer is full, with the
 *    data kept (memory stays bounded, the script is not hung). */
#include <arpa/inet.h>
#include <lauxlib.h>
#include <math.h>
#include <netdb.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/options.h"
#include "core/xalloc.h"
#include "nse/aresolve.h"
#include "nse/lib_socket.h"
#include "nse/sched.h"
#include "nse/socklock.h"
#include "nse/sockio.h"
#include "nse/trace.h"

#define SOCK_MT "portolan.socket"
#define DEFAULT_TIMEOUT_MS 30000
/* receive_buf keeps at most 4 MiB waiting for a delimiter. */
#define BUF_CAP (4u << 20)

struct nsock {
  struct sockio *c; /* NULL: not open */
  enum sockio_kind proto;
  int af;
  int64_t timeout_ms;
  struct sockaddr_storage bind_addr;
  int has_bind;
  lua_State *owner; /* coroutine of the last I/O call; NULL after connect */
  char sni[256];
  struct sockaddr_storage peer; /* a name just resolved for the call */
  int have_peer;
  char *buf; /* receive_buf buffer */
  size_t blen, bcap;
  struct socklock_member m;
  /* --script-trace (§10.1): on for the whole run, and the addresses of
   * the trace lines (and of get_info on a stale socket). The local one is
   * kept once known, because a refused connect loses it before CLOSE is
   * printed; an unsent UDP socket has none yet (0.0.0.0:0, as Nmap
   * prints it). */
  int trace;
  struct sockaddr_storage tlocal, tremote;
  /* A connect timed out: the connection is gone here, but the script
   * still holds an open socket, as in Nmap: I/O waits and times out
   * (stale_io), get_info shows the attempt, close prints CLOSE and
   * succeeds. */
  int stale;
};

static const char *const status_names[] = {"ERROR", "ERROR", "TIMEOUT", "EOF",
                                           "ERROR"};

static struct nsock *check_sock(lua_State *L) {
  return luaL_checkudata(L, 1, SOCK_MT);
}

/* ---- --script-trace ---- */

/* Records the local address once the kernel has chosen it. */
static void note_local(struct nsock *s) {
  struct sockaddr_storage a = {0};
  int n = sizeof a, e;
  if (s->c == NULL || s->tlocal.ss_family != AF_UNSPEC)
    return;
  if (s->c->kind == SOCKIO_TCP)
    e = uv_tcp_getsockname(&s->c->u.tcp, (struct sockaddr *)&a, &n);
  else
    e = uv_udp_getsockname(&s->c->u.udp, (struct sockaddr *)&a, &n);
  if (e == 0 && ((struct sockaddr_in *)&a)->sin_port != 0)
    s->tlocal = a;
}

static void trace_head(const struct nsock *s, char dir, char *buf, size_t len) {
  /* Without a connection (stale) it was a TCP connect. */
  int udp = s->c != NULL && s->c->kind == SOCKIO_UDP;
  nse_trace_head(buf, len, udp ? "UDP" : "TCP",
                 (const struct sockaddr *)&s->tlocal, dir,
                 (const struct sockaddr *)&s->tremote);
}

/* "CONNECT", "SEND", "CLOSE", "SSL RECONNECT": printed when the action
 * completes, whatever its outcome. */
static void trace_action(const struct nsock *s, const char *what) {
  char head[128];
  if (!s->trace || (s->c == NULL && !s->stale))
    return;
  trace_head(s, '>', head, sizeof head);
  nse_trace_action(head, what);
}

/* Data: outgoing when the send is requested (an empty send prints an
 * empty line, as in Nmap), incoming when something was received. */
static void trace_data(const struct nsock *s, char dir, const char *data,
                       size_t len) {
  char head[128];
  if (!s->trace || (s->c == NULL && !s->stale) || (dir == '<' && len == 0))
    return;
  trace_head(s, dir, head, sizeof head);
  nse_trace_data(head, data != NULL ? data : "", len);
}

/* ---- release ---- */

static void drop_conn(struct nsock *s) {
  socklock_leave(&s->m);
  if (s->c != NULL) {
    sockio_close(s->c);
    s->c = NULL;
  }
  s->blen = 0;
  s->stale = 0;
  memset(&s->tlocal, 0, sizeof s->tlocal);
}

/* The socket lock closes the sockets of a finished thread. */
static void member_close(struct socklock_member *m) {
  struct nsock *s = (struct nsock *)((char *)m - offsetof(struct nsock, m));
  trace_action(s, "CLOSE"); /* Nmap prints it for these too */
  s->stale = 0;
  if (s->c != NULL) {
    sockio_close(s->c);
    s->c = NULL;
  }
}

/* close: [-0, +1..2, -] */
static int sock_close(lua_State *L) {
  struct nsock *s = check_sock(L);
  if (s->c == NULL && !s->stale) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "socket already closed");
    return 2;
  }
  trace_action(s, "CLOSE");
  drop_conn(s);
  s->owner = NULL;
  lua_pushboolean(L, 1);
  return 1;
}

/* __gc and __close: [-0, +0, -] */
static int sock_gc(lua_State *L) {
  struct nsock *s = check_sock(L);
  trace_action(s, "CLOSE");
  drop_conn(s);
  free(s->buf);
  s->buf = NULL;
  s->bcap = 0;
  return 0;
}

/* ---- helpers ---- */

/* A thread that ended while waiting: cancel, never wake (§5.7). */
static void op_closed(lua_State *L, void *ud) {
  struct nsock *s = ud;
  (void)L;
  if (s->c != NULL)
    sockio_cancel(s->c);
  s->owner = NULL;
}

static void check_owner(lua_State *L, struct nsock *s) {
  if (s->owner != NULL && s->owner != L)
    luaL_error(L, "Invalid reuse of a socket from one thread to another.");
}

/* Before any I/O is queued: the caller may wait, so it must be a script
 * coroutine that can yield (not a metamethod, a gsub callback or a
 * receive_buf delimiter), and it must own the socket (§7.5). Raising
 * later would leave a completion to wake a thread that waits for
 * something else. */
static void check_io(lua_State *L, struct nsock *s) {
  check_owner(L, s);
  if (!lua_isyieldable(L) || sched_current(L) == NULL)
    luaL_error(L, "attempt to yield across a C-call boundary");
}

static int push_status(lua_State *L, enum sockio_status st) {
  if (st == SST_OK) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_pushstring(L, status_names[st]);
  return 2;
}

static int push_error(lua_State *L, int isfalse, const char *msg) {
  if (isfalse)
    lua_pushboolean(L, 0);
  else
    lua_pushnil(L);
  lua_pushstring(L, msg);
  return 2;
}

static int is_numeric(const char *name) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, name, buf) == 1 ||
         inet_pton(AF_INET6, name, buf) == 1;
}

/* The family to resolve a peer in: the socket's, except that an inet6
 * socket also reaches IPv4 literals (Nmap connects those, as through a
 * v4-mapped address), while an inet socket given an IPv6 literal fails. */
static int peer_family(const struct nsock *s, const char *addr) {
  unsigned char buf[sizeof(struct in_addr)];
  if (s->af == AF_INET6 && inet_pton(AF_INET, addr, buf) == 1)
    return AF_INET;
  return s->af;
}

/* Resolves name for family into *out with port set: numeric addresses
 * only when numeric_only (peers: names go through aresolve so that the
 * loop never blocks), any name otherwise (bind, as Nmap does it).
 * Returns 0 or a gai code. */
static int resolve(const char *name, int af, int socktype, int port, int flags,
                   struct sockaddr_storage *out) {
  struct addrinfo hints = {0}, *res = NULL;
  char portstr[16];
  hints.ai_family = af;
  hints.ai_socktype = socktype;
  hints.ai_flags = AI_NUMERICSERV | flags;
  snprintf(portstr, sizeof portstr, "%d", port);
  int e = getaddrinfo(name, portstr, &hints, &res);
  if (e != 0)
    return e;
  memcpy(out, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return 0;
}

/* Finds the peer address of connect or sendto: the one a name lookup
 * just produced (s->peer), a numeric address, or else starts a lookup.
 * Returns 0 with *sa set, 1 when the caller must yield to k (ctx: the
 * request), or 2 with false, message pushed. */
static int find_peer(lua_State *L, struct nsock *s, const char *addr,
                     int socktype, int port, struct sockaddr_storage *sa,
                     struct aresolve **q) {
  int fam = peer_family(s, addr);
  if (s->have_peer) {
    s->have_peer = 0;
    *sa = s->peer;
    return 0;
  }
  int e = resolve(addr, fam, socktype, port, AI_NUMERICHOST, sa);
  if (e == 0)
    return 0;
  if (is_numeric(addr)) {
    push_status(L, SST_ERROR); /* nsock fails such a connect */
    return 2;
  }
  char portstr[16];
  snprintf(portstr, sizeof portstr, "%d", port);
  e = aresolve_start(L, addr, portstr, fam, socktype, q);
  if (e < 0) {
    push_error(L, 1, aresolve_strerror(e));
    return 2;
  }
  return 1;
}

/* Continuation of a lookup: records the address and restarts the call
 * (connect or sendto, whose 4 arguments are still on the stack). */
static int peer_found(lua_State *L, lua_KContext ctx, lua_CFunction again) {
  struct nsock *s = check_sock(L);
  struct addrinfo *res;
  lua_settop(L, 4);
  int e = aresolve_take((struct aresolve *)ctx, &res);
  if (e != 0 || res == NULL) {
    uv_freeaddrinfo(res);
    return push_error(L, 1, aresolve_strerror(e != 0 ? e : UV_EAI_NONAME));
  }
  memcpy(&s->peer, res->ai_addr, res->ai_addrlen);
  s->have_peer = 1;
  uv_freeaddrinfo(res);
  return again(L);
}

/* Reads a host argument: a string, or a table with ip and/or targetname.
 * *sni gets the name for TLS (targetname, or the string). */
static const char *check_host(lua_State *L, int idx, const char **sni) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    *sni = lua_tostring(L, idx);
    return *sni;
  }
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_getfield(L, idx, "targetname");
  const char *tn = lua_tostring(L, -1);
  lua_getfield(L, idx, "ip");
  const char *ip = lua_tostring(L, -1);
  lua_pop(L, 2); /* the strings stay alive in the table */
  if (ip == NULL && tn == NULL)
    luaL_argerror(L, idx, "host table lacks 'ip' or 'targetname' fields");
  *sni = tn;
  return ip != NULL ? ip : tn;
}

/* Reads a port argument; *proto gets port.protocol or NULL. */
static int check_port(lua_State *L, int idx, const char **proto) {
  *proto = NULL;
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_getfield(L, idx, "number");
    if (!lua_isinteger(L, -1))
      luaL_argerror(L, idx, "port table lacks integer 'number' field");
    lua_Integer n = lua_tointeger(L, -1);
    lua_getfield(L, idx, "protocol");
    *proto = lua_tostring(L, -1);
    lua_pop(L, 2);
    return (int)n;
  }
  return (int)luaL_checkinteger(L, idx);
}

static const struct sockaddr *bind_of(struct nsock *s) {
  return s->has_bind ? (const struct sockaddr *)&s->bind_addr : NULL;
}

/* TCP operations need a connection; UDP sockets set themselves up as an
 * unconnected endpoint on first use (§7.1). Raises or returns 0; a setup
 * failure pushes false, msg and returns 2. */
static int ensure_open(lua_State *L, struct nsock *s) {
  if (s->c != NULL)
    return 0;
  if (s->proto == SOCKIO_TCP)
    return luaL_error(L, "socket must be connected");
  struct sockaddr_storage any = {0};
  const struct sockaddr *b = bind_of(s);
  if (b == NULL) {
    any.ss_family = (sa_family_t)s->af;
    b = (const struct sockaddr *)&any;
  }
  int e = sockio_new(&s->c, sched_loop(L), SOCKIO_UDP, b);
  if (e < 0)
    return push_error(L, 1, uv_strerror(e));
  return 0;
}

/* Registers the pending call's close handler and yields to k. */
static int wait_op(lua_State *L, struct nsock *s, struct nse_thread *t,
                   lua_KContext ctx, lua_KFunction k) {
  s->owner = L;
  if (t != NULL)
    sched_on_close(t, s, op_closed, s);
  return sched_yield(L, ctx, k);
}

/* Ends a method that started a sockio operation with result e: failed at
 * once (traced as `what`: nil, "ERROR"), completed at once (k runs now,
 * without yielding, NSE-NOTES §13.9), or pending (the thread waits). */
static int op_started(lua_State *L, struct nsock *s, struct nse_thread *t,
                      int e, const char *what, lua_KContext ctx,
                      lua_KFunction k) {
  if (e < 0) {
    trace_action(s, what);
    return push_status(L, SST_ERROR);
  }
  if (e == 1)
    return k(L, LUA_OK, ctx);
  return wait_op(L, s, t, ctx, k);
}

static void op_done(lua_State *L, struct nsock *s) {
  struct nse_thread *t = sched_current(L);
  if (t != NULL)
    sched_cancel_close(t, s);
}

/* ---- connect ---- */

static int connect_body(lua_State *L, int top);

static int connect_again(lua_State *L) {
  return connect_body(L, 4);
}

static int k_connect_found(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  return peer_found(L, ctx, connect_again);
}

static int k_connect_again(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  lua_settop(L, (int)ctx);
  return connect_body(L, (int)ctx);
}

static int k_connect(lua_State *L, int status, lua_KContext ctx) {
  struct nsock *s = check_sock(L);
  char *data;
  size_t len;
  (void)status;
  (void)ctx;
  op_done(L, s);
  s->owner = NULL; /* connect completion clears ownership (§7.5) */
  if (s->c == NULL)
    return push_status(L, SST_ERROR);
  enum sockio_status st = sockio_take(s->c, &data, &len);
  free(data);
  trace_action(s, "CONNECT");
  /* A refused or failed socket stays open, as an nsock iod does: later
   * I/O gives nil, "ERROR" rather than raising. A timed-out attempt is
   * closed so that it cannot complete behind the script's back, yet
   * stays open for close (stale). */
  if (st == SST_TIMEOUT) {
    struct sockaddr_storage local = s->tlocal;
    drop_conn(s);
    s->tlocal = local;
    s->stale = 1;
  } else if (st != SST_OK)
    socklock_leave(&s->m);
  return push_status(L, st);
}

static int connect_body(lua_State *L, int top) {
  static const char *const methods[] = {"tcp", "udp", "ssl", NULL};
  struct nsock *s = check_sock(L);
  const char *sni = NULL, *pproto = NULL;
  const char *addr = check_host(L, 2, &sni);
  int port = check_port(L, 3, &pproto);
  int method;
  if (!lua_isnoneornil(L, 4))
    method = luaL_checkoption(L, 4, NULL, methods);
  else if (pproto != NULL)
    method = luaL_checkoption(L, 4, pproto, methods);
  else
    method = s->proto == SOCKIO_UDP ? 1 : 0;
  if (port < 0 || port > 65535)
    luaL_argerror(L, 3, "port out of range");
  check_io(L, s);

  enum sockio_kind kind = method == 1 ? SOCKIO_UDP : SOCKIO_TCP;
  struct sockaddr_storage sa;
  struct aresolve *q;
  int e = find_peer(L, s, addr, kind == SOCKIO_UDP ? SOCK_DGRAM : SOCK_STREAM,
                    port, &sa, &q);
  if (e == 2)
    return 2;
  if (e == 1)
    return sched_yield(L, (lua_KContext)q, k_connect_found);

  struct nse_thread *t = sched_current(L);
  trace_action(s, "CLOSE");
  drop_conn(s); /* an open socket is closed first (§7.2) */
  /* Past its instance's cap the connect fails the way an nsock failure
   * does in Nmap (false, message): scripts already handle that shape. */
  if (t != NULL && socklock_instance_full(L, t))
    return push_error(L, 1, SOCKLOCK_FULL_MSG);
  if (t != NULL && !socklock_enter(L, t, &s->m))
    return sched_yield(L, top, k_connect_again);
  snprintf(s->sni, sizeof s->sni, "%s", sni != NULL ? sni : "");

  e = sockio_new(&s->c, sched_loop(L), kind, bind_of(s));
  if (e < 0) {
    socklock_leave(&s->m);
    return push_error(L, 1, uv_strerror(e));
  }
  e = sockio_connect(s->c, t, (const struct sockaddr *)&sa, s->timeout_ms,
                     s->sni, method == 2);
  if (e < 0) {
    drop_conn(s);
    return push_error(L, 1, "Nsock connect failed immediately");
  }
  s->tremote = sa;
  note_local(s);
  if (e == 1) {
    char *data;
    size_t len;
    enum sockio_status st = sockio_take(s->c, &data, &len);
    free(data);
    trace_action(s, "CONNECT");
    return push_status(L, st);
  }
  return wait_op(L, s, t, 0, k_connect);
}

/* connect(host, port[, proto]): [-0, +1..2, e] may yield */
static int sock_connect(lua_State *L) {
  lua_settop(L, 4);
  return connect_body(L, 4);
}

/* ---- I/O after a connect timeout ---- */

/* Pushes nmap.socket.sleep and returns 1, or pushes nothing and returns 0
 * when it is not there (a bare state in unit tests). */
static int push_sleep(lua_State *L) {
  int top = lua_gettop(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, "nmap") == LUA_TTABLE &&
      lua_getfield(L, -1, "socket") == LUA_TTABLE &&
      lua_getfield(L, -1, "sleep") == LUA_TFUNCTION) {
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    return 1;
  }
  lua_settop(L, top);
  return 0;
}

static int k_stale(lua_State *L, int status, lua_KContext ctx) {
  struct nsock *s = check_sock(L);
  (void)status;
  if (ctx)
    trace_action(s, "SEND");
  return push_status(L, SST_TIMEOUT);
}

/* send and receive* on a stale socket: in Nmap the connect attempt is
 * still pending, so the call waits out the socket's timeout and gives
 * nil, "TIMEOUT" (at once when there is no timeout, rather than never).
 * The wait is nmap.socket.sleep's. */
static int stale_io(lua_State *L, struct nsock *s, int is_send) {
  if (s->timeout_ms > 0 && push_sleep(L)) {
    lua_pushnumber(L, (double)s->timeout_ms / 1000.0);
    lua_callk(L, 1, 0, is_send, k_stale);
  }
  return k_stale(L, LUA_OK, is_send);
}

/* ---- send ---- */

/* Completion of send (ctx 0) and of reconnect_ssl (ctx 1). */
static int k_send(lua_State *L, int status, lua_KContext ctx) {
  struct nsock *s = check_sock(L);
  char *data;
  size_t len;
  (void)status;
  op_done(L, s);
  if (s->c == NULL)
    return push_status(L, SST_ERROR);
  enum sockio_status st = sockio_take(s->c, &data, &len);
  free(data);
  note_local(s);
  trace_action(s, ctx ? "SSL RECONNECT" : "SEND");
  return push_status(L, st);
}

static int do_send(lua_State *L, struct nsock *s, const char *data, size_t len,
                   const struct sockaddr *dest) {
  struct nse_thread *t = sched_current(L);
  if (dest != NULL)
    memcpy(&s->tremote, dest,
           dest->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                       : sizeof(struct sockaddr_in));
  trace_data(s, '>', data, len);
  int e = sockio_send(s->c, t, data, len, dest, s->timeout_ms);
  return op_started(L, s, t, e, "SEND", 0, k_send);
}

/* send(data): [-0, +1..2, e] may yield */
static int sock_send(lua_State *L) {
  struct nsock *s = check_sock(L);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  check_io(L, s);
  if (s->c == NULL && s->stale) {
    trace_data(s, '>', data, len);
    return stale_io(L, s, 1);
  }
  int r = ensure_open(L, s);
  if (r != 0)
    return r;
  return do_send(L, s, data, len, NULL);
}

static int sock_sendto(lua_State *L);

static int k_sendto_found(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  return peer_found(L, ctx, sock_sendto);
}

/* sendto(host, port, data): [-0, +1..2, e] may yield */
static int sock_sendto(lua_State *L) {
  struct nsock *s = check_sock(L);
  const char *sni, *pproto;
  const char *addr = check_host(L, 2, &sni);
  int port = check_port(L, 3, &pproto);
  size_t len;
  const char *data = luaL_checklstring(L, 4, &len);
  check_io(L, s);
  lua_settop(L, 4);
  struct sockaddr_storage sa;
  struct aresolve *q;
  int e = find_peer(L, s, addr, SOCK_DGRAM, port, &sa, &q);
  if (e == 2)
    return 2;
  if (e == 1)
    return sched_yield(L, (lua_KContext)q, k_sendto_found);
  int r = ensure_open(L, s);
  if (r != 0)
    return r;
  return do_send(L, s, data, len, (const struct sockaddr *)&sa);
}

/* ---- receive, receive_lines, receive_bytes ---- */

static int push_recv(lua_State *L, struct nsock *s) {
  char *data;
  size_t len;
  enum sockio_status st = sockio_take(s->c, &data, &len);
  if (st == SST_OK) {
    trace_data(s, '<', data, len);
    lua_pushboolean(L, 1);
    lua_pushlstring(L, data != NULL ? data : "", len);
    free(data);
    return 2;
  }
  free(data);
  return push_status(L, st);
}

static int k_recv(lua_State *L, int status, lua_KContext ctx) {
  struct nsock *s = check_sock(L);
  (void)status;
  (void)ctx;
  op_done(L, s);
  if (s->c == NULL)
    return push_status(L, SST_ERROR);
  return push_recv(L, s);
}

static int do_recv(lua_State *L, enum sockio_op op, lua_Integer want) {
  struct nsock *s = check_sock(L);
  check_io(L, s);
  if (s->c == NULL && s->stale)
    return stale_io(L, s, 0);
  int r = ensure_open(L, s);
  if (r != 0)
    return r;
  struct nse_thread *t = sched_current(L);
  int e = sockio_recv(s->c, t, op, want < 1 ? 1 : (size_t)want, s->timeout_ms);
  if (e < 0)
    return push_status(L, SST_ERROR);
  if (e == 1)
    return push_recv(L, s);
  return wait_op(L, s, t, 0, k_recv);
}

/* receive(): [-0, +2, e] may yield */
static int sock_receive(lua_State *L) {
  return do_recv(L, SOP_RECV, 1);
}

/* receive_lines(n): [-0, +2, e] may yield */
static int sock_receive_lines(lua_State *L) {
  return do_recv(L, SOP_LINES, luaL_checkinteger(L, 2));
}

/* receive_bytes(n): [-0, +2, e] may yield */
static int sock_receive_bytes(lua_State *L) {
  return do_recv(L, SOP_BYTES, luaL_checkinteger(L, 2));
}

/* ---- receive_buf (§7.4) ---- */

/* Searches the buffer. Returns 1 with the result pushed (true, data), or
 * 0 when there is no match. Raises on bad indices; the delimiter function
 * runs through lua_call, so it cannot yield. */
static int buf_search(lua_State *L, struct nsock *s) {
  int base = lua_gettop(L);
  if (lua_type(L, 2) == LUA_TSTRING) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "string");
    lua_getfield(L, -1, "find");
    lua_remove(L, -2);
    lua_remove(L, -2);
    lua_pushlstring(L, s->buf != NULL ? s->buf : "", s->blen);
    lua_pushvalue(L, 2);
  } else {
    lua_pushvalue(L, 2);
    lua_pushlstring(L, s->buf != NULL ? s->buf : "", s->blen);
  }
  lua_call(L, lua_type(L, 2) == LUA_TSTRING ? 2 : 1, 2);
  if (lua_isnil(L, base + 1)) {
    lua_settop(L, base);
    return 0;
  }
  int ok1, ok2;
  lua_Integer l = lua_tointegerx(L, base + 1, &ok1);
  lua_Integer r = lua_tointegerx(L, base + 2, &ok2);
  if (!ok1 || !ok2 || l < 1 || l > r || r > (lua_Integer)s->blen)
    return luaL_error(L, "invalid indices for match");
  lua_settop(L, base);
  size_t n = lua_toboolean(L, 3) ? (size_t)r : (size_t)(l - 1);
  lua_pushboolean(L, 1);
  lua_pushlstring(L, s->buf, n);
  memmove(s->buf, s->buf + r, s->blen - (size_t)r);
  s->blen -= (size_t)r;
  return 1;
}

static int buf_step(lua_State *L, struct nsock *s);

static int k_buf(lua_State *L, int status, lua_KContext ctx) {
  struct nsock *s = check_sock(L);
  char *data;
  size_t len;
  (void)status;
  lua_settop(L, (int)ctx);
  op_done(L, s);
  if (s->c == NULL)
    return push_status(L, SST_ERROR);
  enum sockio_status st = sockio_take(s->c, &data, &len);
  if (st != SST_OK) {
    free(data);
    return push_status(L, st); /* the buffer is kept (§7.4) */
  }
  trace_data(s, '<', data, len);
  if (len > 0) {
    s->buf = xgrow(s->buf, &s->bcap, s->blen + len, 1);
    memcpy(s->buf + s->blen, data, len);
    s->blen += len;
  }
  free(data);
  return buf_step(L, s);
}

static int buf_step(lua_State *L, struct nsock *s) {
  for (;;) {
    if (buf_search(L, s))
      return 2;
    if (s->blen >= BUF_CAP)
      return push_status(L, SST_ERROR);
    if (s->c == NULL)
      return push_status(L, SST_ERROR);
    struct nse_thread *t = sched_current(L);
    int e = sockio_recv(s->c, t, SOP_RECV, 1, s->timeout_ms);
    if (e < 0)
      return push_status(L, SST_ERROR);
    if (e == 0)
      return wait_op(L, s, t, 3, k_buf);
    char *data;
    size_t len;
    enum sockio_status st = sockio_take(s->c, &data, &len);
    if (st != SST_OK) {
      free(data);
      return push_status(L, st);
    }
    trace_data(s, '<', data, len);
    s->buf = xgrow(s->buf, &s->bcap, s->blen + len, 1);
    memcpy(s->buf + s->blen, data, len);
    s->blen += len;
    free(data);
  }
}

/* receive_buf(delim, keep): [-0, +2, e] may yield */
static int sock_receive_buf(lua_State *L) {
  struct nsock *s = check_sock(L);
  int dt = lua_type(L, 2);
  luaL_argexpected(L, dt == LUA_TSTRING || dt == LUA_TFUNCTION, 2,
                   "string or function");
  luaL_checktype(L, 3, LUA_TBOOLEAN);
  lua_settop(L, 3);
  check_io(L, s);
  if (s->c == NULL && s->stale)
    return stale_io(L, s, 0);
  int r = ensure_open(L, s);
  if (r != 0)
    return r;
  return buf_step(L, s);
}

/* ---- TLS ---- */

/* reconnect_ssl(): [-0, +1..2, e] may yield */
static int sock_reconnect_ssl(lua_State *L) {
  struct nsock *s = check_sock(L);
  check_io(L, s);
  if (s->c == NULL)
    return luaL_error(L, "socket must be connected");
  if (s->c->kind != SOCKIO_TCP || !s->c->connected)
    return push_status(L, SST_ERROR);
  struct nse_thread *t = sched_current(L);
  s->blen = 0;
  int e = sockio_start_tls(s->c, t, s->timeout_ms, s->sni);
  return op_started(L, s, t, e, "SSL RECONNECT", 1, k_send);
}

/* get_ssl_certificate(): [-0, +1, e] */
static int sock_get_ssl_certificate(lua_State *L) {
  struct nsock *s = check_sock(L);
  if (s->c == NULL || s->c->tls == NULL)
    return luaL_argerror(L, 1, "not a SSL socket");
  X509 *x = tls_peer_cert(s->c->tls);
  if (x == NULL)
    lua_pushnil(L);
  else
    nse_push_cert(L, x);
  return 1;
}

/* ---- the rest ---- */

static void push_addr(lua_State *L, const struct sockaddr_storage *ss, int ok,
                      int af) {
  char ip[INET6_ADDRSTRLEN] = "0.0.0.0";
  int port = 0;
  if (!ok || ss->ss_family == AF_UNSPEC) {
    if (af == AF_INET6)
      strcpy(ip, "::");
  } else if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const void *)ss;
    uv_ip4_name(a, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else {
    const struct sockaddr_in6 *a = (const void *)ss;
    uv_ip6_name(a, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  }
  lua_pushstring(L, ip);
  lua_pushinteger(L, port);
}

/* get_info(): [-0, +5, e] */
static int sock_get_info(lua_State *L) {
  struct nsock *s = check_sock(L);
  check_owner(L, s);
  if (s->c == NULL && s->stale) { /* the addresses of the attempt */
    lua_pushboolean(L, 1);
    push_addr(L, &s->tlocal, s->tlocal.ss_family != AF_UNSPEC, s->af);
    push_addr(L, &s->tremote, s->tremote.ss_family != AF_UNSPEC, s->af);
    return 5;
  }
  int r = ensure_open(L, s);
  if (r != 0)
    return r;
  struct sockaddr_storage loc = {0}, rem = {0};
  int ll = sizeof loc, rl = sizeof rem, lok, rok;
  if (s->c->kind == SOCKIO_TCP) {
    lok = uv_tcp_getsockname(&s->c->u.tcp, (struct sockaddr *)&loc, &ll);
    rok = uv_tcp_getpeername(&s->c->u.tcp, (struct sockaddr *)&rem, &rl);
  } else {
    lok = uv_udp_getsockname(&s->c->u.udp, (struct sockaddr *)&loc, &ll);
    rok = uv_udp_getpeername(&s->c->u.udp, (struct sockaddr *)&rem, &rl);
  }
  lua_pushboolean(L, 1);
  push_addr(L, &loc, lok == 0, s->af);
  push_addr(L, &rem, rok == 0, s->af);
  return 5;
}

/* bind(addr, port): [-0, +1..2, e] */
static int sock_bind(lua_State *L) {
  struct nsock *s = check_sock(L);
  const char *addr = luaL_optstring(L, 2, NULL);
  int port = (int)luaL_checkinteger(L, 3);
  struct sockaddr_storage sa;
  /* Any family, as Nmap: a mismatch shows up at the next connect. */
  int e =
      resolve(addr, addr != NULL ? AF_UNSPEC : s->af, 0, port, AI_PASSIVE, &sa);
  if (e != 0) {
    lua_pushboolean(L, 0);
    lua_pushfstring(L, "getaddrinfo: %s", gai_strerror(e));
    return 2;
  }
  s->bind_addr = sa;
  s->has_bind = 1;
  lua_pushboolean(L, 1);
  return 1;
}

/* set_timeout(ms): [-0, +1, e] */
static int sock_set_timeout(lua_State *L) {
  struct nsock *s = check_sock(L);
  double ms = floor(luaL_checknumber(L, 2));
  if (ms < -1)
    return luaL_error(L, "Negative timeout: %f", ms);
  s->timeout_ms = ms > 9e15 ? -1 : (int64_t)ms;
  lua_pushboolean(L, 1);
  return 1;
}

static int sock_pcap(lua_State *L) {
  check_sock(L);
  return luaL_error(L, "pcap sockets: not supported yet");
}

static const luaL_Reg sock_methods[] = {
    {"connect", sock_connect},
    {"send", sock_send},
    {"sendto", sock_sendto},
    {"receive", sock_receive},
    {"receive_lines", sock_receive_lines},
    {"receive_bytes", sock_receive_bytes},
    {"receive_buf", sock_receive_buf},
    {"get_info", sock_get_info},
    {"get_ssl_certificate", sock_get_ssl_certificate},
    {"reconnect_ssl", sock_reconnect_ssl},
    {"set_timeout", sock_set_timeout},
    {"bind", sock_bind},
    {"close", sock_close},
    {"pcap_open", sock_pcap},
    {"pcap_receive", sock_pcap},
    {"pcap_close", sock_close},
    {NULL, NULL},
};

void nse_socket_init(lua_State *L) {
  socklock_init(L);
  if (luaL_newmetatable(L, SOCK_MT)) {
    luaL_newlib(L, sock_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, sock_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, sock_gc);
    lua_setfield(L, -2, "__close");
    lua_newtable(L); /* what getmetatable shows (§7) */
    lua_setfield(L, -2, "__metatable");
    lua_pushnil(L); /* tostring shows "userdata: 0x...", as Nmap's */
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
}

int nse_socket_new(lua_State *L) {
  static const char *const protos[] = {"tcp", "udp", NULL};
  static const char *const fams[] = {"inet", "inet6", NULL};
  int proto = luaL_checkoption(L, 1, "tcp", protos);
  const struct scan_opts *o = sched_opts(L);
  int def = o != NULL && o->af == AF_INET6 ? 1 : 0;
  int fam = luaL_checkoption(L, 2, fams[def], fams);
  struct nsock *s = lua_newuserdatauv(L, sizeof *s, 0);
  memset(s, 0, sizeof *s);
  s->proto = proto == 1 ? SOCKIO_UDP : SOCKIO_TCP;
  s->af = fam == 1 ? AF_INET6 : AF_INET;
  s->timeout_ms = DEFAULT_TIMEOUT_MS;
  s->m.close = member_close;
  s->trace = nse_trace_on(o) && !log_stdout_muted; /* stdout only */
  luaL_setmetatable(L, SOCK_MT);
  return 1;
}

int nse_socket_stats(lua_State *L) {
  lua_createtable(L, 0, 1);
  lua_pushinteger(L, (lua_Integer)socklock_waiting(L));
  lua_setfield(L, -2, "connect_waiting");
  return 1;
}
