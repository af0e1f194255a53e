/* The lazy target stream; see targets.h, and target_spec.c for the syntax.
 *
 * Invariants:
 *   - Memory is O(1) per queued spec and per exclusion, whatever the size
 *     of the range: an IPv4 spec is walked through its four octet sets
 *     with a 4-byte cursor, an IPv6 one with a counter over its host bits.
 *   - Order: resolved names pushed back first (FIFO), then sources in the
 *     order they were added; each range ascending. An -iL file is read one
 *     token at a time, when the stream reaches it.
 *   - Exclusions are applied before sharding; shard positions count every
 *     non-excluded item in stream order, so shards i/n for i in [0, n)
 *     partition the stream. A name counts as one position (the shard that
 *     owns the name resolves it); the addresses it resolves to are then
 *     not sharded again.
 *   - Exclusions skip whole blocks rather than testing each address: an
 *     IPv4 cursor computes, once per /24 it enters, which last octets the
 *     union of exclusions leaves and whether one exclusion covers a larger
 *     block; an IPv6 cursor jumps over each excluded aligned block. So
 *     "0.0.0.0/0 --exclude 0.0.0.0/0" ends at once, and no exclusion set
 *     costs more than one test per /24 per exclusion. */
#include "core/targets.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/errcode.h"
#include "core/target_spec.h"
#include "core/xalloc.h"

/* Longest token accepted from a file; longer ones are reported, skipped. */
#define TOKEN_MAX 1024

enum source_kind { SRC_SPEC, SRC_FILE };

struct source {
  enum source_kind kind;
  struct target_spec spec; /* SRC_SPEC */
  FILE *file;              /* SRC_FILE */
  char *path;
  struct source *next;
};

struct cursor {
  struct target_spec spec;
  int active, started;
  uint8_t o[4];  /* SPEC_V4: current octets */
  uint32_t idx6; /* SPEC_V6: current offset in the block */
  /* SPEC_V4 exclusion state for the current first three octets `pfx`:
   * last-octet values not excluded, and the first octet index from which
   * one exclusion covers the rest of the block (4: none). */
  int have_pfx;
  uint8_t pfx[3];
  uint8_t allowed3[32];
  int skip_from;
};

struct target_stream {
  int af;
  struct source *head, *tail;   /* added sources */
  struct source *rhead, *rtail; /* resolved names, first */
  struct target_spec *excl;
  size_t nexcl, capexcl;
  uint64_t shard_i, shard_n, pos;
  struct cursor rcur; /* walks a resolved name's block; goes first */
  struct cursor cur;  /* walks the current added spec */
};

struct target_stream *target_stream_new(int af) {
  struct target_stream *ts = xcalloc(1, sizeof *ts);
  ts->af = af == AF_INET6 ? AF_INET6 : AF_INET;
  return ts;
}

static void source_free(struct source *s) {
  target_spec_clear(&s->spec);
  if (s->file != NULL && s->file != stdin)
    fclose(s->file);
  free(s->path);
  free(s);
}

void target_stream_free(struct target_stream *ts) {
  if (ts == NULL)
    return;
  struct source *lists[2] = {ts->head, ts->rhead};
  for (int l = 0; l < 2; l++) {
    for (struct source *s = lists[l], *n; s != NULL; s = n) {
      n = s->next;
      source_free(s);
    }
  }
  for (size_t i = 0; i < ts->nexcl; i++)
    target_spec_clear(&ts->excl[i]);
  free(ts->excl);
  target_spec_clear(&ts->cur.spec);
  target_spec_clear(&ts->rcur.spec);
  free(ts);
}

static void append(struct source **head, struct source **tail,
                   struct source *s) {
  if (*tail != NULL)
    (*tail)->next = s;
  else
    *head = s;
  *tail = s;
}

int target_stream_add(struct target_stream *ts, const char *spec, char *err,
                      size_t errlen) {
  struct target_spec parsed;
  int rc = target_spec_parse(spec, ts->af, &parsed, err, errlen);
  if (rc != 0)
    return rc;
  struct source *s = xcalloc(1, sizeof *s);
  s->kind = SRC_SPEC;
  s->spec = parsed;
  append(&ts->head, &ts->tail, s);
  return 0;
}

