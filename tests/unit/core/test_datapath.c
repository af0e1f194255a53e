/* Data path: order of the search directories, first hit wins, kinds,
 * absolute names, missing directories left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/datapath.h"

static char root[64];

static void mk(const char *rel, int dir) {
  char p[256];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  if (dir) {
    assert_int_equal(mkdir(p, 0700), 0);
  } else {
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
  }
}

static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/portolan-dp-XXXXXX");
  assert_non_null(mkdtemp(root));
  mk("cli", 1);
  mk("env", 1);
  mk("home", 1);
  mk("home/.portolan", 1);
  mk("cli/only-cli", 0);
  mk("cli/both", 0);
  mk("env/both", 0);
  mk("env/only-env", 0);
  mk("home/.portolan/only-home", 0);
  mk("env/adir", 1);
  mk("home/.portolan/adir", 0);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  datapath_free();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  return system(cmd) == 0 ? 0 : -1;
}

static char *under(const char *rel) {
  char p[256];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  return realpath(p, NULL);
}

static void expect_find(const char *rel, enum datapath_kind kind,
                        const char *want_rel) {
  char *got = datapath_find(rel, kind);
  if (want_rel == NULL) {
    if (got != NULL)
      fail_msg("%s: found %s, want nothing", rel, got);
    return;
  }
  char *want = under(want_rel);
  assert_non_null(want);
  if (got == NULL || strcmp(got, want) != 0)
    fail_msg("%s: found %s, want %s", rel, got ? got : "(null)", want);
  free(got);
  free(want);
}

static void test_order(void **state) {
  (void)state;
  char env[256], home[256], cli[256];
  snprintf(env, sizeof env, "%s/env", root);
  snprintf(home, sizeof home, "%s/home", root);
  snprintf(cli, sizeof cli, "%s/cli", root);
  setenv("PORTOLAN_DATADIR", env, 1);
  setenv("HOME", home, 1);
  datapath_init("/nonexistent/portolan", cli);
  assert_true(datapath_count() >= 3);
  char *w = under("cli");
  assert_string_equal(datapath_dir(0), w);
  free(w);
  w = under("env");
  assert_string_equal(datapath_dir(1), w);
  free(w);
  w = under("home/.portolan");
  assert_string_equal(datapath_dir(2), w);
  free(w);
  assert_null(datapath_dir(datapath_count()));

  expect_find("both", DATAPATH_FILE, "cli/both");
  expect_find("only-env", DATAPATH_ANY, "env/only-env");
  expect_find("only-home", DATAPATH_FILE, "home/.portolan/only-home");
  expect_find("only-home", DATAPATH_DIR, NULL);
  /* A directory in env comes before a same-named file in home, but only
   * when a directory is wanted. */
  expect_find("adir", DATAPATH_DIR, "env/adir");
  expect_find("adir", DATAPATH_FILE, "home/.portolan/adir");
  expect_find("missing-everywhere", DATAPATH_ANY, NULL);
  expect_find("", DATAPATH_ANY, NULL);

  char abs[256];
  snprintf(abs, sizeof abs, "%s/env/only-env", root);
  char *got = datapath_find(abs, DATAPATH_FILE);
  assert_non_null(got);
  assert_string_equal(got, abs);
  free(got);
  assert_null(datapath_find(abs, DATAPATH_DIR));
  datapath_free();
}

static void test_missing_and_dupes(void **state) {
  (void)state;
  char env[256];
  snprintf(env, sizeof env, "%s/env", root);
  setenv("PORTOLAN_DATADIR", env, 1);
  unsetenv("HOME");
  /* --datadir missing: skipped; the same dir twice: listed once. */
  datapath_init(NULL, "/nonexistent/dir");
  size_t n = datapath_count();
  char *w = under("env");
  assert_string_equal(datapath_dir(0), w);
  for (size_t i = 1; i < n; i++)
    assert_string_not_equal(datapath_dir(i), w);
  free(w);
  datapath_init(NULL, env);
  assert_int_equal(datapath_count(), n);
  datapath_free();
  unsetenv("PORTOLAN_DATADIR");
}

static void test_binary_dir(void **state) {
  (void)state;
  unsetenv("PORTOLAN_DATADIR");
  unsetenv("HOME");
  datapath_init(NULL, NULL);
  /* The test binary's own directory (from /proc/self/exe) is on the path,
   * and so is its parent. */
  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  assert_true(len > 0);
  exe[len] = '\0';
  *strrchr(exe, '/') = '\0';
  int found = 0;
  for (size_t i = 0; i < datapath_count(); i++)
    found |= strcmp(datapath_dir(i), exe) == 0;
  assert_true(found);
  datapath_free();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order),
      cmocka_unit_test(test_missing_and_dupes),
      cmocka_unit_test(test_binary_dir),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
