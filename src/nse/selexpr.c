/* Script selection expressions (NSE-NOTES §3.2). A direct recursive
 * descent transcription of Nmap's PEG, keeping its precedence quirk: the
 * right side of `and`/`or` is a whole expression, so `A and B or C` means
 * `A and (B or C)`. PEG choices commit: once an alternative has matched,
 * failure later in the same sequence fails the sequence (no retry of
 * later alternatives), which is what produces that grouping.
 *
 * Every function takes the position and returns the position after the
 * match, or -1; the value goes in *v. Recursion depth is bounded by
 * MAX_DEPTH so a spec of ten thousand '(' is an error, not a crash. */
#include "nse/selexpr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/errcode.h"
#include "core/xalloc.h"

#define MAX_DEPTH 1000

struct ctx {
  const char *s;
  size_t len;
  const char *name;
  const char *const *cats;
  size_t ncats;
  int by_name;
  int depth;
  long *memo_q; /* packrat memo of expression(): -2 = not computed */
  int *memo_v;
};

static int is_space(int ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' ||
         ch == '\r';
}

static long skip_space(const struct ctx *c, long p) {
  while ((size_t)p < c->len && is_space((unsigned char)c->s[p]))
    p++;
  return p;
}

/* Case-insensitive keyword followed by space, '(', ')', ',' or the end. */
static long keyword(const struct ctx *c, long p, const char *kw) {
  size_t n = strlen(kw);
  if ((size_t)p + n > c->len || strncasecmp(c->s + p, kw, n) != 0)
    return -1;
  size_t q = (size_t)p + n;
  if (q < c->len) {
    int ch = (unsigned char)c->s[q];
    if (!is_space(ch) && ch != '(' && ch != ')' && ch != ',')
      return -1;
  }
  return (long)q;
}

int selexpr_glob(const char *pat, size_t patlen, const char *name) {
  if (patlen >= 4 && memcmp(pat + patlen - 4, ".nse", 4) == 0)
    patlen -= 4;
  /* Iterative wildcard match with one backtrack point per '*'. */
  size_t pi = 0, ni = 0, nlen = strlen(name);
  size_t star = (size_t)-1, mark = 0;
  while (ni < nlen) {
    if (pi < patlen && pat[pi] == '*') {
      star = pi++;
      mark = ni;
    } else if (pi < patlen && pat[pi] == name[ni]) {
      pi++;
      ni++;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      ni = ++mark;
    } else {
      return 0;
    }
  }
  while (pi < patlen && pat[pi] == '*')
    pi++;
  return pi == patlen;
}

static long expression(struct ctx *c, long p, int *v);

static long value(struct ctx *c, long p, int *v) {
  long q;
  if (++c->depth > MAX_DEPTH)
    return -1;
  if ((q = keyword(c, p, "not")) >= 0) {
    int a;
    q = value(c, skip_space(c, q), &a);
    if (q >= 0) {
      *v = !a;
      goto out;
    }
  }
  if ((size_t)p < c->len && c->s[p] == '(') {
    q = expression(c, skip_space(c, p + 1), v);
    if (q >= 0) {
      q = skip_space(c, q);
      if ((size_t)q < c->len && c->s[q] == ')') {
        q++;
        goto out;
      }
    }
  }
  if ((q = keyword(c, p, "true")) >= 0) {
    *v = 1;
    goto out;
  }
  if ((q = keyword(c, p, "false")) >= 0) {
    *v = 0;
    goto out;
  }
  if ((q = keyword(c, p, "all")) >= 0) {
    *v = 1;
    goto out;
  }
  for (size_t i = 0; i < c->ncats; i++) {
    if ((q = keyword(c, p, c->cats[i])) >= 0) {
      *v = 1;
      goto out;
    }
  }
  /* path: bytes 33..39 and 42..126. */
  q = p;
  while ((size_t)q < c->len) {
    int ch = (unsigned char)c->s[q];
    if (!((ch >= 33 && ch <= 39) || (ch >= 42 && ch <= 126)))
      break;
    q++;
  }
  if (q == p) {
    q = -1;
    goto out;
  }
  *v = selexpr_glob(c->s + p, (size_t)(q - p), c->name);
  if (*v)
    c->by_name = 1;
out:
  c->depth--;
  return q;
}

/* The right side of a binary form whose left side ended at q (-1: the
 * left side did not parse): the keyword `op`, then an expression. */
static long right_side(struct ctx *c, long q, const char *op, int *v) {
  if (q < 0)
    return -1;
  q = keyword(c, skip_space(c, q), op);
  if (q < 0)
    return -1;
  return expression(c, skip_space(c, q), v);
}

static long conjunct(struct ctx *c, long p, int *v) {
  int a, b;
  long q = right_side(c, value(c, p, &a), "and", &b);
  if (q < 0)
    return -1;
  *v = a && b;
  return q;
}

static long disjunct(struct ctx *c, long p, int *v) {
  int a, b;
  long q = conjunct(c, p, &a);
  if (q < 0)
    q = value(c, p, &a);
  q = right_side(c, q, "or", &b);
  if (q < 0)
    return -1;
  *v = a || b;
  return q;
}

/* Memoized: disjunct and conjunct both start with the same value and
 * retry the same right side, which without the memo costs 2^n for a chain
 * of n `and`s. */
static long expression(struct ctx *c, long p, int *v) {
  long q;
  if (c->memo_q[p] != -2) {
    *v = c->memo_v[p];
    return c->memo_q[p];
  }
  if (++c->depth > MAX_DEPTH) {
    c->depth--;
    return -1;
  }
  if ((q = disjunct(c, p, v)) < 0 && (q = conjunct(c, p, v)) < 0)
    q = value(c, p, v);
  c->depth--;
  c->memo_q[p] = q;
  c->memo_v[p] = *v;
  return q;
}

int selexpr_match(const char *spec, const char *name, const char *const *cats,
                  size_t ncats, int *by_name) {
  struct ctx c = {spec, strlen(spec), name, cats, ncats, 0, 0, NULL, NULL};
  int v = 0;
  c.memo_q = xmalloc((c.len + 1) * sizeof *c.memo_q);
  c.memo_v = xcalloc(c.len + 1, sizeof *c.memo_v);
  for (size_t i = 0; i <= c.len; i++)
    c.memo_q[i] = -2;
  long q = expression(&c, skip_space(&c, 0), &v);
  free(c.memo_q);
  free(c.memo_v);
  *by_name = 0;
  if (q < 0 || (size_t)skip_space(&c, q) != c.len)
    return PT_EPARSE;
  *by_name = c.by_name;
  return v;
}