/* Opens a list file; "-" is stdin. A directory opens but reads nothing:
 * refuse it like any other unreadable file. */
static FILE *open_list(const char *path, int *err) {
  if (strcmp(path, "-") == 0)
    return stdin;
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    *err = -errno;
    return NULL;
  }
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    *err = -EISDIR;
    return NULL;
  }
  return f;
}

int target_stream_add_file(struct target_stream *ts, const char *path) {
  int err = 0;
  FILE *f = open_list(path, &err);
  if (f == NULL)
    return err;
  struct source *s = xcalloc(1, sizeof *s);
  s->kind = SRC_FILE;
  s->file = f;
  s->path = xstrdup(path);
  append(&ts->head, &ts->tail, s);
  return 0;
}

int target_stream_exclude(struct target_stream *ts, const char *spec, char *err,
                          size_t errlen) {
  /* Exclusions may be of either family: an IPv6 exclusion simply never
   * matches an IPv4 target. */
  int af = strchr(spec, ':') != NULL ? AF_INET6 : AF_INET;
  struct target_spec parsed;
  int rc = target_spec_parse(spec, af, &parsed, err, errlen);
  if (rc != 0)
    return rc;
  if (err[0] != '\0') {
    /* Nmap is strict here where it only warns for targets. */
    snprintf(err, errlen,
             "Illegal netmask in \"%s\". Must be smaller than address bit "
             "length.",
             spec);
    target_spec_clear(&parsed);
    return PT_EPARSE;
  }
  if (parsed.kind == SPEC_NAME) {
    snprintf(err, errlen,
             "Exclusion \"%s\" is a name: resolve it and exclude its "
             "addresses",
             spec);
    target_spec_clear(&parsed);
    return PT_ERESOLVE;
  }
  ts->excl = xgrow(ts->excl, &ts->capexcl, ts->nexcl + 1, sizeof *ts->excl);
  ts->excl[ts->nexcl++] = parsed;
  return 0;
}

/* Reads the next whitespace-separated token of f, skipping '#' comments to
 * the end of the line. Returns 1 with buf filled, 0 at EOF, -1 for a token
 * longer than TOKEN_MAX (skipped). */
static int read_token(FILE *f, char *buf) {
  int c;
  for (;;) {
    c = getc(f);
    if (c == EOF)
      return 0;
    if (c == '#') {
      while ((c = getc(f)) != EOF && c != '\n')
        ;
      continue;
    }
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' &&
        c != '\f')
      break;
  }
  size_t n = 0;
  int toolong = 0;
  while (c != EOF && c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
         c != '\v' && c != '\f' && c != '#') {
    if (n < TOKEN_MAX)
      buf[n++] = (char)c;
    else
      toolong = 1;
    c = getc(f);
  }
  if (c == '#')
    ungetc(c, f);
  buf[n] = '\0';
  return toolong ? -1 : 1;
}

int target_stream_exclude_file(struct target_stream *ts, const char *path,
                               char *err, size_t errlen) {
  int e = 0;
  FILE *f = open_list(path, &e);
  if (f == NULL) {
    snprintf(err, errlen, "Failed to open exclude file %s for reading: %s",
             path, strerror(-e));
    return e;
  }
  char tok[TOKEN_MAX + 1];
  int r, rc = 0;
  while (rc == 0 && (r = read_token(f, tok)) != 0) {
    if (r < 0) {
      snprintf(err, errlen, "Exclusion in %s longer than %d bytes", path,
               TOKEN_MAX);
      rc = PT_EPARSE;
    } else {
      rc = target_stream_exclude(ts, tok, err, errlen);
    }
  }
  if (f != stdin)
    fclose(f);
  return rc;
}

void target_stream_set_shard(struct target_stream *ts, uint64_t i, uint64_t n) {
  ts->shard_i = i;
  ts->shard_n = n;
}

