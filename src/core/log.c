/* Diagnostics; see log.h. Lines are written whole with one call so that
 * they never interleave with report output. */
#include "core/log.h"

#include <stdio.h>

int log_verbosity = 0;
int log_debugging = 0;
int log_stdout_muted = 0;

__attribute__((format(printf, 3, 0))) static void
emit(FILE *f, const char *prefix, const char *fmt, va_list ap) {
  char line[4096];
  int n = vsnprintf(line, sizeof line, fmt, ap);
  if (n < 0)
    return;
  fprintf(f, "%s%s\n", prefix, line);
  fflush(f);
}

void log_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit(stderr, "WARNING: ", fmt, ap);
  va_end(ap);
}

void log_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit(stderr, "", fmt, ap);
  va_end(ap);
}

void log_verbose(int level, const char *fmt, ...) {
  if (log_verbosity < level || log_stdout_muted)
    return;
  va_list ap;
  va_start(ap, fmt);
  emit(stdout, "", fmt, ap);
  va_end(ap);
}

void log_debug(int level, const char *fmt, ...) {
  if (log_debugging < level || log_stdout_muted)
    return;
  va_list ap;
  va_start(ap, fmt);
  emit(stdout, "", fmt, ap);
  va_end(ap);
}
