/* The `libssh2` module without a network: the module's shape, argument
 * checks that raise before any I/O (bad port, bad host, names not
 * resolved, a call outside a script thread), read_publickey on key files
 * written here (with a stub base64 module, so the test sees exactly which
 * field was picked), and type checks on sessions and channels. Talking to a
 * real OpenSSH server is tests/integration/test_libssh2.sh's job. Checks
 * run as Lua in a bare state with only the module loaded (global `l`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lua_harness.h"
#include "nse/lib_libssh2.h"

static const char prelude[] =
    /* base64.dec stub: shows its input. */
    "package.preload.base64 = function()\n"
    "  return { dec = function(s) return '<' .. s .. '>' end }\n"
    "end\n";

static int setup(void **state) {
  return lua_harness_setup(state, "libssh2", luaopen_libssh2, "l", prelude);
}

static void test_functions(void **state) {
  run(state,
      "for _, name in ipairs{'session_open', 'hostkey_hash', 'set_timeout',\n"
      "    'userauth_list', 'userauth_banner', 'userauth_password',\n"
      "    'userauth_publickey', 'read_publickey', 'publickey_canauth',\n"
      "    'open_channel', 'channel_read', 'channel_read_stderr',\n"
      "    'channel_write', 'channel_exec', 'channel_send_eof',\n"
      "    'channel_eof', 'channel_close', 'session_close'} do\n"
      "  EQ(type(l[name]), 'function', name)\n"
      "end\n");
}

static void test_session_open_args(void **state) {
  run(state, "RAISES('number expected', l.session_open, '127.0.0.1', 'x')\n"
             "RAISES('number expected', l.session_open, '127.0.0.1')\n"
             "RAISES('port out of range', l.session_open, '127.0.0.1', 70000)\n"
             "RAISES(\"host table lacks 'ip' or 'targetname' fields\",\n"
             "  l.session_open, {}, 22)\n"
             "RAISES('table expected', l.session_open, 5, 22)\n"
             "RAISES('Name or service not known', l.session_open,\n"
             "  'no.such.name.invalid', 22)\n"
             "RAISES('Name or service not known', l.session_open,\n"
             "  {targetname = 'no.such.name.invalid'}, 22)\n"
             /* Valid arguments, but no script thread to yield in: raises before
              * any socket is made. */
             "RAISES('attempt to yield across a C-call boundary',\n"
             "  l.session_open, '127.0.0.1', 22)\n"
             "RAISES('attempt to yield across a C-call boundary',\n"
             "  l.session_open, {ip = '::1'}, 22)\n");
}

static void test_type_checks(void **state) {
  run(state, "for _, f in ipairs{l.hostkey_hash, l.set_timeout,\n"
             "    l.userauth_list, l.userauth_banner, l.userauth_password,\n"
             "    l.userauth_publickey, l.publickey_canauth, l.open_channel,\n"
             "    l.channel_read, l.channel_exec, l.session_close} do\n"
             "  RAISES('expected', f, {}, 'x', 'y')\n"
             "  RAISES('expected', f, nil)\n"
             "end\n"
             "RAISES('expected', l.channel_eof, {})\n"
             "EQ(getmetatable(l), nil, 'module table has no metatable')\n");
}

static char tmpdir[64];

static void write_file(const char *name, const char *text) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_read_publickey(void **state) {
  strcpy(tmpdir, "/tmp/pt-libssh2-unit.XXXXXX");
  assert_non_null(mkdtemp(tmpdir));
  write_file("a.pub", "ssh-ed25519 AAAAC3Nz key@host\n");
  write_file("b.pub", "ssh-rsa AAAAB3Nza\r\nsecond line\n");
  write_file("c.pub", "ssh-rsa AAAAonly");
  write_file("d.pub", "nospace\n");
  lua_State *L = *state;
  lua_pushstring(L, tmpdir);
  lua_setglobal(L, "DIR");
  run(state, "EQ(l.read_publickey(DIR .. '/a.pub'), '<AAAAC3Nz>', 'a')\n"
             "EQ(l.read_publickey(DIR .. '/b.pub'), '<AAAAB3Nza>', 'b')\n"
             "EQ(l.read_publickey(DIR .. '/c.pub'), '<AAAAonly>', 'c')\n"
             "EQ(l.read_publickey(DIR .. '/d.pub'), '<>', 'd')\n"
             "RAISES('Error reading file', l.read_publickey,\n"
             "  DIR .. '/missing.pub')\n"
             "RAISES('string expected', l.read_publickey, {})\n");
  const char *names[] = {"a.pub", "b.pub", "c.pub", "d.pub"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
    unlink(path);
  }
  rmdir(tmpdir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_functions, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_session_open_args, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_type_checks, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_read_publickey, setup,
                                      lua_harness_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