/* ---- Exclusion tests ---- */

static int oct_subset(const uint8_t a[32], const uint8_t b[32]) {
  for (int i = 0; i < 32; i++)
    if ((a[i] & ~b[i]) != 0)
      return 0;
  return 1;
}

static int excl_v4(const struct target_spec *e, const uint8_t a[4]) {
  for (int k = 0; k < 4; k++)
    if (!oct_has(e->oct[k], a[k]))
      return 0;
  return 1;
}

static int excl_v6(const struct target_spec *e, const uint8_t a[16]) {
  int netbits = 128 - e->hostbits6;
  for (int b = 0; b < netbits; b++) {
    uint8_t m = (uint8_t)(0x80u >> (b % 8));
    if ((a[b / 8] & m) != (e->base6[b / 8] & m))
      return 0;
  }
  return 1;
}

static int excluded4(const struct target_stream *ts, const uint8_t a[4]) {
  for (size_t i = 0; i < ts->nexcl; i++)
    if (ts->excl[i].kind == SPEC_V4 && excl_v4(&ts->excl[i], a))
      return 1;
  return 0;
}

/* Computes the cursor's exclusion state for its first three octets: the
 * union of all matching exclusions over the last octet (so exclusions that
 * only together cover a /24 still skip it in one step), and the largest
 * block a single exclusion covers. */
static void prefix_state(const struct target_stream *ts, struct cursor *c) {
  memcpy(c->allowed3, c->spec.oct[3], 32);
  c->skip_from = 4;
  for (size_t i = 0; i < ts->nexcl; i++) {
    const struct target_spec *e = &ts->excl[i];
    if (e->kind != SPEC_V4 || !oct_has(e->oct[0], c->o[0]) ||
        !oct_has(e->oct[1], c->o[1]) || !oct_has(e->oct[2], c->o[2]))
      continue;
    for (int b = 0; b < 32; b++)
      c->allowed3[b] &= (uint8_t)~e->oct[3][b];
    int k = 4;
    while (k > 0 && oct_subset(c->spec.oct[k - 1], e->oct[k - 1]))
      k--;
    if (k < c->skip_from)
      c->skip_from = k;
  }
  memcpy(c->pfx, c->o, 3);
  c->have_pfx = 1;
}

/* Returns 1 when excluded; *hostbits gets the largest host-bit count of a
 * matching exclusion (its block, aligned, can be skipped whole). */
static int excluded6(const struct target_stream *ts, const uint8_t a[16],
                     int *hostbits) {
  int hit = 0;
  *hostbits = 0;
  for (size_t i = 0; i < ts->nexcl; i++) {
    if (ts->excl[i].kind == SPEC_V6 && excl_v6(&ts->excl[i], a)) {
      hit = 1;
      if (ts->excl[i].hostbits6 > *hostbits)
        *hostbits = ts->excl[i].hostbits6;
    }
  }
  return hit;
}

int target_stream_is_excluded(const struct target_stream *ts,
                              const struct sockaddr *addr) {
  if (addr->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
    uint8_t a[4];
    memcpy(a, &in->sin_addr, 4);
    return excluded4(ts, a);
  }
  if (addr->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
    int hb;
    return excluded6(ts, in6->sin6_addr.s6_addr, &hb);
  }
  return 0;
}

/* ---- Walking one spec ---- */

static int first_in(const uint8_t set[32], int from) {
  for (int v = from; v < 256; v++)
    if (oct_has(set, (unsigned)v))
      return v;
  return -1;
}

static int last_in(const uint8_t set[32]) {
  for (int v = 255; v >= 0; v--)
    if (oct_has(set, (unsigned)v))
      return v;
  return -1;
}

