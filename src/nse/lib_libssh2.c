/* The `libssh2` C module of NSE (NSE-NOTES §11; API of Nmap 7.93's
 * nselib/libssh2.luadoc as libssh2-utility.lua calls it).
 *
 * Design choice (issue #4): libssh2 runs in non-blocking mode on a TCP
 * socket of its own, watched by a uv_poll handle. Whenever libssh2 answers
 * LIBSSH2_ERROR_EAGAIN, the calling coroutine waits for the directions that
 * libssh2_session_block_directions() names (readable and/or writable), with
 * the session's timeout on a uv_timer, by yielding through sched_yield; the
 * continuation simply calls the same libssh2 function again, as libssh2's
 * non-blocking API requires. Nmap instead pumps a socketpair through an
 * nsock socket; the difference is invisible to scripts except that these
 * connections ignore -S/-e/--proxies and --script-trace. Each session takes
 * a place under the NSE socket lock (§5.9) as that nsock socket would, and
 * the lock closes it when its thread ends.
 *
 * Invariants:
 *  - at most one coroutine waits on a session (others raise "session busy");
 *  - poll and timer callbacks touch no Lua: they stop both watchers, record
 *    why they fired and wake the waiting thread (sched.h steps 4-5);
 *  - a thread that ends while waiting gets its watchers stopped by its close
 *    handler, so no callback refers to it afterwards;
 *  - the struct ssh_conn (embedding the uv handles) is freed only by the
 *    last close callback; the socket fd is closed there too, after libuv has
 *    forgotten it;
 *  - a session that fails to open frees its socket and lock place at once.
 *
 * Channels live in lib_libssh2_chan.c; what the two files share is in
 * lib_libssh2_int.h.
 *
 * Built only when libssh2's header is present (CMake links libssh2 when
 * pkg-config finds it; engine.c registers the module under the same test). */
#if __has_include(<libssh2.h>)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh2.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/xalloc.h"
#include "nse/lib_libssh2.h"
#include "nse/lib_libssh2_int.h"
#include "nse/sched.h"
#include "nse/socklock.h"

/* Nmap's libssh2 sessions ride on an NSE socket, whose default timeout is
 * 30 s (§7); each wait here gets the same bound. */
#define SSH_DEFAULT_TIMEOUT_MS 30000

/* ---- the connection object (no Lua) ---- */

static void conn_handle_closed(uv_handle_t *h) {
  struct ssh_conn *c = h->data;
  if (--c->handles == 0) {
    if (c->fd >= 0)
      close(c->fd);
    free(c);
  }
}

/* Ends the wait in progress, if any, with outcome o and wakes its thread
 * (unless o is WAIT_NONE: the thread is ending and must not be woken). */
static void conn_finish_wait(struct ssh_conn *c, enum wait_outcome o) {
  /* No waiter: the watchers are stopped already (ssh2_wait starts them
   * only with a waiter), and the handles may be closing. */
  struct nse_thread *t = c->t;
  if (t == NULL)
    return;
  uv_poll_stop(&c->poll);
  uv_timer_stop(&c->timer);
  c->t = NULL;
  c->outcome = o;
  if (o != WAIT_NONE)
    sched_wake(t);
  sched_thread_release(t);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  (void)events;
  conn_finish_wait(p->data, status < 0 ? WAIT_ERROR : WAIT_READY);
}

static void on_timer(uv_timer_t *tm) {
  conn_finish_wait(tm->data, WAIT_TIMEOUT);
}

/* Close handler of a thread that ends while it waits (sched.h). */
static void on_thread_end(lua_State *L, void *ud) {
  (void)L;
  conn_finish_wait(ud, WAIT_NONE);
}

/* Frees the libssh2 session (without a disconnect message) and starts
 * closing the handles; the memory goes in the close callbacks. */
