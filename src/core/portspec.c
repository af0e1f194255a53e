/* Port list parsing (-p, --exclude-ports), top-N selection (-F,
 * --top-ports, the default scan) and set operations; see portspec.h.
 *
 * Grammar, as Nmap's: a comma list of items, each optionally switching the
 * protocol for the items after it with "T:", "U:" or "S:" (until the next
 * switch). An item is a number, a range with optional open ends ("-100" is
 * 1-100, "60000-" is 60000-65535, "-" is 1-65535: port 0 only when written
 * out), a service-name glob ("http*", matched against the services table,
 * case-sensitive), or one of those in brackets, which keeps only ports the
 * services table names ("[1-1024]").
 *
 * Ports given with a protocol prefix are kept even when that protocol is
 * not in default_protos: the caller decides whether to warn, as Nmap does
 * ("Your ports include \"U:\" but you haven't specified UDP scan").
 *
 * The parser builds a 64 Kbit bitmap per protocol, then the sorted arrays:
 * memory is fixed whatever the input. */
#include "core/portspec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errcode.h"
#include "core/textquote.h"
#include "core/services.h"
#include "core/xalloc.h"

#define ILLEGAL_485                                                            \
  "Error #485: Your port specifications are illegal.  Example of proper "      \
  "form: \"-100,200-1024,T:3000-4000,U:60000-\""
#define ILLEGAL_488                                                            \
  "Error #488: Your port specifications are illegal.  Example of proper "      \
  "form: \"-100,200-1024,T:3000-4000,U:60000-\""

struct bitmaps {
  uint8_t bits[PROTO_COUNT][65536 / 8];
};

static void set_port(struct bitmaps *bm, int p, unsigned port) {
  bm->bits[p][port / 8] |= (uint8_t)(1u << (port % 8));
}

/* Parses a decimal port number at *s; accepts up to 6 digits so that
 * 70000 is reported as out of range rather than malformed. Returns the
 * value, or -1 when there is no digit, -2 when out of range. */
static long parse_num(const char **s) {
  const char *p = *s;
  long v = 0;
  int digits = 0;
  while (isdigit((unsigned char)*p)) {
    if (v <= 1000000)
      v = v * 10 + (*p - '0');
    p++;
    digits++;
  }
  *s = p;
  if (digits == 0)
    return -1;
  return v > 65535 ? -2 : v;
}

struct name_ctx {
  struct bitmaps *bm;
  unsigned protos;
  size_t matched;
};

static void on_name(const struct service_entry *e, void *ud) {
  struct name_ctx *c = ud;
  if (c->protos & (1u << e->proto)) {
    set_port(c->bm, e->proto, e->port);
    c->matched++;
  }
}

/* Sets every port of [lo, hi] in each protocol of `protos`; with
 * `only_known`, only ports the services table names (walking the table
 * rather than looking up each of up to 65536 ports). */
static void set_range(struct bitmaps *bm, unsigned protos, long lo, long hi,
                      int only_known) {
  for (int p = 0; p < PROTO_COUNT; p++) {
    if (!(protos & (1u << p)))
      continue;
    if (only_known) {
      size_t n;
      const struct service_entry *e = services_by_freq((enum proto)p, &n);
      for (size_t i = 0; i < n; i++)
        if (e[i].port >= lo && e[i].port <= hi)
          set_port(bm, p, e[i].port);
    } else {
      for (long port = lo; port <= hi; port++)
        set_port(bm, p, (unsigned)port);
    }
  }
}

/* One item (no commas), already stripped of brackets. */
static int parse_item(const char *item, size_t len, unsigned protos,
                      int only_known, struct bitmaps *bm, char *err,
                      size_t errlen) {
  char *tok = xstrndup(item, len);
  char shown[256];
  text_quote(tok, shown, sizeof shown);
  int rc = 0;
  unsigned char c0 = (unsigned char)tok[0];
  if (islower(c0) || c0 == '*' || c0 == '?') {
    for (const char *q = tok; *q; q++) {
      if (!islower((unsigned char)*q) && !isdigit((unsigned char)*q) &&
          strchr("*?-_.+/[]", *q) == NULL) {
        snprintf(err, errlen, "%s (at \"%s\")", ILLEGAL_485, shown);
        rc = PT_EPARSE;
        goto out;
      }
    }
    struct name_ctx c = {bm, protos, 0};
    services_match(tok, on_name, &c);
    if (c.matched == 0) {
      snprintf(err, errlen,
               "Found no matches for the service mask '%s' and your "
               "specified protocols",
               shown);
      rc = PT_ENOTFOUND;
    }
    goto out;
  }
  if (!isdigit(c0) && c0 != '-') {
    snprintf(err, errlen, "%s (at \"%s\")", ILLEGAL_485, shown);
    rc = PT_EPARSE;
    goto out;
  }
  const char *s = tok;
  long lo = 1, hi = 65535;
  if (*s != '-') {
    lo = parse_num(&s);
    hi = lo;
  }
  if (lo >= 0 && *s == '-') {
    s++;
    hi = *s == '\0' ? 65535 : parse_num(&s);
  }
  if (lo == -2 || hi == -2) {
    snprintf(err, errlen,
             "Ports specified must be between 0 and 65535 inclusive");
    rc = PT_ERANGE;
  } else if (lo < 0 || hi < 0 || *s != '\0') {
    snprintf(err, errlen, "%s (at \"%s\")",
             *s == '-' ? ILLEGAL_488 : ILLEGAL_485, shown);
    rc = PT_EPARSE;
  } else if (hi < lo) {
    snprintf(err, errlen,
             "Your port range %ld-%ld is backwards. Did you mean %ld-%ld?", lo,
             hi, hi, lo);
    rc = PT_EPARSE;
  } else {
    set_range(bm, protos, lo, hi, only_known);
  }
out:
  free(tok);
  return rc;
}

