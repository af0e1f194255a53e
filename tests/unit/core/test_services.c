/* Services table: nmap-services parsing, frequency order and tie-break,
 * name lookup, globs, the /etc/services + built-in fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/services.h"

static char *write_temp(const char *text) {
  char tmpl[] = "/tmp/portolan-svc-XXXXXX";
  int fd = mkstemp(tmpl);
  assert_true(fd >= 0);
  size_t len = strlen(text);
  assert_int_equal(write(fd, text, len), (ssize_t)len);
  close(fd);
  return strdup(tmpl);
}

static const char *table_text = "# comment line\n"
                                "\n"
                                "ftp\t21/tcp\t0.197667\t# File Transfer\n"
                                "ssh\t22/tcp\t0.182286\t# Secure Shell\n"
                                "http\t80/tcp\t0.484143\n"
                                "http\t80/udp\t0.035767\n"
                                "dup\t80/tcp\t0.9\t# later duplicate: ignored\n"
                                "http-alt\t8080/tcp\t0.182286\n"
                                "domain\t53/udp\t0.213496\n"
                                "domain\t53/tcp\t0.048463\n"
                                "sctpthing\t9/sctp\t0.1\n"
                                "nofreq\t7/tcp\n"
                                "bad\tx/tcp\t0.5\n"
                                "bad2\t70000/tcp\t0.5\n"
                                "bad3\t5/icmp\t0.5\n"
                                "bad4\n"
                                "garbage\t99/tcp\tzzz\n";

static void test_nmap_format(void **state) {
  (void)state;
  char *path = write_temp(table_text);
  assert_int_equal(services_load_from(path, NULL), 0);
  assert_string_equal(services_source(), path);
  assert_string_equal(services_name(21, PROTO_TCP), "ftp");
  assert_string_equal(services_name(80, PROTO_TCP), "http");
  assert_string_equal(services_name(53, PROTO_UDP), "domain");
  assert_string_equal(services_name(9, PROTO_SCTP), "sctpthing");
  assert_string_equal(services_name(7, PROTO_TCP), "nofreq");
  assert_string_equal(services_name(99, PROTO_TCP), "garbage");
  assert_null(services_name(5, PROTO_TCP));
  assert_null(services_name(22, PROTO_UDP));
  assert_null(services_name(65535, PROTO_TCP));

  size_t n;
  const struct service_entry *e = services_by_freq(PROTO_TCP, &n);
  /* http, ftp, then ssh and http-alt tie at 0.182286: lower port first. */
  static const uint16_t want[] = {80, 21, 22, 8080, 53, 7, 99};
  assert_int_equal(n, sizeof want / sizeof want[0]);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(e[i].port, want[i]);
    assert_int_equal(e[i].proto, PROTO_TCP);
  }
  assert_true(e[0].freq > 0.48 && e[0].freq < 0.49);
  e = services_by_freq(PROTO_UDP, &n);
  assert_int_equal(n, 2);
  assert_int_equal(e[0].port, 53);
  services_free();
  unlink(path);
  free(path);
}

static void count_cb(const struct service_entry *e, void *ud) {
  (void)e;
  (*(int *)ud)++;
}

static void test_match(void **state) {
  (void)state;
  char *path = write_temp(table_text);
  assert_int_equal(services_load_from(path, NULL), 0);
  static const struct {
    const char *glob;
    size_t n;
  } cases[] = {
      {"http*", 3}, {"http", 2},    {"*", 10}, {"dom?in", 2},
      {"HTTP", 0},  {"nomatch", 0}, {"s*", 2}, {"[fs]*", 3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int calls = 0;
    size_t got = services_match(cases[i].glob, count_cb, &calls);
    if (got != cases[i].n)
      fail_msg("glob %s: %zu matches, want %zu", cases[i].glob, got,
               cases[i].n);
    assert_int_equal((size_t)calls, got);
  }
  services_free();
  unlink(path);
  free(path);
}

static void test_builtin_fallback(void **state) {
  (void)state;
  char *etc = write_temp("myproto 4242/tcp alias1 alias2 # x\n"
                         "http 80/tcp www\n");
  assert_int_equal(services_load_from("/nonexistent/nmap-services", etc), 0);
  assert_non_null(strstr(services_source(), "built-in"));
  assert_string_equal(services_name(4242, PROTO_TCP), "myproto");
  assert_string_equal(services_name(22, PROTO_TCP), "ssh");
  size_t n;
  const struct service_entry *e = services_by_freq(PROTO_TCP, &n);
  assert_true(n >= 1000);
  /* The built-in ranking: strictly decreasing, no port twice, no port 0,
   * and the ubiquitous services near the top. */
  int seen_ssh = 0, seen_https = 0;
  uint8_t seen[65536] = {0};
  for (size_t i = 0; i < n; i++) {
    assert_false(seen[e[i].port]);
    seen[e[i].port] = 1;
    if (i > 0)
      assert_true(e[i].freq <= e[i - 1].freq);
    if (i < 10 && e[i].port == 22)
      seen_ssh = 1;
    if (i < 10 && e[i].port == 443)
      seen_https = 1;
  }
  assert_false(seen[0]);
  assert_true(seen_ssh && seen_https);
  assert_true(e[999].freq > 0);
  e = services_by_freq(PROTO_UDP, &n);
  assert_true(n >= 100);
  assert_int_equal(e[0].port, 53);
  services_free();

  /* No file at all: the built-in list alone, and a negative code. */
  assert_true(services_load_from(NULL, "/nonexistent/services") < 0);
  assert_string_equal(services_source(), "built-in");
  assert_string_equal(services_name(80, PROTO_TCP), "http");
  services_free();
  unlink(etc);
  free(etc);
}

static void test_default_load(void **state) {
  (void)state;
  /* Whatever the machine has, the default load yields a usable table. */
  services_load();
  assert_non_null(services_source());
  size_t n;
  services_by_freq(PROTO_TCP, &n);
  assert_true(n >= 1000);
  assert_int_equal(services_load(), 0); /* idempotent */
  services_free();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nmap_format),
      cmocka_unit_test(test_match),
      cmocka_unit_test(test_builtin_fallback),
      cmocka_unit_test(test_default_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