static void conn_close(struct ssh_conn *c) {
  conn_finish_wait(c, WAIT_NONE);
  if (c->session != NULL) {
    /* In non-blocking mode libssh2_session_free answers EAGAIN, and frees
     * nothing, while it still has channels to close (libssh2-utility never
     * closes its channels). With the socket shut down those closes fail at
     * once (libssh2 sends with MSG_NOSIGNAL), so the loop ends; the bound
     * only guards against a libssh2 that would keep asking. */
    if (c->fd >= 0)
      shutdown(c->fd, SHUT_RDWR);
    for (int i = 0; i < 64; i++)
      if (libssh2_session_free(c->session) != LIBSSH2_ERROR_EAGAIN)
        break;
    c->session = NULL;
  }
  uv_close((uv_handle_t *)&c->poll, conn_handle_closed);
  uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
}

/* Closes the session's connection, if open, and gives back its place under
 * the socket lock. Idempotent; never touches Lua. */
static void session_release(struct ssh_session *s) {
  socklock_leave(&s->m);
  if (s->c != NULL) {
    conn_close(s->c);
    s->c = NULL;
  }
}

/* The socket lock ends the session of a finished thread (its member is
 * already detached, so no socklock_leave here). */
static void member_close(struct socklock_member *m) {
  struct ssh_session *s =
      (struct ssh_session *)((char *)m - offsetof(struct ssh_session, m));
  if (s->c != NULL) {
    conn_close(s->c);
    s->c = NULL;
  }
}

/* ---- argument helpers ---- */

struct ssh_session *ssh2_check_session(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, SESSION_MT);
}

/* The open session at idx; raises when it was closed. */
struct ssh_conn *ssh2_check_conn(lua_State *L, int idx) {
  struct ssh_session *s = ssh2_check_session(L, idx);
  if (s->c == NULL || s->c->session == NULL)
    luaL_argerror(L, idx, "session is closed");
  return s->c;
}

/* Raises "<what>: <libssh2's last error>". */
static int raise_ssh(lua_State *L, struct ssh_conn *c, const char *what) {
  char *msg = NULL;
  libssh2_session_last_error(c->session, &msg, NULL, 0);
  return luaL_error(L, "%s: %s", what, msg != NULL ? msg : "unknown error");
}

/* ---- waiting ---- */

static int k_resume(lua_State *L, int status, lua_KContext ctx);

/* Yields until the socket is ready in the directions libssh2 is blocked on
 * (or the timeout), then runs step(L, arg). Raises if L cannot yield or
 * another coroutine waits on this session. */
int ssh2_wait(lua_State *L, struct ssh_conn *c, ssh_step step, int arg) {
  struct nse_thread *t = sched_current(L);
  if (t == NULL || !lua_isyieldable(L))
    return luaL_error(L, "attempt to yield across a C-call boundary");
  if (c->t != NULL)
    return luaL_error(L, "libssh2 session busy in another thread");
  /* A connect in progress completes when the socket becomes writable;
   * after that, libssh2 says which way it is blocked. */
  int dirs = c->connected ? libssh2_session_block_directions(c->session)
                          : LIBSSH2_SESSION_BLOCK_OUTBOUND;
  int events = 0;
  if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
    events |= UV_READABLE;
  if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
    events |= UV_WRITABLE;
  if (events == 0)
    events = UV_READABLE;
  int e = uv_poll_start(&c->poll, events, on_poll);
  if (e < 0)
    return luaL_error(L, "libssh2: cannot watch the socket: %s",
                      uv_strerror(e));
  if (c->timeout_ms > 0)
    uv_timer_start(&c->timer, on_timer, (uint64_t)c->timeout_ms, 0);
  c->t = t;
  c->outcome = WAIT_NONE;
  c->step = step;
  c->arg = arg;
  sched_thread_hold(t);
  sched_on_close(t, c, on_thread_end, c);
  /* c stays valid until k_resume runs: only session_close and __gc free
   * it; the first refuses while a thread waits, and the waiting call's
   * stack keeps the session userdata reachable. */
  return sched_yield(L, (lua_KContext)c, k_resume);
}

/* The wait is over: raises "TIMEOUT" (Nmap raises the failed socket call's
 * status string) or "ERROR", else repeats the step. */
