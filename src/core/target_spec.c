/* Parsing of one target specification into a struct target_spec; see
 * target_spec.h. Pure: text in, spec or one-line message out.
 *
 * What is what, as Nmap decides it (checked with `nmap -sL -n`):
 *   - "/bits" is split off the end first; a non-numeric or empty mask is
 *     "Unable to split netmask"; a mask longer than the address is a
 *     warning and means one host.
 *   - Four dot-separated octet expressions (N, N-M, open ends, "-", "*",
 *     comma lists) are an IPv4 range; with a mask, each octet's set widens
 *     to the whole block of every member (10.0.0.5,9/31 = .4,.5,.8,.9).
 *   - Anything else that inet_aton takes ("127.1", "0x7f.1") is that one
 *     address, named by the text (Nmap resolves such names numerically).
 *   - Text with a ':' is IPv6: only with -6, and only /104 or longer.
 *   - Otherwise a syntactically possible host name; all-numeric text that
 *     got here (300.1.1.1, 10.0.0.5-3) is "Failed to resolve". */
#include "core/target_spec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errcode.h"
#include "core/textquote.h"
#include "core/xalloc.h"

static void oct_set(uint8_t set[32], unsigned v) {
  set[v / 8] |= (uint8_t)(1u << (v % 8));
}

/* Parses a decimal octet value (leading zeros allowed, as Nmap). */
static int parse_octet_num(const char **s, unsigned *v) {
  const char *p = *s;
  unsigned n = 0;
  int digits = 0;
  while (isdigit((unsigned char)*p)) {
    n = n * 10 + (unsigned)(*p - '0');
    if (n > 255)
      return -1;
    p++;
    digits++;
  }
  if (digits == 0)
    return -1;
  *s = p;
  *v = n;
  return 0;
}

/* One octet expression [start, end): "*", or a comma list of N, N-M, -M,
 * N-, "-". Returns 0 with the set filled, or -1. */
static int parse_octet(const char *start, const char *end, uint8_t set[32]) {
  memset(set, 0, 32);
  if (end - start == 1 && *start == '*') {
    memset(set, 0xff, 32);
    return 0;
  }
  const char *p = start;
  for (;;) {
    unsigned lo = 0, hi = 255;
    if (p >= end)
      return -1;
    if (*p != '-') {
      if (parse_octet_num(&p, &lo) != 0)
        return -1;
      hi = lo;
    }
    if (p < end && *p == '-') {
      p++;
      hi = 255;
      if (p < end && isdigit((unsigned char)*p) &&
          parse_octet_num(&p, &hi) != 0)
        return -1;
    }
    if (hi < lo)
      return -1;
    for (unsigned v = lo; v <= hi; v++)
      oct_set(set, v);
    if (p == end)
      return 0;
    if (*p != ',')
      return -1;
    p++;
  }
}

/* The dotted-octet range form; `len` excludes any mask. */
static int parse_v4_ranges(const char *text, size_t len, uint8_t oct[4][32]) {
  const char *p = text, *end = text + len;
  for (int i = 0; i < 4; i++) {
    const char *dot = memchr(p, '.', (size_t)(end - p));
    const char *stop = i < 3 ? dot : end;
    if (stop == NULL || (i == 3 && dot != NULL))
      return -1;
    if (parse_octet(p, stop, oct[i]) != 0)
      return -1;
    p = stop + 1;
  }
  return 0;
}

static void v4_from_addr(uint32_t host_order, uint8_t oct[4][32]) {
  memset(oct, 0, 4 * 32);
  for (int i = 0; i < 4; i++)
    oct_set(oct[i], (host_order >> (24 - 8 * i)) & 0xff);
}

/* Widens each octet set to the /prefix blocks of its members. */
static void v4_apply_prefix(uint8_t oct[4][32], int prefix) {
  for (int i = 0; i < 4; i++) {
    int bits = prefix - 8 * i; /* network bits inside this octet */
    if (bits >= 8)
      continue;
    unsigned mask = bits <= 0 ? 0 : (0xffu << (8 - bits)) & 0xff;
    uint8_t widened[32] = {0};
    for (unsigned v = 0; v < 256; v++)
      if (oct_has(oct[i], v))
        for (unsigned x = v & mask; x <= ((v & mask) | (~mask & 0xff)); x++)
          oct_set(widened, x);
    memcpy(oct[i], widened, 32);
  }
}

