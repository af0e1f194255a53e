/* Fuzzes the port spec parser: the first byte picks the default
 * protocols and a top-N count, the rest is a -p argument, then reused as
 * --exclude-ports. Services come from the built-in table so that runs are
 * reproducible. Any crash, sanitizer report, unsorted output or overlong
 * message is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/portspec.h"
#include "core/services.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct portlist *pl) {
  for (int p = 0; p < PROTO_COUNT; p++)
    for (size_t i = 1; i < pl->n[p]; i++)
      if (pl->ports[p][i] <= pl->ports[p][i - 1])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int loaded;
  if (!loaded) {
    services_load_from(NULL, NULL);
    loaded = 1;
  }
  if (size == 0)
    return 0;
  unsigned protos = data[0] & 7;
  char *spec = xmemdup(data + 1, size - 1);
  struct portlist pl = {0}, ex = {0};
  char err[512];
  err[0] = '\0';
  int rc = portspec_parse(spec, protos, &pl, err, sizeof err);
  if (rc != 0 && (err[0] == '\0' || memchr(err, '\n', strlen(err)) != NULL))
    abort();
  check(&pl);
  portspec_top((size_t)(data[0] >> 3) * 40, protos, &ex);
  check(&ex);
  portlist_exclude(&pl, &ex);
  check(&pl);
  portlist_free(&ex);
  if (portspec_parse(spec, protos, &ex, err, sizeof err) == 0)
    portlist_exclude(&pl, &ex);
  check(&pl);
  portlist_free(&pl);
  portlist_free(&ex);
  free(spec);
  return 0;
}