static int k_resume(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  struct ssh_conn *c = (struct ssh_conn *)ctx;
  struct nse_thread *t = sched_current(L);
  if (t != NULL)
    sched_cancel_close(t, c);
  enum wait_outcome o = c->outcome;
  c->outcome = WAIT_NONE;
  if (o == WAIT_TIMEOUT) {
    lua_pushliteral(L, "TIMEOUT");
    return lua_error(L);
  }
  if (o != WAIT_READY) {
    lua_pushliteral(L, "ERROR");
    return lua_error(L);
  }
  return c->step(L, c->arg);
}

/* ---- session_open ---- */

/* [-0, +0, e] The address of a host argument: a string, or a table with ip
 * or targetname (as socket:connect, §7.2). Only numeric addresses. */
static void host_addr(lua_State *L, int idx, int port,
                      struct sockaddr_storage *ss, socklen_t *len) {
  const char *name;
  if (lua_type(L, idx) == LUA_TSTRING) {
    name = lua_tostring(L, idx);
  } else {
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_getfield(L, idx, "ip");
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      lua_getfield(L, idx, "targetname");
    }
    name = lua_tostring(L, -1);
    lua_pop(L, 1); /* the string stays alive in the table */
    if (name == NULL)
      luaL_argerror(L, idx, "host table lacks 'ip' or 'targetname' fields");
  }
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, name, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
  } else if (inet_pton(AF_INET6, name, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *len = sizeof *a6;
  } else {
    /* Nmap raises what connect returned: gai_strerror's text. Names are
     * not resolved here (a blocking lookup would stall the loop). */
    luaL_error(L, "Name or service not known");
  }
}

/* Raises value (a string) after freeing what the failed open holds, so
 * that a failed session_open keeps no socket or lock place until GC. */
static int open_fail(lua_State *L, const char *value) {
  session_release(ssh2_check_session(L, 3));
  lua_pushstring(L, value);
  return lua_error(L);
}

/* Stack: 1 host, 2 port, 3 session userdata. */
static int handshake_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_session(L, 3)->c;
  int rc = libssh2_session_handshake(c->session, c->fd);
  if (rc == LIBSSH2_ERROR_EAGAIN)
    return ssh2_wait(L, c, handshake_step, 0);
  if (rc != 0)
    return open_fail(L, "Unable to complete libssh2 handshake.");
  lua_settop(L, 3);
  return 1;
}

/* Stack as handshake_step: the non-blocking connect has finished. */
static int connected_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_session(L, 3)->c;
  int err = 0;
  socklen_t elen = sizeof err;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
    err = errno;
  if (err != 0)
    return open_fail(L, "ERROR"); /* Nmap: connect gave nil, "ERROR" */
  c->connected = 1;
  return handshake_step(L, 0);
}

static int k_open_retry(lua_State *L, int status, lua_KContext ctx);

/* Stack: 1 host, 2 port, 3 session userdata (closed). Takes a place under
 * the socket lock (parking until one frees), then starts the connect. */
static int open_step(lua_State *L) {
  struct ssh_session *s = ssh2_check_session(L, 3);
  struct sockaddr_storage ss;
  socklen_t slen;
  host_addr(L, 1, (int)lua_tointeger(L, 2), &ss, &slen);
  struct nse_thread *t = sched_current(L);
  /* A session is a connected socket of its instance: the same per-instance
   * cap as socket connects applies (socklock.h). */
  if (socklock_instance_full(L, t))
    return open_fail(L, SOCKLOCK_FULL_MSG);
  if (!socklock_enter(L, t, &s->m))
    return sched_yield(L, 0, k_open_retry);

  struct ssh_conn *c = xcalloc(1, sizeof *c);
  c->fd = -1;
  c->timeout_ms = SSH_DEFAULT_TIMEOUT_MS;
  c->poll.data = c;
  c->timer.data = c;
  uv_loop_t *loop = sched_loop(L);
  uv_timer_init(loop, &c->timer);
  c->handles = 1;
  c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int e = c->fd < 0 ? -errno : uv_poll_init_socket(loop, &c->poll, c->fd);
  if (e < 0) {
    uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
    socklock_leave(&s->m);
    return luaL_error(L, "libssh2: cannot create a socket: %s", uv_strerror(e));
  }
  c->handles = 2;
  s->c = c;
  c->session = libssh2_session_init();
  if (c->session == NULL)
    return open_fail(L, "trying to initiate session");
  libssh2_session_set_blocking(c->session, 0);

  if (connect(c->fd, (struct sockaddr *)&ss, slen) < 0) {
    if (errno != EINPROGRESS)
      return open_fail(L, "ERROR"); /* Nmap: connect gave nil, "ERROR" */
    return ssh2_wait(L, c, connected_step, 0);
  }
  c->connected = 1;
  return handshake_step(L, 0);
}