static int proto_letter(char c, int *p) {
  switch (c) {
  case 'T':
    *p = PROTO_TCP;
    return 0;
  case 'U':
    *p = PROTO_UDP;
    return 0;
  case 'S':
    *p = PROTO_SCTP;
    return 0;
  default:
    return -1;
  }
}

static void bitmaps_to_list(const struct bitmaps *bm, struct portlist *out) {
  for (int p = 0; p < PROTO_COUNT; p++) {
    size_t n = 0;
    for (size_t b = 0; b < sizeof bm->bits[p]; b++)
      n += (size_t)__builtin_popcount(bm->bits[p][b]);
    free(out->ports[p]);
    out->ports[p] = n ? xmalloc(n * sizeof(uint16_t)) : NULL;
    out->n[p] = n;
    size_t i = 0;
    for (size_t b = 0; b < sizeof bm->bits[p] && i < n; b++) {
      if (bm->bits[p][b] == 0)
        continue;
      for (unsigned bit = 0; bit < 8; bit++)
        if (bm->bits[p][b] & (1u << bit))
          out->ports[p][i++] = (uint16_t)(b * 8 + bit);
    }
  }
}

int portspec_parse(const char *spec, unsigned default_protos,
                   struct portlist *out, char *err, size_t errlen) {
  if (errlen > 0)
    err[0] = '\0';
  struct bitmaps *bm = xcalloc(1, sizeof *bm);
  for (int p = 0; p < PROTO_COUNT; p++)
    for (size_t i = 0; i < out->n[p]; i++)
      set_port(bm, p, out->ports[p][i]);
  unsigned protos = default_protos;
  const char *s = spec;
  int rc = 0, items = 0;
  for (;;) {
    while (*s == ' ' || *s == '\t')
      s++;
    if (isalpha((unsigned char)s[0]) && s[1] == ':') {
      int p;
      if (proto_letter(s[0], &p) != 0) {
        snprintf(err, errlen,
                 "Error parsing port list: Unknown protocol specifier '%c'.",
                 s[0]);
        rc = PT_EPARSE;
        break;
      }
      protos = 1u << p;
      s += 2;
      if (*s == '\0')
        break;
      continue;
    }
    const char *end = strchr(s, ',');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
      len--;
    const char *item = s;
    int only_known = 0;
    if (len > 0 && item[0] == '[') {
      /* Nmap accepts a missing closing bracket; so do we. */
      only_known = 1;
      item++;
      len--;
      if (len > 0 && item[len - 1] == ']')
        len--;
    }
    /* "[]" is an empty set; a lone "[" or an empty item is malformed. */
    if (len == 0 && !(only_known && item[0] == ']')) {
      snprintf(err, errlen, "%s (empty item)", ILLEGAL_485);
      rc = PT_EPARSE;
      break;
    }
    if (len > 0)
      rc = parse_item(item, len, protos, only_known, bm, err, errlen);
    if (rc != 0)
      break;
    items++;
    if (end == NULL)
      break;
    s = end + 1;
  }
  if (rc == 0 && items == 0 && spec[0] == '\0') {
    snprintf(err, errlen, "%s (empty list)", ILLEGAL_485);
    rc = PT_EPARSE;
  }
  if (rc == 0) {
    bitmaps_to_list(bm, out);
    if (portlist_total(out) == 0) {
      snprintf(err, errlen,
               "No ports specified -- If you really don't want to scan any "
               "ports use ping scan...");
      rc = PT_EPARSE;
    }
  }
  free(bm);
  return rc;
}

int portspec_top(size_t n, unsigned default_protos, struct portlist *out) {
  struct bitmaps *bm = xcalloc(1, sizeof *bm);
  for (int p = 0; p < PROTO_COUNT; p++) {
    for (size_t i = 0; i < out->n[p]; i++)
      set_port(bm, p, out->ports[p][i]);
    if (!(default_protos & (1u << p)))
      continue;
    size_t count;
    const struct service_entry *e = services_by_freq((enum proto)p, &count);
    size_t taken = 0;
    /* Port 0 is never a top port: Nmap scans it only when asked by
     * number. */
    for (size_t i = 0; i < count && taken < n; i++) {
      if (e[i].port == 0)
        continue;
      set_port(bm, p, e[i].port);
      taken++;
    }
  }
  bitmaps_to_list(bm, out);
  free(bm);
  return 0;
}

void portlist_exclude(struct portlist *pl, const struct portlist *excl) {
  for (int p = 0; p < PROTO_COUNT; p++) {
    size_t w = 0, j = 0;
    for (size_t i = 0; i < pl->n[p]; i++) {
      uint16_t port = pl->ports[p][i];
      while (j < excl->n[p] && excl->ports[p][j] < port)
        j++;
      if (j < excl->n[p] && excl->ports[p][j] == port)
        continue;
      pl->ports[p][w++] = port;
    }
    pl->n[p] = w;
    if (w == 0) {
      free(pl->ports[p]);
      pl->ports[p] = NULL;
    }
  }
}

size_t portlist_total(const struct portlist *pl) {
  size_t t = 0;
  for (int p = 0; p < PROTO_COUNT; p++)
    t += pl->n[p];
  return t;
}

void portlist_free(struct portlist *pl) {
  for (int p = 0; p < PROTO_COUNT; p++) {
    free(pl->ports[p]);
    pl->ports[p] = NULL;
    pl->n[p] = 0;
  }
}
