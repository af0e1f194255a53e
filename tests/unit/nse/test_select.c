/* Script selection expressions (NSE-NOTES §3.2): precedence quirk,
 * case-insensitive keywords, case-sensitive globs, by-name marking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/errcode.h"
#include "nse/selexpr.h"

static const char *const BANNER_CATS[] = {"discovery", "safe"};
static const char *const VULN_CATS[] = {"vuln", "intrusive"};
static const char *const DEFSAFE[] = {"default", "safe"};

static int m(const char *spec, const char *name, const char *const *cats,
             size_t n) {
  int by_name;
  return selexpr_match(spec, name, cats, n, &by_name);
}

static void test_basic(void **state) {
  (void)state;
  assert_int_equal(m("safe", "banner", BANNER_CATS, 2), 1);
  assert_int_equal(m("SAFE", "banner", BANNER_CATS, 2), 1);
  assert_int_equal(m("vuln", "banner", BANNER_CATS, 2), 0);
  assert_int_equal(m("all", "banner", BANNER_CATS, 2), 1);
  assert_int_equal(m("true", "banner", BANNER_CATS, 2), 1);
  assert_int_equal(m("false", "banner", BANNER_CATS, 2), 0);
  assert_int_equal(m("not safe", "banner", BANNER_CATS, 2), 0);
  assert_int_equal(m("not vuln", "banner", BANNER_CATS, 2), 1);
  assert_int_equal(m("(safe)", "banner", BANNER_CATS, 2), 1);
  assert_int_equal(m("  safe  ", "banner", BANNER_CATS, 2), 1);
}

static void test_precedence(void **state) {
  (void)state;
  /* "default and safe or vuln" is default and (safe or vuln). */
  assert_int_equal(m("default and safe or vuln", "x", VULN_CATS, 2), 0);
  assert_int_equal(m("(default and safe) or vuln", "x", VULN_CATS, 2), 1);
  assert_int_equal(m("default and safe or vuln", "x", DEFSAFE, 2), 1);
  /* not binds tightest. */
  assert_int_equal(m("not default and safe", "x", DEFSAFE, 2), 0);
  assert_int_equal(m("not vuln and safe", "x", DEFSAFE, 2), 1);
  assert_int_equal(m("vuln or not default", "x", DEFSAFE, 2), 0);
}

static void test_globs(void **state) {
  (void)state;
  int by_name = 0;
  assert_int_equal(selexpr_match("http-*", "http-title", NULL, 0, &by_name), 1);
  assert_int_equal(by_name, 1);
  assert_int_equal(selexpr_match("safe", "banner", BANNER_CATS, 2, &by_name),
                   1);
  assert_int_equal(by_name, 0);
  assert_int_equal(m("banner.nse", "banner", NULL, 0), 1);
  assert_int_equal(m("BANNER", "banner", NULL, 0), 0);
  assert_int_equal(m("ban*er", "banner", NULL, 0), 1);
  assert_int_equal(m("*", "banner", NULL, 0), 1);
  assert_int_equal(m("b*x", "banner", NULL, 0), 0);
  assert_int_equal(m("ssl*", "ssl-cert", NULL, 0), 1);
  assert_int_equal(m("ssl*", "sslv2", NULL, 0), 1);
  assert_int_equal(m("*ssl", "ssl-cert", NULL, 0), 0);
  assert_int_equal(m("banner or http-*", "http-title", BANNER_CATS, 2), 1);
  assert_int_equal(selexpr_glob("a.b", 3, "a.b"), 1);
  assert_int_equal(selexpr_glob("a?b", 3, "axb"), 0);
}

static void test_malformed(void **state) {
  (void)state;
  assert_int_equal(m("safe and", "x", DEFSAFE, 2), PT_EPARSE);
  assert_int_equal(m("(safe", "x", DEFSAFE, 2), PT_EPARSE);
  assert_int_equal(m("", "x", DEFSAFE, 2), PT_EPARSE);
  /* Deep nesting and long chains are bounded, not a crash or a hang. */
  char deep[5000];
  memset(deep, '(', sizeof deep - 1);
  deep[sizeof deep - 1] = '\0';
  assert_int_equal(m(deep, "x", DEFSAFE, 2), PT_EPARSE);
  char chain[4000] = "safe";
  for (int i = 0; i < 300; i++)
    strcat(chain, " and safe");
  assert_int_equal(m(chain, "x", DEFSAFE, 2), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_globs),
      cmocka_unit_test(test_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