static int k_open_retry(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  return open_step(L);
}

/* [-2, +1, e] session_open(host, port) -> session; raises on failure, with
 * the socket status ("ERROR", "TIMEOUT") or Nmap's handshake message. */
static int libssh2_session_open_l(lua_State *L) {
  lua_Integer port = luaL_checkinteger(L, 2);
  if (port < 0 || port > 65535)
    luaL_argerror(L, 2, "port out of range");
  struct sockaddr_storage ss;
  socklen_t slen;
  host_addr(L, 1, (int)port, &ss, &slen);
  if (sched_current(L) == NULL || !lua_isyieldable(L))
    return luaL_error(L, "attempt to yield across a C-call boundary");
  lua_settop(L, 2);

  /* Created closed, then opened (STYLE.md): the userdata exists before
   * anything that needs freeing. */
  struct ssh_session *s = lua_newuserdatauv(L, sizeof *s, 0);
  memset(s, 0, sizeof *s);
  s->m.close = member_close;
  luaL_setmetatable(L, SESSION_MT);
  return open_step(L);
}

/* ---- session methods ---- */

/* [-2, +1, e] hostkey_hash(session[, "sha1"|"md5"]) -> "AB:CD:..." */
static int libssh2_hostkey_hash_l(lua_State *L) {
  static const char *const names[] = {"md5", "sha1", NULL};
  static const int types[] = {LIBSSH2_HOSTKEY_HASH_MD5,
                              LIBSSH2_HOSTKEY_HASH_SHA1};
  static const int lens[] = {16, 20};
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  int i = luaL_checkoption(L, 2, "sha1", names);
  const unsigned char *h =
      (const unsigned char *)libssh2_hostkey_hash(c->session, types[i]);
  if (h == NULL)
    return luaL_error(L, "could not get hostkey hash");
  char out[20 * 3];
  for (int j = 0; j < lens[i]; j++)
    snprintf(out + 3 * j, 4, j + 1 < lens[i] ? "%02X:" : "%02X", h[j]);
  lua_pushlstring(L, out, (size_t)lens[i] * 3 - 1);
  return 1;
}

/* [-2, +0, e] set_timeout(session, ms): the bound on each wait; 0 or less
 * means none (libssh2's convention). */
static int libssh2_set_timeout_l(lua_State *L) {
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  c->timeout_ms = luaL_checkinteger(L, 2);
  return 0;
}

/* [-2, +1, e] userauth_list(session, username) -> {"publickey", ...}, or
 * "none_auth" when the server accepted the "none" method. */
static int userauth_list_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  size_t ulen;
  const char *user = luaL_checklstring(L, 2, &ulen);
  char *list = libssh2_userauth_list(c->session, user, (unsigned)ulen);
  if (list == NULL) {
    if (libssh2_session_last_errno(c->session) == LIBSSH2_ERROR_EAGAIN)
      return ssh2_wait(L, c, userauth_list_step, 0);
    if (libssh2_userauth_authenticated(c->session)) {
      lua_pushliteral(L, "none_auth");
      return 1;
    }
    return raise_ssh(L, c, "userauth_list");
  }
  lua_newtable(L);
  lua_Integer n = 0;
  const char *p = list;
  while (*p != '\0') {
    const char *comma = strchr(p, ',');
    size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
    if (len > 0) {
      lua_pushlstring(L, p, len);
      lua_rawseti(L, -2, ++n);
    }
    p += len;
    if (*p == ',')
      p++;
  }
  return 1;
}

