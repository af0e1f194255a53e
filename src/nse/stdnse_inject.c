/* The engine functions put into the stdnse table (NSE-NOTES §1.5, §13.1):
 * new_thread, base, gettid, getid, getinfo, gethostport, isworker and
 * silent_require. stdnse.lua only has placeholders for them; the engine
 * rawsets these after `require "stdnse"`, for Portolan's nselib and for
 * Nmap's own stdnse.lua alike. All return nil outside a running thread. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/log.h"
#include "nse/nse_int.h"

const char nse_require_error_key = 0;

static int stdnse_new_thread(lua_State *L) {
  if (lua_type(L, 1) != LUA_TFUNCTION) {
    lua_pushliteral(L, "function expected"); /* Nmap's assert text */
    return lua_error(L);
  }
  return sched_new_worker(L, lua_gettop(L) - 1);
}

static int stdnse_base(lua_State *L) {
  struct nse_thread_info ti;
  if (!sched_thread_info(L, &ti))
    return 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ti.co_ref);
  return 1;
}

static int stdnse_gettid(lua_State *L) {
  if (stdnse_base(L) == 0)
    return 0;
  luaL_tolstring(L, -1, NULL);
  return 1;
}

static int stdnse_getid(lua_State *L) {
  struct nse_thread_info ti;
  if (!sched_thread_info(L, &ti))
    return 0;
  lua_pushstring(L, ti.script->id);
  return 1;
}

static int stdnse_getinfo(lua_State *L) {
  struct nse_thread_info ti;
  if (!sched_thread_info(L, &ti))
    return 0;
  lua_pushfstring(L, "%s %c:", ti.script->id, ti.worker ? 'W' : 'M');
  char hex[32];
  snprintf(hex, sizeof hex, "%" PRIxPTR, (uintptr_t)ti.co);
  lua_pushstring(L, hex);
  lua_concat(L, 2);
  return 1;
}

static int stdnse_gethostport(lua_State *L) {
  struct nse_thread_info ti;
  if (!sched_thread_info(L, &ti))
    return 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ti.host_ref);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ti.port_ref);
  return 2;
}

static int stdnse_isworker(lua_State *L) {
  struct nse_thread_info ti;
  if (!sched_thread_info(L, &ti))
    return 0;
  lua_pushboolean(L, ti.worker);
  return 1;
}

/* pcall(require, ...); on failure the sentinel makes the loader skip the
 * script quietly (§1.1). */
static int stdnse_silent_require(lua_State *L) {
  int n = lua_gettop(L);
  lua_getglobal(L, "require");
  lua_insert(L, 1);
  if (lua_pcall(L, n, 1, 0) == LUA_OK)
    return 1;
  if (log_debugging >= 1) {
    /* debug.traceback returns a non-string message unchanged. */
    if (lua_type(L, -1) == LUA_TSTRING)
      luaL_traceback(L, L, lua_tostring(L, -1), 0);
    else
      lua_pushfstring(L, "%s: %p", luaL_typename(L, -1), lua_topointer(L, -1));
    log_debug(1, "NSE: %s", lua_tostring(L, -1));
  }
  lua_pushlightuserdata(L, (void *)&nse_require_error_key);
  return lua_error(L);
}

void nse_stdnse_inject(lua_State *L, int idx) {
  static const luaL_Reg fns[] = {
      {"new_thread", stdnse_new_thread},
      {"base", stdnse_base},
      {"gettid", stdnse_gettid},
      {"getid", stdnse_getid},
      {"getinfo", stdnse_getinfo},
      {"gethostport", stdnse_gethostport},
      {"isworker", stdnse_isworker},
      {"silent_require", stdnse_silent_require},
      {NULL, NULL},
  };
  idx = lua_absindex(L, idx);
  for (const luaL_Reg *r = fns; r->name; r++) {
    lua_pushstring(L, r->name);
    lua_pushcfunction(L, r->func);
    lua_rawset(L, idx);
  }
}
