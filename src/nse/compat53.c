/* Lua 5.3 behaviour that Nmap 7.93's nselib depends on and Lua 5.4 changed.
 *
 * string.unpack's 'z' option: Lua 5.3 took strlen() of the data from the
 * current position, and since every Lua string has a hidden NUL after its
 * last byte, a string with no NUL left was read to its end and the next
 * position was #data + 2. Lua 5.4 raises "unfinished string for format 'z'"
 * instead. Nmap 7.93's libraries rely on the old behaviour wherever a
 * protocol's last string runs to the end of the packet (mysql.lua reads
 * every server error message this way, so mysql-empty-password and the
 * other mysql scripts fail on the first refused login; mongodb.lua fails to
 * load). The replacement below calls the real string.unpack and, only for
 * that one error, calls it again on the data with one NUL appended, which is
 * exactly the Lua 5.3 result (same values, same next position); any other
 * outcome is the real function's.
 *
 * Invariants: the replacement is string.unpack itself (so ("z"):unpack(s)
 * and local aliases made after start-up see it); its error messages are the
 * ones Lua 5.4 gives for a direct call (argument errors are raised again
 * from the replacement, so the function's name and the argument number
 * are computed for the caller's call, method calls included). */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "nse/compat53.h"

static const char ZERR[] = "unfinished string for format 'z'";

/* Raises err (at the top of the stack) again. "bad argument #N to 'name'
 * (msg)" becomes an argument error of this C function, so the message names
 * the function as the caller called it. */
static int raise_again(lua_State *L) {
  const char *m = lua_tostring(L, -1);
  int argn = 0, used = 0;
  if (m && sscanf(m, "bad argument #%d to '%*[^']' (%n", &argn, &used) == 1 &&
      used > 0 && argn > 0) {
    size_t len = strlen(m + used);
    if (len > 0 && m[used + len - 1] == ')') {
      lua_pushlstring(L, m + used, len - 1);
      return luaL_argerror(L, argn, lua_tostring(L, -1));
    }
  }
  return lua_error(L);
}

static int compat_unpack(lua_State *L) {
  int nargs = lua_gettop(L);
  const char *fmt = lua_tostring(L, 1);
  /* Without a 'z' option nothing differs: no protected call. */
  if (fmt == NULL || strchr(fmt, 'z') == NULL || nargs < 2 ||
      !lua_isstring(L, 2)) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    if (lua_pcall(L, nargs, LUA_MULTRET, 0) != LUA_OK)
      return raise_again(L);
    return lua_gettop(L);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  for (int i = 1; i <= nargs; i++)
    lua_pushvalue(L, i);
  if (lua_pcall(L, nargs, LUA_MULTRET, 0) == LUA_OK)
    return lua_gettop(L) - nargs;
  const char *m = lua_tostring(L, -1);
  if (m == NULL || strstr(m, ZERR) == NULL)
    return raise_again(L);
  lua_pop(L, 1);
  /* Lua 5.3: read to the end of the data, as if a NUL followed it. */
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_pushlstring(L, "", 1); /* one NUL byte */
  lua_concat(L, 2);
  for (int i = 3; i <= nargs; i++) {
    /* A negative start counts from the end: keep it on the same byte. */
    if (i == 3 && lua_isinteger(L, 3) && lua_tointeger(L, 3) < 0)
      lua_pushinteger(L, lua_tointeger(L, 3) - 1);
    else
      lua_pushvalue(L, i);
  }
  if (lua_pcall(L, nargs, LUA_MULTRET, 0) != LUA_OK)
    return raise_again(L);
  return lua_gettop(L) - nargs;
}

void nse_compat53_open(lua_State *L) {
  if (lua_getglobal(L, "string") != LUA_TTABLE) {
    lua_pop(L, 1);
    return;
  }
  if (lua_getfield(L, -1, "unpack") != LUA_TFUNCTION) {
    lua_pop(L, 2);
    return;
  }
  lua_pushcclosure(L, compat_unpack, 1);
  lua_setfield(L, -2, "unpack");
  lua_pop(L, 1);
}
