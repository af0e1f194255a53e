/* string.unpack's 'z' option with Lua 5.3's result on data with no NUL
 * (src/nse/compat53.c); everything else as Lua 5.4's own string.unpack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "nse/compat53.h"

/* Runs chunk (which returns one string) in a fresh state with the
 * compatibility function installed; compares the result with want. */
static void expect(const char *chunk, const char *want) {
  lua_State *L = luaL_newstate();
  assert_non_null(L);
  luaL_openlibs(L);
  nse_compat53_open(L);
  int rc = luaL_loadbuffer(L, chunk, strlen(chunk), "=t");
  assert_int_equal(rc, LUA_OK);
  rc = lua_pcall(L, 0, 1, 0);
  if (rc != LUA_OK)
    fail_msg("chunk failed: %s", lua_tostring(L, -1));
  assert_string_equal(lua_tostring(L, -1), want);
  lua_close(L);
}

#define SHOW                                                                   \
  "local function show(ok, ...) local t = {tostring(ok)} "                     \
  "for i = 1, select('#', ...) do t[#t + 1] = tostring((select(i, ...))) end " \
  "return table.concat(t, ' ') end "

static void test_unterminated_z(void **state) {
  (void)state;
  /* Lua 5.3: the rest of the data, next position #data + 2. */
  expect(SHOW "return show(pcall(string.unpack, 'z', 'abc'))", "true abc 5");
  expect(SHOW "return show(pcall(string.unpack, 'Bz', '\\1abc'))",
         "true 1 abc 6");
  /* A negative start still names the same byte. */
  expect(SHOW "return show(pcall(string.unpack, 'z', 'xyzabc', -3))",
         "true abc 8");
  /* As a method, and through a local alias taken after start-up. */
  expect(SHOW "local u = string.unpack "
              "return show(true, u('z', 'de')) .. ' ' .. "
              "show(true, ('z'):unpack('q'))",
         "true de 4 true q 3");
  /* What follows the string finds no data, as in 5.3. */
  expect(SHOW "return show(pcall(string.unpack, 'zB', 'abc'))",
         "false bad argument #2 to 'string.unpack' (data string too short)");
}

static void test_unchanged(void **state) {
  (void)state;
  expect(SHOW "return show(pcall(string.unpack, 'z', 'ab\\0c'))", "true ab 4");
  expect(SHOW "return show(true, string.unpack('<I2 s1', '\\1\\0\\3xyz'))",
         "true 1 xyz 7");
  /* Errors read as Lua 5.4's own, with the caller's name and position. */
  expect(SHOW "return show(pcall(string.unpack, 'I4', 'ab'))",
         "false bad argument #2 to 'string.unpack' (data string too short)");
  expect(SHOW "return show(pcall(function() return string.unpack('I4', 'ab') "
              "end))",
         "false t:1: bad argument #2 to 'unpack' (data string too short)");
  expect(SHOW "return show(pcall(function() return ('I4'):unpack('ab') end))",
         "false t:1: bad argument #1 to 'unpack' (data string too short)");
  expect(SHOW "return show(pcall(string.unpack, 'Q', 'ab'))",
         "false invalid format option 'Q'");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unterminated_z),
      cmocka_unit_test(test_unchanged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
