/* Internals shared by the two files of the `libssh2` module:
 * lib_libssh2.c (the connection, waiting, sessions and authentication) and
 * lib_libssh2_chan.c (channels). Internal to src/nse; see lib_libssh2.c
 * for the design and its invariants. */
#ifndef PORTOLAN_NSE_LIB_LIBSSH2_INT_H
#define PORTOLAN_NSE_LIB_LIBSSH2_INT_H

#include <libssh2.h>
#include <lua.h>
#include <stdint.h>
#include <uv.h>

#include "nse/socklock.h"

struct nse_thread;

#define SESSION_MT "portolan.libssh2.session"
#define CHANNEL_MT "portolan.libssh2.channel"

enum wait_outcome { WAIT_NONE, WAIT_READY, WAIT_TIMEOUT, WAIT_ERROR };

struct ssh_conn {
  uv_poll_t poll;
  uv_timer_t timer;
  int handles; /* initialised uv handles; freed when the last one closes */
  int fd;
  int connected; /* the TCP connect has completed */
  LIBSSH2_SESSION *session;
  struct nse_thread *t; /* waiting thread, held; NULL when none */
  enum wait_outcome outcome;
  int64_t timeout_ms; /* <= 0: none */
  /* The call to repeat once the wait is over (see ssh2_wait). */
  int (*step)(lua_State *L, int arg);
  int arg;
};

struct ssh_session {
  struct ssh_conn *c; /* NULL once closed (handles closing) */
  /* A place under the NSE socket lock (§5.9), as the NSE socket under
   * Nmap's sessions takes; when the thread ends the lock closes the
   * connection through member_close. */
  struct socklock_member m;
};

struct ssh_channel {
  LIBSSH2_CHANNEL *ch; /* NULL once closed */
  struct ssh_session *s;
};

/* A step runs one libssh2 call for the Lua function whose arguments are on
 * the stack; arg is the step's own parameter (a stream id, a phase). On
 * EAGAIN it returns ssh2_wait(L, c, itself, arg), so the same step runs
 * again after the wait, as libssh2's non-blocking API requires. */
typedef int (*ssh_step)(lua_State *L, int arg);

/* Yields until the socket is ready in the directions libssh2 is blocked on
 * (or the session's timeout), then runs step(L, arg); a timeout raises
 * "TIMEOUT", a socket error "ERROR". Raises if L cannot yield or another
 * coroutine waits on this session. Use as `return ssh2_wait(...)`. */
int ssh2_wait(lua_State *L, struct ssh_conn *c, ssh_step step, int arg);

/* The session userdata at idx (raises if it is not one). */
struct ssh_session *ssh2_check_session(lua_State *L, int idx);
/* The open connection of the session at idx; raises when it was closed. */
struct ssh_conn *ssh2_check_conn(lua_State *L, int idx);

/* [-0, +0, m] Creates the channel metatable and adds the channel functions
 * to the module table on the top of the stack. */
void ssh2_channel_register(lua_State *L);

#endif