/* Advances the IPv4 cursor to the next address. Returns 0 at the end. */
static int step_v4(struct cursor *c) {
  const struct target_spec *s = &c->spec;
  if (!c->started) {
    c->started = 1;
    for (int k = 0; k < 4; k++) {
      int v = first_in(s->oct[k], 0);
      if (v < 0)
        return 0;
      c->o[k] = (uint8_t)v;
    }
    return 1;
  }
  for (int k = 3; k >= 0; k--) {
    int v = first_in(s->oct[k], c->o[k] + 1);
    if (v >= 0) {
      c->o[k] = (uint8_t)v;
      for (int j = k + 1; j < 4; j++)
        c->o[j] = (uint8_t)first_in(s->oct[j], 0);
      return 1;
    }
  }
  return 0;
}

/* Moves octets [k, 4) to their last values so that the next step leaves
 * the block. */
static void skip_block_v4(struct cursor *c, int k) {
  for (int j = k; j < 4; j++)
    c->o[j] = (uint8_t)last_in(c->spec.oct[j]);
}

static int step_v6(struct cursor *c) {
  uint64_t size = (uint64_t)1 << c->spec.hostbits6;
  if (!c->started) {
    c->started = 1;
    c->idx6 = 0;
    return 1;
  }
  if ((uint64_t)c->idx6 + 1 >= size)
    return 0;
  c->idx6++;
  return 1;
}

static void v6_addr(const struct cursor *c, uint8_t a[16]) {
  memcpy(a, c->spec.base6, 16);
  uint32_t x = c->idx6;
  for (int i = 15; i >= 0 && x != 0; i--) {
    a[i] |= (uint8_t)(x & 0xff);
    x >>= 8;
  }
}

static void fill_addr(struct target *out, int family, const uint8_t *a,
                      uint32_t scope, const struct target_spec *s) {
  memset(out, 0, sizeof *out);
  out->kind = TARGET_ADDR;
  out->prefix = -1;
  out->family = family;
  if (family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)&out->addr;
    in->sin_family = AF_INET;
    memcpy(&in->sin_addr, a, 4);
    out->addrlen = sizeof *in;
  } else {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;
    in6->sin6_family = AF_INET6;
    memcpy(&in6->sin6_addr, a, 16);
    in6->sin6_scope_id = scope;
    out->addrlen = sizeof *in6;
  }
  /* As Nmap, the name goes with the address it was given for, not with
   * the rest of its block ("localhost/24" names only 127.0.0.1). */
  if (s->name != NULL &&
      memcmp(s->nameaddr, a, family == AF_INET ? 4 : 16) == 0)
    out->name = xstrdup(s->name);
}

/* Next non-excluded address of the cursor, or 0 when it is exhausted. */
static int cursor_next(struct target_stream *ts, struct cursor *c,
                       struct target *out) {
  if (c->spec.kind == SPEC_V4) {
    while (step_v4(c)) {
      if (ts->nexcl > 0) {
        if (!c->have_pfx || memcmp(c->pfx, c->o, 3) != 0)
          prefix_state(ts, c);
        if (!oct_has(c->allowed3, c->o[3])) {
          int v = first_in(c->allowed3, c->o[3] + 1);
          if (v < 0) {
            skip_block_v4(c, c->skip_from < 3 ? c->skip_from : 3);
            continue;
          }
          c->o[3] = (uint8_t)v;
        }
      }
      fill_addr(out, AF_INET, c->o, 0, &c->spec);
      return 1;
    }
    return 0;
  }
  while (step_v6(c)) {
    uint8_t a[16];
    v6_addr(c, a);
    int hb;
    if (excluded6(ts, a, &hb)) {
      /* Jump to the last address of the excluded block (both blocks are
       * aligned, so it is the cursor's own end when the exclusion is the
       * larger). */
      if (hb >= c->spec.hostbits6)
        return 0;
      c->idx6 |= (uint32_t)((1u << hb) - 1);
      continue;
    }
    fill_addr(out, AF_INET6, a, c->spec.scope6, &c->spec);
    return 1;
  }
  return 0;
}

static void cursor_load(struct cursor *c, struct target_spec *spec) {
  target_spec_clear(&c->spec);
  memset(c, 0, sizeof *c);
  c->spec = *spec;
  memset(spec, 0, sizeof *spec);
  c->active = 1;
}