/* Only characters a resolver could accept, non-empty labels of at most 63
 * bytes, 253 in all (a trailing dot allowed). */
static int plausible_name(const char *s, size_t len) {
  if (len == 0 || len > 254 || (len == 254 && s[253] != '.'))
    return 0;
  size_t label = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.') {
      if (label == 0)
        return 0;
      label = 0;
      continue;
    }
    if (!isalnum(c) && c != '-' && c != '_')
      return 0;
    if (++label > 63)
      return 0;
  }
  return 1;
}

static int all_numeric_like(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!isdigit((unsigned char)s[i]) && strchr(".-,*", s[i]) == NULL)
      return 0;
  return 1;
}

/* Splits "/bits" off. Returns 0 with *len shortened and *prefix set (-1
 * when there is no mask), or -1 for a malformed mask. */
static int split_mask(const char *text, size_t *len, int *prefix) {
  const char *slash = strrchr(text, '/');
  *prefix = -1;
  if (slash == NULL)
    return 0;
  const char *m = slash + 1;
  if (*m == '\0')
    return -1;
  long v = 0;
  for (; *m; m++) {
    if (!isdigit((unsigned char)*m))
      return -1;
    if (v < 1000)
      v = v * 10 + (*m - '0');
  }
  *prefix = (int)v;
  *len = (size_t)(slash - text);
  return 0;
}

static int fail_resolve(const char *text, char *err, size_t errlen) {
  if (strcmp(text, "-") == 0)
    snprintf(err, errlen,
             "Failed to resolve \"-\". Bare '-': did you put a space between "
             "'--'?");
  else
    snprintf(err, errlen, "Failed to resolve \"%s\".", text);
  return PT_EPARSE;
}

/* Our sanity limit, not Nmap's (7.93 would try to list a /64). */
static int too_wide_v6(const char *shown, char *err, size_t errlen) {
  snprintf(err, errlen,
           "Illegal netmask in \"%s\": IPv6 prefixes shorter than /%d "
           "(over %u hosts) are not supported",
           shown, SPEC_V6_MIN_PREFIX, 1u << (128 - SPEC_V6_MIN_PREFIX));
  return PT_EPARSE;
}

