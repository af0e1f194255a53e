/* --script-trace rendering (NSE-NOTES §10.1), against the captured Nmap
 * lines quoted there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "nse/trace.h"

static void expect(const char *data, size_t len, const char *want) {
  char *got = nse_trace_render(data, len);
  assert_string_equal(got, want);
  free(got);
}

static void test_printable(void **state) {
  (void)state;
  expect("hello world, this is printable text\n", 36,
         "hello world, this is printable text\n");
  /* 1 of 11 bytes unprintable is under 95%: hex. 1 of 40: raw. */
  expect("hello, world, a longer line of text \1 ok", 40,
         "hello, world, a longer line of text   \\1 ok");
}

static void test_hexdump(void **state) {
  (void)state;
  expect("\0\1\2\3", 4,
         "00000000: 00 01 02 03                                "
         "         \n");
  expect("line1\nline2\r\nline3\npartial", 26,
         "00000000: 6c 69 6e 65 31 0a 6c 69 6e 65 32 0d 0a 6c 69 6e "
         "line1 line2  lin\n"
         "00000010: 65 33 0a 70 61 72 74 69 61 6c                   "
         "e3 partial\n");
}

static void test_head(void **state) {
  (void)state;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(58274)};
  struct sockaddr_in b = {.sin_family = AF_INET, .sin_port = htons(18083)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  inet_pton(AF_INET, "127.0.0.1", &b.sin_addr);
  char buf[128];
  nse_trace_head(buf, sizeof buf, "TCP", (struct sockaddr *)&a, '>',
                 (struct sockaddr *)&b);
  assert_string_equal(buf, "TCP 127.0.0.1:58274 > 127.0.0.1:18083");
  nse_trace_head(buf, sizeof buf, "UDP", NULL, '>', (struct sockaddr *)&b);
  assert_string_equal(buf, "UDP 0.0.0.0:0 > 127.0.0.1:18083");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_printable),
      cmocka_unit_test(test_hexdump),
      cmocka_unit_test(test_head),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
