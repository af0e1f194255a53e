/* Channels of the `libssh2` module (Nmap 7.93's libssh2.luadoc):
 * open_channel, channel_exec, channel_read[_stderr], channel_write,
 * channel_send_eof, channel_eof and channel_close. Each blocking call is a
 * step that ssh2_wait repeats after a wait (lib_libssh2_int.h).
 *
 * Invariants: a channel userdata keeps its session userdata alive (user
 * value 1); it is unusable once the channel or its session is closed,
 * because libssh2 frees every channel with its session; channel functions
 * taking (session, channel) refuse a channel of another session. */
#if __has_include(<libssh2.h>)
#include <lauxlib.h>
#include <lua.h>

#include "nse/lib_libssh2_int.h"

static LIBSSH2_CHANNEL *check_channel(lua_State *L, int idx) {
  struct ssh_channel *ch = luaL_checkudata(L, idx, CHANNEL_MT);
  if (ch->ch == NULL || ch->s->c == NULL || ch->s->c->session == NULL)
    luaL_argerror(L, idx, "channel is closed");
  return ch->ch;
}

/* The channel at 2 of the session at 1: waiting on one session's socket for
 * another's channel would only time out. */
static LIBSSH2_CHANNEL *check_session_channel(lua_State *L) {
  LIBSSH2_CHANNEL *ch = check_channel(L, 2);
  struct ssh_channel *chu = lua_touserdata(L, 2);
  if (chu->s != ssh2_check_session(L, 1))
    luaL_argerror(L, 2, "channel of another session");
  return ch;
}

/* Stack: 1 session, 2 no_pty, 3 channel userdata (ch->ch set or NULL). */
static int open_channel_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  struct ssh_channel *ch = luaL_checkudata(L, 3, CHANNEL_MT);
  if (ch->ch == NULL) {
    ch->ch = libssh2_channel_open_session(c->session);
    if (ch->ch == NULL) {
      if (libssh2_session_last_errno(c->session) == LIBSSH2_ERROR_EAGAIN)
        return ssh2_wait(L, c, open_channel_step, 0);
      return luaL_error(L, "Opening channel");
    }
  }
  if (!lua_toboolean(L, 2)) {
    /* Nmap asks for a pseudo-terminal of type "vanilla" (luadoc: "sets it
     * to pseudo terminal mode"), so command output has CRLF line ends. */
    int rc = libssh2_channel_request_pty(ch->ch, "vanilla");
    if (rc == LIBSSH2_ERROR_EAGAIN)
      return ssh2_wait(L, c, open_channel_step, 0);
    if (rc != 0)
      return luaL_error(L, "Requesting pty");
    lua_pushboolean(L, 1);
    lua_replace(L, 2); /* the pty is done: a retry must not ask again */
  }
  lua_settop(L, 3);
  return 1;
}

/* [-2, +1, e] open_channel(session[, no_pty]) -> channel */
static int libssh2_open_channel_l(lua_State *L) {
  ssh2_check_conn(L, 1);
  lua_settop(L, 2);
  struct ssh_channel *ch = lua_newuserdatauv(L, sizeof *ch, 1);
  ch->ch = NULL;
  ch->s = ssh2_check_session(L, 1);
  luaL_setmetatable(L, CHANNEL_MT);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  return open_channel_step(L, 0);
}

/* Stack: 1 session, 2 channel; arg is the stream id. */
static int channel_read_step(lua_State *L, int arg) {
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  LIBSSH2_CHANNEL *ch = check_session_channel(L);
  char buf[4096];
  ssize_t rc = libssh2_channel_read_ex(ch, arg, buf, sizeof buf);
  if (rc == LIBSSH2_ERROR_EAGAIN)
    return ssh2_wait(L, c, channel_read_step, arg);
  if (rc < 0)
    return luaL_error(L, "Reading from channel");
  if (rc == 0)
    lua_pushnil(L);
  else
    lua_pushlstring(L, buf, (size_t)rc);
  return 1;
}

/* [-2, +1, e] channel_read(session, channel) -> data, or nil at EOF */
static int libssh2_channel_read_l(lua_State *L) {
  return channel_read_step(L, 0);
}

static int libssh2_channel_read_stderr_l(lua_State *L) {
  return channel_read_step(L, SSH_EXTENDED_DATA_STDERR);
}

