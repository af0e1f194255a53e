/* One parsed target specification, shared by the target stream
 * (targets.c) and its parser (target_spec.c). Internal to src/core.
 *
 * An IPv4 spec is four octet sets (256-bit maps): CIDR, octet ranges and
 * lists, and their mix all reduce to that, and walking the sets in order
 * yields addresses in ascending order with O(1) state. An IPv6 spec is a
 * base address and a count of host bits (at most 24: /104 and longer). A
 * name is kept as text with its prefix for the caller to resolve. */
#ifndef PORTOLAN_CORE_TARGET_SPEC_H
#define PORTOLAN_CORE_TARGET_SPEC_H

#include <stddef.h>
#include <stdint.h>

enum spec_kind { SPEC_V4, SPEC_V6, SPEC_NAME };

/* Shortest IPv6 prefix accepted: 2^24 addresses at most. */
#define SPEC_V6_MIN_PREFIX 104

struct target_spec {
  enum spec_kind kind;
  uint8_t oct[4][32];   /* SPEC_V4: octet sets */
  uint8_t base6[16];    /* SPEC_V6: network address */
  int hostbits6;        /* SPEC_V6: 128 - prefix */
  uint32_t scope6;      /* SPEC_V6: zone index, 0 when none */
  char *name;           /* SPEC_NAME: the name; else the name the address
                           came from ("127.1", a resolved name), or NULL */
  uint8_t nameaddr[16]; /* the address `name` belongs to (4 or 16 bytes) */
  int prefix;           /* SPEC_NAME: /bits, -1 when none */
  int family;           /* SPEC_NAME: wanted family */
};

/* Parses one spec for address family af (AF_INET or AF_INET6). Returns 0
 * (err may then hold a warning such as Nmap's "Illegal netmask ...
 * Assuming /32"), or PT_EPARSE with a one-line message in err. The spec
 * owns `name`: free with target_spec_clear. */
int target_spec_parse(const char *text, int af, struct target_spec *out,
                      char *err, size_t errlen);
void target_spec_clear(struct target_spec *s);

/* Builds a spec from a resolved address and prefix (< 0: the address
 * alone). Returns 0 or PT_EPARSE (bad prefix, unknown family). */
int target_spec_from_addr(const void *sa, const char *name, int prefix,
                          struct target_spec *out, char *err, size_t errlen);

static inline int oct_has(const uint8_t set[32], unsigned v) {
  return (set[v / 8] >> (v % 8)) & 1;
}

#endif