static void name_item(struct target *out, struct target_spec *s) {
  memset(out, 0, sizeof *out);
  out->kind = TARGET_NAME;
  out->name = s->name;
  s->name = NULL;
  out->prefix = s->prefix;
  out->family = s->family;
}

/* Whether the shard keeps the next position (and counts it). */
static int shard_keeps(struct target_stream *ts) {
  uint64_t p = ts->pos++;
  return ts->shard_n == 0 || p % ts->shard_n == ts->shard_i;
}

/* Takes the next spec to walk from the added sources; returns 1 with
 * *spec filled, 0 when all are used up. Names are returned too. */
static int next_spec(struct target_stream *ts, struct target_spec *spec,
                     void (*warn)(const char *msg, void *ud), void *ud) {
  while (ts->head != NULL) {
    struct source *s = ts->head;
    if (s->kind == SRC_SPEC) {
      ts->head = s->next;
      if (ts->head == NULL)
        ts->tail = NULL;
      *spec = s->spec;
      memset(&s->spec, 0, sizeof s->spec);
      source_free(s);
      return 1;
    }
    char tok[TOKEN_MAX + 1], err[TOKEN_MAX + 256];
    int r = read_token(s->file, tok);
    if (r == 0) {
      ts->head = s->next;
      if (ts->head == NULL)
        ts->tail = NULL;
      source_free(s);
      continue;
    }
    if (r < 0) {
      snprintf(err, sizeof err, "Target in %s longer than %d bytes skipped",
               s->path, TOKEN_MAX);
      if (warn != NULL)
        warn(err, ud);
      continue;
    }
    int rc = target_spec_parse(tok, ts->af, spec, err, sizeof err);
    if (err[0] != '\0' && warn != NULL)
      warn(err, ud);
    if (rc == 0)
      return 1;
  }
  return 0;
}

int target_stream_next(struct target_stream *ts, struct target *out,
                       void (*warn)(const char *msg, void *ud), void *ud) {
  for (;;) {
    /* Resolved names first, even in the middle of a range. */
    if (!ts->rcur.active && ts->rhead != NULL) {
      struct source *s = ts->rhead;
      ts->rhead = s->next;
      if (ts->rhead == NULL)
        ts->rtail = NULL;
      cursor_load(&ts->rcur, &s->spec);
      source_free(s);
    }
    if (ts->rcur.active) {
      if (cursor_next(ts, &ts->rcur, out))
        return 1;
      ts->rcur.active = 0;
      target_spec_clear(&ts->rcur.spec);
      continue;
    }
    if (ts->cur.active) {
      while (cursor_next(ts, &ts->cur, out)) {
        if (shard_keeps(ts))
          return 1;
        target_clear(out);
      }
      ts->cur.active = 0;
      target_spec_clear(&ts->cur.spec);
    }
    struct target_spec spec;
    if (!next_spec(ts, &spec, warn, ud))
      return 0;
    if (spec.kind == SPEC_NAME) {
      if (shard_keeps(ts)) {
        name_item(out, &spec);
        return 1;
      }
      target_spec_clear(&spec);
      continue;
    }
    cursor_load(&ts->cur, &spec);
  }
}

void target_clear(struct target *t) {
  free(t->name);
  t->name = NULL;
}

int target_stream_push_resolved(struct target_stream *ts, const char *name,
                                const struct sockaddr *addr, socklen_t len,
                                int prefix) {
  if ((addr->sa_family == AF_INET && len < sizeof(struct sockaddr_in)) ||
      (addr->sa_family == AF_INET6 && len < sizeof(struct sockaddr_in6)))
    return PT_EPARSE;
  struct source *s = xcalloc(1, sizeof *s);
  char err[256];
  int rc = target_spec_from_addr(addr, name, prefix, &s->spec, err, sizeof err);
  if (rc != 0) {
    free(s);
    return rc;
  }
  s->kind = SRC_SPEC;
  append(&ts->rhead, &ts->rtail, s);
  return 0;
}
