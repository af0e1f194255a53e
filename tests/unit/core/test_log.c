/* log.h: the -v/-d lines go to stdout at their level, and nowhere while
 * log_stdout_muted (a report on stdout); warnings and errors always go to
 * stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"

/* Runs fn with file descriptor fd (1 or 2) sent to a temporary file and
 * returns what was written there (malloc'd). */
static char *capture(int fd, void (*fn)(void)) {
  FILE *f = fd == 1 ? stdout : stderr;
  FILE *tmp = tmpfile();
  assert_non_null(tmp);
  fflush(f);
  int saved = dup(fd);
  assert_true(saved >= 0);
  assert_true(dup2(fileno(tmp), fd) >= 0);
  fn();
  fflush(f);
  assert_true(dup2(saved, fd) >= 0);
  close(saved);
  long n = ftell(tmp);
  assert_true(n >= 0);
  char *buf = calloc(1, (size_t)n + 1);
  assert_non_null(buf);
  rewind(tmp);
  assert_int_equal(fread(buf, 1, (size_t)n, tmp), (size_t)n);
  fclose(tmp);
  return buf;
}

static void emit_all(void) {
  log_verbose(1, "verbose %d", 1);
  log_verbose(2, "verbose %d", 2);
  log_debug(1, "debug %d", 1);
}

static void emit_errors(void) {
  log_warn("careful");
  log_error("broken");
}

static void test_levels(void **state) {
  (void)state;
  log_verbosity = 1;
  log_debugging = 1;
  log_stdout_muted = 0;
  char *out = capture(1, emit_all);
  assert_string_equal(out, "verbose 1\ndebug 1\n");
  free(out);
}

static void test_muted(void **state) {
  (void)state;
  log_verbosity = 2;
  log_debugging = 2;
  log_stdout_muted = 1;
  char *out = capture(1, emit_all);
  assert_string_equal(out, "");
  free(out);
  /* Muting stdout never hides warnings and errors. */
  char *err = capture(2, emit_errors);
  assert_string_equal(err, "WARNING: careful\nbroken\n");
  free(err);
  log_stdout_muted = 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_levels),
      cmocka_unit_test(test_muted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
