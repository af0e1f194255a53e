/* Selection against a real script.db (NSE-NOTES §3.2-§3.5): Nmap's own
 * /usr/share/nmap tree gives the counts recorded in NSE-NOTES, and a
 * script.db written by --script-updatedb for our probe directory reads
 * back. Skips the Nmap part when Nmap's data is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "core/datapath.h"
#include "core/errcode.h"
#include "core/options.h"
#include "core/xalloc.h"
#include "nse/engine.h"
#include "nse/nse_int.h"

static size_t count(const char *spec, int *rc_out, char **err) {
  struct scan_opts o;
  opts_init(&o);
  o.script_spec = xstrdup(spec);
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  struct nse_picks p = {0};
  *err = NULL;
  *rc_out = nse_select(L, &o, NULL, &p, err);
  size_t n = p.n;
  nse_picks_free(&p);
  lua_close(L);
  opts_free(&o);
  return n;
}

static void expect_count(const char *spec, size_t want) {
  int rc;
  char *err;
  size_t n = count(spec, &rc, &err);
  if (rc != 0)
    fail_msg("%s: %s", spec, err ? err : "?");
  if (n != want)
    fail_msg("%s: %zu scripts, want %zu", spec, n, want);
  free(err);
}

static void test_nmap_counts(void **state) {
  (void)state;
  struct stat st;
  if (stat("/usr/share/nmap/scripts/script.db", &st) != 0)
    skip();
  datapath_init("/proc/self/exe", "/usr/share/nmap");
  expect_count("default", 125);
  expect_count("safe", 346);
  expect_count("not intrusive", 391);
  expect_count("http-*", 134);
  expect_count("ssl*", 11);
  expect_count("all", 604);
  expect_count("version", 45);
  expect_count("default and safe or vuln", 125);
  expect_count("(default and safe) or vuln", 226);
  expect_count("not default and safe", 221);
  expect_count("safe,+banner", 346);
  int rc;
  char *err;
  count("default and not safe", &rc, &err);
  assert_int_equal(rc, PT_ENOTFOUND);
  assert_string_equal(err, "'default and not safe' did not match a category, "
                           "filename, or directory");
  free(err);
  count("BANNER", &rc, &err);
  assert_int_equal(rc, PT_ENOTFOUND);
  free(err);
  datapath_free();
}

static void test_updatedb(void **state) {
  (void)state;
  char dir[] = "/tmp/portolan_db_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *sdir = xasprintf("%s/scripts", dir);
  assert_int_equal(mkdir(sdir, 0700), 0);
  char *a = xasprintf("%s/alpha.nse", sdir);
  FILE *f = fopen(a, "w");
  fputs("categories = {'Safe', 'discovery'}\nprerule = function() end\n"
        "action = function() end\n",
        f);
  fclose(f);
  char *b = xasprintf("%s/beta.nse", sdir);
  f = fopen(b, "w");
  fputs("categories = {'vuln'}\nportrule = function() end\n"
        "action = function() end\n",
        f);
  fclose(f);
  datapath_init("/proc/self/exe", dir);
  struct scan_opts o;
  opts_init(&o);
  char *err = NULL;
  assert_int_equal(nse_script_updatedb(&o, &err), 0);
  char *db = xasprintf("%s/script.db", sdir);
  f = fopen(db, "r");
  assert_non_null(f);
  char buf[512] = {0};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  assert_true(n > 0);
  assert_string_equal(buf, "Entry { filename = \"alpha.nse\", categories = { "
                           "\"safe\", \"discovery\", } }\n"
                           "Entry { filename = \"beta.nse\", categories = { "
                           "\"vuln\", } }\n");
  int rc;
  assert_int_equal(count("safe", &rc, &err), 1);
  assert_int_equal(count("vuln or discovery", &rc, &err), 2);
  opts_free(&o);
  datapath_free();
  remove(a);
  remove(b);
  remove(db);
  rmdir(sdir);
  rmdir(dir);
  free(a);
  free(b);
  free(db);
  free(sdir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nmap_counts),
      cmocka_unit_test(test_updatedb),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
