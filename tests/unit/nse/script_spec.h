/* The --script value for the engine tests: script files under the source
 * tree named by a comma list. Header-only (each test_*.c is its own
 * executable). */
#ifndef PORTOLAN_TESTS_NSE_SCRIPT_SPEC_H
#define PORTOLAN_TESTS_NSE_SCRIPT_SPEC_H

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* "<srcdir>/<dir>/<name><ext>" for each name of the comma list `names`,
 * joined by commas (malloc'd). */
static inline char *script_spec_join(const char *srcdir, const char *dir,
                                     const char *names, const char *ext) {
  char *copy = xstrdup(names), *save = NULL, *spec = xstrdup("");
  for (char *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    char *n = xasprintf("%s%s%s/%s/%s%s", spec, *spec ? "," : "", srcdir, dir,
                        tok, ext);
    free(spec);
    spec = n;
  }
  free(copy);
  return spec;
}

#endif
