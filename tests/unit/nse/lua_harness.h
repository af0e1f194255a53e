/* Shared harness for the NSE module unit tests that run their checks as Lua
 * in a bare state: a fresh lua_State per test with the standard libraries,
 * one module opened under a short global name, and a prelude defining the
 * check helpers EQ(got, want, what) and RAISES(pattern, f, ...) followed by
 * the test file's own extra Lua. Header-only: each test_*.c is its own
 * executable (see tests/CMakeLists.txt), so the helpers are static inline
 * and a file that uses only some of them builds without warnings.
 *
 * A test file wraps lua_harness_setup in its own cmocka setup function
 * (cmocka's setup takes only the state) and passes lua_harness_teardown as
 * the teardown. */
#ifndef PORTOLAN_TESTS_NSE_LUA_HARNESS_H
#define PORTOLAN_TESTS_NSE_LUA_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

/* EQ compares with ~= and names the check; RAISES wants f to fail with an
 * error whose text contains pat (plain find). Both report at the caller's
 * line (level 2), so a failure points into the test's own chunk. */
static const char lua_harness_prelude[] =
    "function EQ(got, want, what)\n"
    "  if got ~= want then\n"
    "    error(string.format('%s: got %q, want %q', what, tostring(got),\n"
    "      tostring(want)), 2)\n"
    "  end\n"
    "end\n"
    "function RAISES(pat, f, ...)\n"
    "  local ok, err = pcall(f, ...)\n"
    "  if ok then error('no error, expected ' .. pat, 2) end\n"
    "  if not tostring(err):find(pat, 1, true) then\n"
    "    error('error ' .. tostring(err) .. ', expected ' .. pat, 2)\n"
    "  end\n"
    "end\n";

/* Opens module `name` with `open`, binds it to global `global`, then runs
 * the shared prelude and `extra` (may be NULL). Returns -1 (cmocka's
 * set-up failure) if either chunk does not run. */
static inline int lua_harness_setup(void **state, const char *name,
                                    lua_CFunction open, const char *global,
                                    const char *extra) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  luaL_requiref(L, name, open, 1);
  lua_setglobal(L, global);
  if (luaL_dostring(L, lua_harness_prelude) != LUA_OK ||
      (extra != NULL && luaL_dostring(L, extra) != LUA_OK)) {
    lua_close(L);
    return -1;
  }
  *state = L;
  return 0;
}

static inline int lua_harness_teardown(void **state) {
  lua_close(*state);
  return 0;
}

/* Runs one chunk of checks; a Lua error fails the test with its message. */
static inline void lua_harness_run(lua_State *L, const char *code) {
  if (luaL_dostring(L, code) != LUA_OK)
    fail_msg("%s", lua_tostring(L, -1));
}

/* The usual cmocka shape: run(state, code) with the state from set-up. */
static inline void run(void **state, const char *code) {
  lua_harness_run(*state, code);
}

#endif