static int libssh2_userauth_list_l(lua_State *L) {
  return userauth_list_step(L, 0);
}

/* [-1, +1, e] userauth_banner(session) -> string or nil (what the server
 * sent before authentication, once userauth_list has run). */
static int libssh2_userauth_banner_l(lua_State *L) {
  struct ssh_conn *c = ssh2_check_conn(L, 1);
#if LIBSSH2_VERSION_NUM >= 0x010b00
  char *banner = NULL;
  if (libssh2_userauth_banner(c->session, &banner) == 0 && banner != NULL) {
    lua_pushstring(L, banner);
    return 1;
  }
#else
  (void)c;
#endif
  lua_pushnil(L);
  return 1;
}

/* [-3, +1, e] userauth_password(session, user, password) -> boolean */
static int userauth_password_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  size_t ulen, plen;
  const char *user = luaL_checklstring(L, 2, &ulen);
  const char *pass = luaL_checklstring(L, 3, &plen);
  int rc = libssh2_userauth_password_ex(c->session, user, (unsigned)ulen, pass,
                                        (unsigned)plen, NULL);
  if (rc == LIBSSH2_ERROR_EAGAIN)
    return ssh2_wait(L, c, userauth_password_step, 0);
  lua_pushboolean(L, rc == 0);
  return 1;
}

static int libssh2_userauth_password_l(lua_State *L) {
  return userauth_password_step(L, 0);
}

/* [-5, +1, e] userauth_publickey(session, user, privkeyfile[, passphrase[,
 * pubkeyfile]]) -> boolean. The public key is derived from the private key
 * when pubkeyfile is absent (libssh2 on OpenSSL). */
static int userauth_publickey_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  size_t ulen;
  const char *user = luaL_checklstring(L, 2, &ulen);
  const char *priv = luaL_checkstring(L, 3);
  const char *pass = lua_isstring(L, 4) ? lua_tostring(L, 4) : NULL;
  const char *pub = lua_isstring(L, 5) ? lua_tostring(L, 5) : NULL;
  int rc = libssh2_userauth_publickey_fromfile_ex(
      c->session, user, (unsigned)ulen, pub, priv, pass);
  if (rc == LIBSSH2_ERROR_EAGAIN)
    return ssh2_wait(L, c, userauth_publickey_step, 0);
  lua_pushboolean(L, rc == 0);
  return 1;
}

static int libssh2_userauth_publickey_l(lua_State *L) {
  return userauth_publickey_step(L, 0);
}

/* [-1, +1, e] read_publickey(file) -> the key blob: the second
 * space-separated field of an OpenSSH .pub line, base64-decoded (by the
 * base64 nselib module, as Nmap does). Raises "Error reading file". */
static int libssh2_read_publickey_l(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "base64");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "dec");
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return luaL_error(L, "Error reading file");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  int ch, field = 0;
  while ((ch = getc(f)) != EOF && ch != '\r' && ch != '\n') {
    if (ch == ' ') {
      if (++field > 1)
        break;
      continue;
    }
    if (field == 1)
      luaL_addchar(&b, (char)ch);
  }
  fclose(f);
  luaL_pushresult(&b);
  lua_call(L, 1, 1);
  return 1;
}

/* Signing callback of publickey_canauth: refusing to sign stops libssh2
 * right after the server said the key would do (PK_OK), which is all
 * publickey_canauth wants to know. */
static int refuse_sign(LIBSSH2_SESSION *session, unsigned char **sig,
                       size_t *sig_len, const unsigned char *data,
                       size_t data_len, void **abstract) {
  (void)session;
  (void)sig;
  (void)sig_len;
  (void)data;
  (void)data_len;
  (void)abstract;
  return LIBSSH2_ERROR_PUBLICKEY_PROTOCOL;
}