static int channel_write_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  LIBSSH2_CHANNEL *ch = check_session_channel(L);
  if (!lua_isstring(L, 3))
    return luaL_error(L, "Invalid buffer");
  size_t len;
  const char *data = lua_tolstring(L, 3, &len);
  ssize_t rc = libssh2_channel_write(ch, data, len);
  if (rc == LIBSSH2_ERROR_EAGAIN)
    return ssh2_wait(L, c, channel_write_step, 0);
  if (rc < 0)
    return luaL_error(L, "Writing to channel");
  lua_pushinteger(L, (lua_Integer)rc);
  return 1;
}

/* [-3, +1, e] channel_write(session, channel, data) -> bytes written */
static int libssh2_channel_write_l(lua_State *L) {
  return channel_write_step(L, 0);
}

static int channel_exec_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  LIBSSH2_CHANNEL *ch = check_session_channel(L);
  size_t len;
  const char *cmd = luaL_checklstring(L, 3, &len);
  int rc = libssh2_channel_process_startup(ch, "exec", 4, cmd, (unsigned)len);
  if (rc == LIBSSH2_ERROR_EAGAIN)
    return ssh2_wait(L, c, channel_exec_step, 0);
  if (rc != 0)
    return luaL_error(L, "Error executing command");
  return 0;
}

/* [-3, +0, e] channel_exec(session, channel, cmd): starts cmd; the output
 * comes from channel_read. */
static int libssh2_channel_exec_l(lua_State *L) {
  return channel_exec_step(L, 0);
}

static int channel_send_eof_step(lua_State *L, int arg) {
  (void)arg;
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  LIBSSH2_CHANNEL *ch = check_session_channel(L);
  int rc = libssh2_channel_send_eof(ch);
  if (rc == LIBSSH2_ERROR_EAGAIN)
    return ssh2_wait(L, c, channel_send_eof_step, 0);
  if (rc != 0)
    return luaL_error(L, "Error sending EOF");
  return 0;
}

/* [-2, +0, e] channel_send_eof(session, channel) */
static int libssh2_channel_send_eof_l(lua_State *L) {
  return channel_send_eof_step(L, 0);
}

/* [-1, +1, e] channel_eof(channel) -> boolean (the server sent EOF) */
static int libssh2_channel_eof_l(lua_State *L) {
  int rc = libssh2_channel_eof(check_channel(L, 1));
  if (rc < 0)
    return luaL_error(L, "Error checking for EOF");
  lua_pushboolean(L, rc);
  return 1;
}

/* arg 0: closing; 1: freeing (libssh2_channel_close has succeeded). */
static int channel_close_step(lua_State *L, int arg) {
  struct ssh_conn *c = ssh2_check_conn(L, 1);
  struct ssh_channel *chu = luaL_checkudata(L, 2, CHANNEL_MT);
  LIBSSH2_CHANNEL *ch = check_session_channel(L);
  if (arg == 0) {
    int rc = libssh2_channel_close(ch);
    if (rc == LIBSSH2_ERROR_EAGAIN)
      return ssh2_wait(L, c, channel_close_step, 0);
    if (rc != 0)
      return luaL_error(L, "Error closing channel");
  }
  int rc = libssh2_channel_free(ch);
  if (rc == LIBSSH2_ERROR_EAGAIN)
    return ssh2_wait(L, c, channel_close_step, 1);
  chu->ch = NULL;
  return 0;
}

/* [-2, +0, e] channel_close(session, channel) */
static int libssh2_channel_close_l(lua_State *L) {
  return channel_close_step(L, 0);
}

static const luaL_Reg channel_funcs[] = {
    {"open_channel", libssh2_open_channel_l},
    {"channel_read", libssh2_channel_read_l},
    {"channel_read_stderr", libssh2_channel_read_stderr_l},
    {"channel_write", libssh2_channel_write_l},
    {"channel_exec", libssh2_channel_exec_l},
    {"channel_send_eof", libssh2_channel_send_eof_l},
    {"channel_eof", libssh2_channel_eof_l},
    {"channel_close", libssh2_channel_close_l},
    {NULL, NULL}};

void ssh2_channel_register(lua_State *L) {
  if (luaL_newmetatable(L, CHANNEL_MT)) {
    lua_newtable(L);
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, channel_funcs, 0);
}

#endif /* __has_include(<libssh2.h>) */
