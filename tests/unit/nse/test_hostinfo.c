/* Host and port tables (NSE-NOTES §2) and the way back to C (§2.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "nse/hostinfo.h"
#include "nse/nse_int.h"

static struct host *h;

static int l_check_host(lua_State *L) {
  lua_pushboolean(L, nse_check_host(L, 1) == h);
  return 1;
}

static int l_check_port(lua_State *L) {
  uint16_t n;
  enum proto p;
  nse_check_port(L, 1, &n, &p);
  lua_pushinteger(L, n);
  lua_pushstring(L, proto_name(p));
  return 2;
}

static int l_push_host(lua_State *L) {
  nse_push_host(L, h);
  return 1;
}

static int l_push_port(lua_State *L) {
  nse_push_port(L, h, host_port_get(h, PROTO_TCP, 22));
  return 1;
}

/* Runs chunk with the helpers as globals; returns its string result. */
static void run(lua_State *L, const char *chunk, const char *want) {
  if (luaL_dostring(L, chunk) != LUA_OK)
    fail_msg("%s", lua_tostring(L, -1));
  const char *got = lua_tostring(L, -1);
  assert_non_null(got);
  assert_string_equal(got, want);
  lua_pop(L, 1);
}

static void test_tables(void **state) {
  (void)state;
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  struct sockaddr_in sin = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  h = host_new((struct sockaddr *)&sin, sizeof sin);
  h->reason = RSN_USER_SET;
  host_port_set(h, PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 64);
  lua_register(L, "check_host", l_check_host);
  lua_register(L, "check_port", l_check_port);
  lua_register(L, "push_host", l_push_host);
  lua_register(L, "push_port", l_push_port);

  run(L,
      "local t = push_host() return table.concat({t.ip, t.name, t.reason, "
      "math.type(t.reason_ttl), #t.bin_ip, math.type(t.times.timeout), "
      "tostring(t.targetname), type(t._Target), type(t.registry)}, ',')",
      "127.0.0.1,,user-set,integer,4,float,nil,userdata,table");
  run(L,
      "local p = push_port() local v = p.version return "
      "table.concat({p.number, p.protocol, p.state, p.reason, "
      "tostring(v.name_confidence), v.service_dtype, v.service_tunnel, "
      "#v.cpe}, ',')",
      "22,tcp,open,syn-ack,3.0,table,none,0");
  /* Not in flight: _Target is not trusted, ip lookup fails. */
  run(L,
      "local ok, e = pcall(check_host, push_host()) return tostring(ok) .. "
      "' ' .. e",
      "false bad argument #1 to 'check_host' (host is not being processed "
      "right now)");
  nse_host_begin(L, h);
  run(L, "return tostring(check_host(push_host()))", "true");
  run(L, "return tostring(check_host({ip = '127.0.0.1'}))", "true");
  run(L, "local ok, e = pcall(check_host, {}) return e",
      "host table does not have a 'ip' or 'targetname' field");
  run(L,
      "return table.concat({check_port({number = 80, protocol = 'udp'})}, "
      "',')",
      "80,udp");
  run(L,
      "local ok, e = pcall(check_port, {number = '80', protocol = 'tcp'}) "
      "return e",
      "port 'number' field must be an integer");
  run(L,
      "local ok, e = pcall(check_port, {number = 80, protocol = 'icmp'}) "
      "return e",
      "port 'protocol' field must be \"udp\", \"sctp\" or \"tcp\"");
  /* The registry is shared by every table of the host. */
  run(L, "push_host().registry.x = 1 return tostring(push_host().registry.x)",
      "1");
  nse_host_end(L, h);
  lua_close(L);
  host_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_tables)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