/* [-3, +1, e] publickey_canauth(session, user, keyblob) -> boolean; raises
 * "Invalid public key: ..." when the server neither accepts nor refuses. */
static int publickey_canauth_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  size_t ulen, klen;
  const char *user = luaL_checklstring(L, 2, &ulen);
  if (!lua_isstring(L, 3))
    return luaL_error(L, "Invalid public key");
  const char *key = lua_tolstring(L, 3, &klen);
  int rc = libssh2_userauth_publickey(
      c->session, user, (const unsigned char *)key, klen, refuse_sign, NULL);
  if (rc == LIBSSH2_ERROR_EAGAIN)
    return ssh2_wait(L, c, publickey_canauth_step, 0);
  char *msg = NULL;
  libssh2_session_last_error(c->session, &msg, NULL, 0);
  if (rc == 0 || (rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED && msg != NULL &&
                  strncmp(msg, "Callback", 8) == 0))
    lua_pushboolean(L, 1);
  else if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED)
    lua_pushboolean(L, 0);
  else
    return luaL_error(L, "Invalid public key: %s",
                      msg != NULL ? msg : "unknown error");
  return 1;
}

static int libssh2_publickey_canauth_l(lua_State *L) {
  return publickey_canauth_step(L, 0);
}

/* [-1, +0, e] session_close(session): disconnects and frees; a second call
 * does nothing. */
static int session_close_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_session *s = ssh2_check_session(L, 1);
  struct ssh_conn *c = s->c;
  if (c == NULL)
    return 0;
  /* Freeing the session under a waiting thread would leave it asleep. */
  if (c->t != NULL)
    return luaL_error(L, "libssh2 session busy in another thread");
  int rc = LIBSSH2_ERROR_SOCKET_DISCONNECT;
  if (c->session != NULL) {
    rc = libssh2_session_disconnect(c->session, "Normal Shutdown");
    if (rc == LIBSSH2_ERROR_EAGAIN)
      return ssh2_wait(L, c, session_close_step, 0);
  }
  session_release(s);
  if (rc < 0 && rc != LIBSSH2_ERROR_SOCKET_DISCONNECT)
    return luaL_error(L, "unable to disconnect session");
  return 0;
}

static int libssh2_session_close_l(lua_State *L) {
  return session_close_step(L, 0);
}

/* __gc: frees without a disconnect message (no I/O from a finaliser). A
 * waiting thread keeps the session reachable, so none is waiting here. */
static int session_gc(lua_State *L) {
  session_release(ssh2_check_session(L, 1));
  return 0;
}

/* ---- registration ---- */

static const luaL_Reg libssh2_funcs[] = {
    {"session_open", libssh2_session_open_l},
    {"hostkey_hash", libssh2_hostkey_hash_l},
    {"set_timeout", libssh2_set_timeout_l},
    {"userauth_list", libssh2_userauth_list_l},
    {"userauth_banner", libssh2_userauth_banner_l},
    {"userauth_password", libssh2_userauth_password_l},
    {"userauth_publickey", libssh2_userauth_publickey_l},
    {"read_publickey", libssh2_read_publickey_l},
    {"publickey_canauth", libssh2_publickey_canauth_l},
    {"session_close", libssh2_session_close_l},
    {NULL, NULL}};

int luaopen_libssh2(lua_State *L) {
  /* libssh2_init is not thread-safe; the engine opens modules from the
   * loop thread only, and a second call just counts up. */
  if (libssh2_init(0) != 0)
    return luaL_error(L, "unable to open libssh2");
  if (luaL_newmetatable(L, SESSION_MT)) {
    lua_pushcfunction(L, session_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "ssh2");
    lua_setfield(L, -2, "__name");
    lua_newtable(L);
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  luaL_newlib(L, libssh2_funcs);
  ssh2_channel_register(L);
  return 1;
}

#endif /* __has_include(<libssh2.h>) */
