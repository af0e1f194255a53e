/* Port lists: -p, -F, --top-ports, --exclude-ports, as Nmap parses them
 * ("22,80-90,U:53,T:443", "-", "http*", "[1-1024]", ranges with open ends
 * like "-100" and "60000-"). Pure parser: text in, sorted set out. */
#ifndef PORTOLAN_CORE_PORTSPEC_H
#define PORTOLAN_CORE_PORTSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/host.h"

/* Sorted, de-duplicated port numbers per protocol. */
struct portlist {
  uint16_t *ports[PROTO_COUNT];
  size_t n[PROTO_COUNT];
};

/* Parses `spec` into `out` (zeroed by the caller or by portlist_free; ports
 * already in `out` are kept, so calls accumulate).
 * `default_protos` is a mask (1 << PROTO_TCP ...) of the protocols that
 * unprefixed ports apply to (the scan types selected). Ports with a "T:",
 * "U:" or "S:" prefix are kept even for a protocol outside the mask: the
 * caller warns as Nmap does. An empty result is an error ("No ports
 * specified -- ..."). Names need a loaded services table (lazy). Returns
 * PT_ENOTFOUND for a name glob that matched nothing. On error returns
 * PT_EPARSE or PT_ERANGE and writes a one-line message naming the bad part
 * into err (e.g. "Error #485: Your port specifications are illegal. Example
 * of proper form: \"-100,200-1024,T:3000-4000,U:60000-\"" followed by the
 * offending token). */
int portspec_parse(const char *spec, unsigned default_protos,
                   struct portlist *out, char *err, size_t errlen);

/* The n most frequent ports of each protocol in default_protos (n = 1000
 * for the default scan, 100 for -F). */
int portspec_top(size_t n, unsigned default_protos, struct portlist *out);

/* Removes every port of `excl` from `pl`. */
void portlist_exclude(struct portlist *pl, const struct portlist *excl);
size_t portlist_total(const struct portlist *pl);
void portlist_free(struct portlist *pl);

#endif
