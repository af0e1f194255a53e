/* --script-args parser (NSE-NOTES §4.1): Nmap's table language, quirks
 * included. Each case parses text and compares a canonical dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "core/errcode.h"
#include "nse/nse_int.h"

/* Canonical text of the value at the top: arrays first, then sorted keys. */
static const char DUMP[] =
    "local function d(v)\n"
    "  if type(v) ~= 'table' then return string.format('%q', v) end\n"
    "  local out, keys = {}, {}\n"
    "  for i, x in ipairs(v) do out[#out + 1] = d(x) end\n"
    "  for k in pairs(v) do\n"
    "    if math.type(k) ~= 'integer' or k > #v then keys[#keys + 1] = k end\n"
    "  end\n"
    "  table.sort(keys)\n"
    "  for _, k in ipairs(keys) do out[#out + 1] = k .. '=' .. d(v[k]) end\n"
    "  return '{' .. table.concat(out, ',') .. '}'\n"
    "end\n"
    "return d(...)\n";

static void check(const char *text, const char *want) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  char *wrapped = malloc(strlen(text) + 3);
  sprintf(wrapped, "{%s}", text);
  int rc = nse_args_parse(L, wrapped, strlen(wrapped));
  free(wrapped);
  if (want == NULL) {
    assert_int_equal(rc, PT_EPARSE);
    assert_int_equal(lua_gettop(L), 0);
    lua_close(L);
    return;
  }
  assert_int_equal(rc, 0);
  assert_int_equal(lua_gettop(L), 1);
  assert_int_equal(luaL_loadstring(L, DUMP), LUA_OK);
  lua_insert(L, 1);
  assert_int_equal(lua_pcall(L, 1, 1, 0), LUA_OK);
  const char *got = lua_tostring(L, -1);
  if (strcmp(got, want) != 0)
    fail_msg("args '%s': got %s, want %s", text, got, want);
  lua_close(L);
}

static void test_examples(void **state) {
  (void)state;
  check("argdump.foo=1,bar=2,argdump.flag",
        "{\"argdump.flag\",argdump.foo=\"1\",bar=\"2\"}");
  check("x={a,b,{c=d}},y=\"quoted, with comma\",z='single=q'",
        "{x={\"a\",\"b\",{c=\"d\"}},y=\"quoted, with comma\","
        "z=\"single=q\"}");
  check("user=admin,pass=\"p\\\"w\"", "{pass=\"p\\\"w\",user=\"admin\"}");
}

static void test_quirks(void **state) {
  (void)state;
  check("", "{\"\"}");
  check("trailing,", "{\"trailing\",\"\"}");
  check("a={}", "{a={\"\"}}");
  check(" spaced key = spaced value ", "{spaced key=\"spaced value\"}");
  check("a=1,a=2", "{a=\"2\"}");
  check("a=1\nb=2", "{a=\"1\",b=\"2\"}");
  check("n=5", "{n=\"5\"}");
  check("p='back\\\\slash',q='keep\\n'",
        "{p=\"back\\\\slash\",q=\"keep\\\\n\"}");
  check("argdump.foo=x,", "{\"\",argdump.foo=\"x\"}");
}

static void test_failures(void **state) {
  (void)state;
  check("a=b=c", NULL);
  check("a={b", NULL);
  check("a}", "{\"a\"}"); /* text after the table is ignored, as in Nmap */
  char deep[1000];
  memset(deep, '{', sizeof deep - 1);
  deep[sizeof deep - 1] = '\0';
  check(deep, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_examples),
      cmocka_unit_test(test_quirks),
      cmocka_unit_test(test_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