static void v6_apply_prefix(struct target_spec *out, int prefix) {
  out->hostbits6 = 128 - prefix;
  for (int b = prefix; b < 128; b++)
    out->base6[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
}

/* `shown` is the spec quoted for messages. */
static int parse_v6(const char *text, size_t len, const char *shown, int prefix,
                    struct target_spec *out, char *err, size_t errlen) {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (len >= sizeof buf)
    return fail_resolve(shown, err, errlen);
  memcpy(buf, text, len);
  buf[len] = '\0';
  char *zone = strchr(buf, '%');
  uint32_t scope = 0;
  if (zone != NULL) {
    *zone++ = '\0';
    scope = if_nametoindex(zone);
    if (scope == 0) {
      char *end;
      unsigned long v = strtoul(zone, &end, 10);
      if (*zone == '\0' || *end != '\0' || v == 0 || v > UINT32_MAX)
        return fail_resolve(shown, err, errlen);
      scope = (uint32_t)v;
    }
  }
  struct in6_addr a;
  if (inet_pton(AF_INET6, buf, &a) != 1)
    return fail_resolve(shown, err, errlen);
  out->kind = SPEC_V6;
  memcpy(out->base6, &a, 16);
  memcpy(out->nameaddr, &a, 16);
  out->scope6 = scope;
  if (prefix > 128) {
    snprintf(err, errlen, "Illegal netmask in \"%s\". Assuming /128 (one host)",
             shown);
    prefix = -1;
  }
  if (prefix >= 0 && prefix < SPEC_V6_MIN_PREFIX) {
    return too_wide_v6(shown, err, errlen);
  }
  v6_apply_prefix(out, prefix < 0 ? 128 : prefix);
  return 0;
}

int target_spec_parse(const char *text, int af, struct target_spec *out,
                      char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (errlen > 0)
    err[0] = '\0';
  char shown[256];
  text_quote(text, shown, sizeof shown);
  size_t len = strlen(text);
  int prefix;
  if (split_mask(text, &len, &prefix) != 0) {
    snprintf(err, errlen,
             "Unable to split netmask from target expression: \"%s\"", shown);
    return PT_EPARSE;
  }
  if (memchr(text, ':', len) != NULL) {
    if (af != AF_INET6) {
      snprintf(err, errlen,
               "%s looks like an IPv6 target specification -- you have to "
               "use the -6 option.",
               shown);
      return PT_EPARSE;
    }
    return parse_v6(text, len, shown, prefix, out, err, errlen);
  }

  int maxbits = af == AF_INET6 ? 128 : 32;
  if (prefix > maxbits) {
    snprintf(err, errlen, "Illegal netmask in \"%s\". Assuming /%d (one host)",
             shown, maxbits);
    prefix = -1;
  }
  uint8_t oct[4][32];
  int is_v4 = parse_v4_ranges(text, len, oct) == 0;
  struct in_addr a;
  char *part = xstrndup(text, len);
  /* glibc's inet_aton ignores anything after a space: check the text. */
  int is_aton = !is_v4 && strspn(part, "0123456789abcdefABCDEFxX.") == len &&
                inet_aton(part, &a) != 0;
  if ((is_v4 || is_aton) && af == AF_INET6) {
    snprintf(err, errlen,
             "Hostname %s resolves, but not to any IPv6 address. Try "
             "scanning without -6",
             text_quote(part, shown, sizeof shown));
    free(part);
    return PT_EPARSE;
  }
  if (is_v4 || is_aton) {
    out->kind = SPEC_V4;
    if (is_v4) {
      memcpy(out->oct, oct, sizeof oct);
    } else {
      v4_from_addr(ntohl(a.s_addr), out->oct);
      out->name = xstrdup(part);
      memcpy(out->nameaddr, &a.s_addr, 4);
    }
    if (prefix >= 0)
      v4_apply_prefix(out->oct, prefix);
    free(part);
    return 0;
  }
  if (all_numeric_like(part, len) || !plausible_name(part, len)) {
    free(part);
    return fail_resolve(shown, err, errlen);
  }
  if (af == AF_INET6 && prefix >= 0 && prefix < SPEC_V6_MIN_PREFIX) {
    free(part);
    return too_wide_v6(shown, err, errlen);
  }
  out->kind = SPEC_NAME;
  out->name = part;
  out->prefix = prefix;
  out->family = af;
  return 0;
}

int target_spec_from_addr(const void *sa, const char *name, int prefix,
                          struct target_spec *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (errlen > 0)
    err[0] = '\0';
  const struct sockaddr *s = sa;
  if (s->sa_family == AF_INET) {
    const struct sockaddr_in *in = sa;
    if (prefix > 32) {
      snprintf(err, errlen, "Illegal netmask /%d for %s", prefix,
               name ? name : "address");
      return PT_EPARSE;
    }
    out->kind = SPEC_V4;
    v4_from_addr(ntohl(in->sin_addr.s_addr), out->oct);
    memcpy(out->nameaddr, &in->sin_addr, 4);
    if (prefix >= 0)
      v4_apply_prefix(out->oct, prefix);
  } else if (s->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = sa;
    if (prefix > 128 || (prefix >= 0 && prefix < SPEC_V6_MIN_PREFIX)) {
      snprintf(err, errlen, "Illegal netmask /%d for %s", prefix,
               name ? name : "address");
      return PT_EPARSE;
    }
    out->kind = SPEC_V6;
    memcpy(out->base6, &in6->sin6_addr, 16);
    memcpy(out->nameaddr, &in6->sin6_addr, 16);
    out->scope6 = in6->sin6_scope_id;
    v6_apply_prefix(out, prefix < 0 ? 128 : prefix);
  } else {
    snprintf(err, errlen, "Unsupported address family %d", s->sa_family);
    return PT_EPARSE;
  }
  out->name = name ? xstrdup(name) : NULL;
  return 0;
}

void target_spec_clear(struct target_spec *s) {
  free(s->name);
  s->name = NULL;
}
