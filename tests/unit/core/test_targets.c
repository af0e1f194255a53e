/* Target specs and the lazy stream: a table of good and bad specs (the
 * expansions and messages were checked against `nmap -sL -n SPEC`), huge
 * ranges streamed without materialising them, exclusions across ranges,
 * shards covering the stream exactly once, -iL files, names pushed back,
 * IPv6. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/errcode.h"
#include "core/targets.h"

static void addr_str(const struct target *t, char *buf, size_t len) {
  if (t->kind == TARGET_NAME) {
    snprintf(buf, len, "name:%s/%d", t->name, t->prefix);
    return;
  }
  if (t->addr.ss_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)&t->addr)->sin_addr, buf,
              (socklen_t)len);
  else
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&t->addr)->sin6_addr,
              buf, (socklen_t)len);
}

/* Joins up to `max` items as "a b c", and returns the total count (up to
 * `cap`); `last` gets the last item seen. */
static uint64_t expand(struct target_stream *ts, char *out, size_t outlen,
                       size_t max, uint64_t cap, char *last, size_t lastlen) {
  uint64_t n = 0;
  size_t w = 0;
  struct target t, keep = {0};
  out[0] = '\0';
  if (last != NULL)
    last[0] = '\0';
  while (n < cap && target_stream_next(ts, &t, NULL, NULL)) {
    if (n < max) {
      char a[128];
      addr_str(&t, a, sizeof a);
      if (t.kind == TARGET_ADDR && t.name != NULL) {
        size_t l = strlen(a);
        snprintf(a + l, sizeof a - l, "(%s)", t.name);
      }
      w += (size_t)snprintf(out + w, outlen - w, "%s%s", n ? " " : "", a);
    }
    /* Formatting every item would dominate the run time of the big
     * ranges: keep the last one, format it at the end. */
    target_clear(&keep);
    keep = t;
    n++;
  }
  if (last != NULL && n > 0)
    addr_str(&keep, last, lastlen);
  target_clear(&keep);
  return n;
}

struct tcase {
  const char *spec;
  int af;
  int rc;
  const char *msg; /* substring of err ("" = must be empty) */
  uint64_t count;
  const char *first; /* first items, space separated */
  const char *last;
};

#define V4 AF_INET
#define V6 AF_INET6

static const struct tcase cases[] = {
    {"10.0.0.1", V4, 0, "", 1, "10.0.0.1", "10.0.0.1"},
    {"10.0.0.0/30", V4, 0, "", 4, "10.0.0.0 10.0.0.1 10.0.0.2", "10.0.0.3"},
    {"10.0.0.1/31", V4, 0, "", 2, "10.0.0.0 10.0.0.1", "10.0.0.1"},
    {"10.0.0.1/32", V4, 0, "", 1, "10.0.0.1", "10.0.0.1"},
    {"192.168.0-3,7.1-2", V4, 0, "", 10, "192.168.0.1 192.168.0.2 192.168.1.1",
     "192.168.7.2"},
    {"10.0.0.-", V4, 0, "", 256, "10.0.0.0 10.0.0.1", "10.0.0.255"},
    {"10.-.0.1", V4, 0, "", 256, "10.0.0.1 10.1.0.1", "10.255.0.1"},
    {"10.0.0.1-", V4, 0, "", 255, "10.0.0.1 10.0.0.2", "10.0.0.255"},
    {"10.0.0.-0", V4, 0, "", 1, "10.0.0.0", "10.0.0.0"},
    {"10.0.0,1.1", V4, 0, "", 2, "10.0.0.1 10.0.1.1", "10.0.1.1"},
    {"10.0.0.1-3,2", V4, 0, "", 3, "10.0.0.1 10.0.0.2 10.0.0.3", "10.0.0.3"},
    {"10.0.0.3-3", V4, 0, "", 1, "10.0.0.3", "10.0.0.3"},
    {"10.0.0.01", V4, 0, "", 1, "10.0.0.1", "10.0.0.1"},
    {"10.0.*.1", V4, 0, "", 256, "10.0.0.1 10.0.1.1", "10.0.255.1"},
    {"10.0.0.5,9/31", V4, 0, "", 4, "10.0.0.4 10.0.0.5 10.0.0.8 10.0.0.9",
     "10.0.0.9"},
    {"10.0.0.5-7/30", V4, 0, "", 4, "10.0.0.4", "10.0.0.7"},
    {"10.0-3.0.1/24", V4, 0, "", 1024, "10.0.0.0", "10.3.0.255"},
    {"10.1-2.0.0/16", V4, 0, "", 131072, "10.1.0.0 10.1.0.1", "10.2.255.255"},
    {"1.2.3.4/12", V4, 0, "", 1048576, "1.0.0.0 1.0.0.1", "1.15.255.255"},
    {"1.2.3.4/016", V4, 0, "", 65536, "1.2.0.0", "1.2.255.255"},
    {"10.0.0.0/33", V4, 0, "Illegal netmask in \"10.0.0.0/33\". Assuming /32",
     1, "10.0.0.0", "10.0.0.0"},
    {"127.1", V4, 0, "", 1, "127.0.0.1(127.1)", NULL},
    {"0x7f.1", V4, 0, "", 1, "127.0.0.1(0x7f.1)", NULL},
    {"10.0.0.0x1", V4, 0, "", 1, "10.0.0.1(10.0.0.0x1)", NULL},
    {"1.2.3", V4, 0, "", 1, "1.2.0.3(1.2.3)", NULL},
    {"127.1/30", V4, 0, "", 4, "127.0.0.0 127.0.0.1(127.1) 127.0.0.2", NULL},
    {"localhost", V4, 0, "", 1, "name:localhost/-1", NULL},
    {"scanme.example.org/24", V4, 0, "", 1, "name:scanme.example.org/24", NULL},
    {"a_b", V4, 0, "", 1, "name:a_b/-1", NULL},
    {"x/33", V4, 0, "Assuming /32", 1, "name:x/-1", NULL},
    {"1e100.net.", V4, 0, "", 1, "name:1e100.net./-1", NULL},
    /* Bad specs and Nmap's messages. */
    {"1.2.3.4.5", V4, PT_EPARSE, "Failed to resolve \"1.2.3.4.5\".", 0, "",
     NULL},
    {"300.1.1.1", V4, PT_EPARSE, "Failed to resolve \"300.1.1.1\".", 0, "",
     NULL},
    {"10.0.0.5-3", V4, PT_EPARSE, "Failed to resolve", 0, "", NULL},
    {"10.0.0.256", V4, PT_EPARSE, "Failed to resolve", 0, "", NULL},
    {"10.0.0.1-256", V4, PT_EPARSE, "Failed to resolve", 0, "", NULL},
    {"10.0.0.,1", V4, PT_EPARSE, "Failed to resolve", 0, "", NULL},
    {"10.0.0.1 ", V4, PT_EPARSE, "Failed to resolve \"10.0.0.1 \".", 0, "",
     NULL},
    {"1..2.3", V4, PT_EPARSE, "Failed to resolve", 0, "", NULL},
    {"foo bar", V4, PT_EPARSE, "Failed to resolve \"foo bar\".", 0, "", NULL},
    {"a..b", V4, PT_EPARSE, "Failed to resolve", 0, "", NULL},
    {"a\tb\r", V4, PT_EPARSE, "Failed to resolve \"a\\x09b\\x0d\".", 0, "",
     NULL},
    {"", V4, PT_EPARSE, "Failed to resolve \"\".", 0, "", NULL},
    {"-", V4, PT_EPARSE, "Bare '-'", 0, "", NULL},
    {"*", V4, PT_EPARSE, "Failed to resolve", 0, "", NULL},
    {"[::1]", V4, PT_EPARSE, "looks like an IPv6", 0, "", NULL},
    {"::1", V4, PT_EPARSE,
     "::1 looks like an IPv6 target specification -- you have to use the -6 "
     "option.",
     0, "", NULL},
    {"10.0.0.1/", V4, PT_EPARSE,
     "Unable to split netmask from target expression: \"10.0.0.1/\"", 0, "",
     NULL},
    {"10.0.0.1/abc", V4, PT_EPARSE, "Unable to split netmask", 0, "", NULL},
    {"1.1.1.1/-1", V4, PT_EPARSE, "Unable to split netmask", 0, "", NULL},
    {"1.2.3.4/ 8", V4, PT_EPARSE, "Unable to split netmask", 0, "", NULL},
    {"1.2.3.4/24,5", V4, PT_EPARSE, "Unable to split netmask", 0, "", NULL},
    {"/24", V4, PT_EPARSE, "Failed to resolve", 0, "", NULL},
    /* IPv6 (-6). */
    {"::1", V6, 0, "", 1, "::1", "::1"},
    {"::1/126", V6, 0, "", 4, ":: ::1 ::2 ::3", "::3"},
    {"2001:db8::/120", V6, 0, "", 256, "2001:db8:: 2001:db8::1",
     "2001:db8::ff"},
    {"2001:db8::1:2/112", V6, 0, "", 65536, "2001:db8::1:0",
     "2001:db8::1:ffff"},
    {"::1/129", V6, 0, "Assuming /128", 1, "::1", "::1"},
    {"fe80::1%1", V6, 0, "", 1, "fe80::1", NULL},
    {"::1/100", V6, PT_EPARSE, "Illegal netmask in \"::1/100\"", 0, "", NULL},
    {"::1-3", V6, PT_EPARSE, "Failed to resolve \"::1-3\".", 0, "", NULL},
    {"fe80::1%nosuchif0", V6, PT_EPARSE, "Failed to resolve", 0, "", NULL},
    {"127.0.0.1", V6, PT_EPARSE,
     "Hostname 127.0.0.1 resolves, but not to any IPv6 address. Try "
     "scanning without -6",
     0, "", NULL},
    {"10.0.0.0/8", V6, PT_EPARSE, "Hostname 10.0.0.0 resolves", 0, "", NULL},
    {"localhost/120", V6, 0, "", 1, "name:localhost/120", NULL},
    {"localhost/64", V6, PT_EPARSE, "Illegal netmask in \"localhost/64\"", 0,
     "", NULL},
};

static void test_cases(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct tcase *c = &cases[i];
    struct target_stream *ts = target_stream_new(c->af);
    char err[512], got[2048], last[128];
    int rc = target_stream_add(ts, c->spec, err, sizeof err);
    if (rc != c->rc)
      fail_msg("spec \"%s\": rc %d, want %d (%s)", c->spec, rc, c->rc, err);
    if (c->msg[0] == '\0' ? err[0] != '\0' : strstr(err, c->msg) == NULL)
      fail_msg("spec \"%s\": message \"%s\", want \"%s\"", c->spec, err,
               c->msg);
    if (strchr(err, '\n') != NULL)
      fail_msg("spec \"%s\": message has a newline", c->spec);
    size_t nfirst = 0;
    if (c->first[0] != '\0') {
      nfirst = 1;
      for (const char *p = c->first; *p; p++)
        nfirst += *p == ' ';
    }
    uint64_t n =
        expand(ts, got, sizeof got, nfirst, UINT64_MAX, last, sizeof last);
    if (n != c->count)
      fail_msg("spec \"%s\": %llu items, want %llu", c->spec,
               (unsigned long long)n, (unsigned long long)c->count);
    if (strcmp(got, c->first) != 0)
      fail_msg("spec \"%s\": got \"%s\", want \"%s\"", c->spec, got, c->first);
    if (c->last != NULL && strcmp(last, c->last) != 0)
      fail_msg("spec \"%s\": last %s, want %s", c->spec, last, c->last);
    target_stream_free(ts);
  }
}

static void add_ok(struct target_stream *ts, const char *spec) {
  char err[256];
  int rc = target_stream_add(ts, spec, err, sizeof err);
  if (rc != 0)
    fail_msg("add %s: %s", spec, err);
}

static void excl_ok(struct target_stream *ts, const char *spec) {
  char err[256];
  int rc = target_stream_exclude(ts, spec, err, sizeof err);
  if (rc != 0)
    fail_msg("exclude %s: %s", spec, err);
}

static void test_whole_space(void **state) {
  (void)state;
  /* 0.0.0.0/0 streams: the first few come at once. */
  struct target_stream *ts = target_stream_new(AF_INET);
  char got[256];
  add_ok(ts, "0.0.0.0/0");
  assert_int_equal(expand(ts, got, sizeof got, 3, 3, NULL, 0), 3);
  assert_string_equal(got, "0.0.0.0 0.0.0.1 0.0.0.2");
  target_stream_free(ts);

  /* The last few, reached through exclusions that skip whole blocks (this
   * would take 2^32 steps if they did not). */
  ts = target_stream_new(AF_INET);
  add_ok(ts, "1.2.3.4/0");
  excl_ok(ts, "0-254.*.*.*");
  excl_ok(ts, "255.0-254.*.*");
  excl_ok(ts, "255.255.0-254.*");
  excl_ok(ts, "255.255.255.0-252");
  char last[64];
  assert_int_equal(expand(ts, got, sizeof got, 3, 10, last, sizeof last), 3);
  assert_string_equal(got, "255.255.255.253 255.255.255.254 255.255.255.255");
  target_stream_free(ts);

  /* IPv6 blocks are skipped the same way; /104 is the largest accepted. */
  ts = target_stream_new(AF_INET6);
  add_ok(ts, "2001:db8::/104");
  for (int bits = 105; bits <= 112; bits++) {
    /* Excludes the first half of what is left each time. */
    char spec[64];
    unsigned off = 0;
    for (int b = 105; b < bits; b++)
      off |= 1u << (128 - b);
    snprintf(spec, sizeof spec, "2001:db8::%x:%x/%d", off >> 16, off & 0xffff,
             bits);
    excl_ok(ts, spec);
  }
  assert_int_equal(expand(ts, got, sizeof got, 2, 1u << 20, last, sizeof last),
                   65536);
  assert_string_equal(got, "2001:db8::ff:0 2001:db8::ff:1");
  assert_string_equal(last, "2001:db8::ff:ffff");
  target_stream_free(ts);
  ts = target_stream_new(AF_INET6);
  add_ok(ts, "2001:db8::/104");
  excl_ok(ts, "2001:db8::/104");
  assert_int_equal(expand(ts, got, sizeof got, 3, 10, NULL, 0), 0);
  target_stream_free(ts);

  /* Exclusions that only together cover each /24 (none alone does). */
  ts = target_stream_new(AF_INET);
  add_ok(ts, "10.0.0.0/8");
  add_ok(ts, "192.0.2.1");
  excl_ok(ts, "10.*.*.0-127");
  excl_ok(ts, "10.*.*.128-254");
  excl_ok(ts, "10.0-254.*.255");
  assert_int_equal(expand(ts, got, sizeof got, 3, 1000, last, sizeof last),
                   257);
  assert_string_equal(got, "10.255.0.255 10.255.1.255 10.255.2.255");
  assert_string_equal(last, "192.0.2.1");
  target_stream_free(ts);

  /* Everything excluded: ends at once. */
  ts = target_stream_new(AF_INET);
  add_ok(ts, "0.0.0.0/0");
  add_ok(ts, "10.0.0.0/8");
  add_ok(ts, "192.0.2.1");
  excl_ok(ts, "0.0.0.0/0");
  assert_int_equal(expand(ts, got, sizeof got, 3, 10, NULL, 0), 0);
  target_stream_free(ts);
}

static void test_exclude(void **state) {
  (void)state;
  struct target_stream *ts = target_stream_new(AF_INET);
  char got[512], err[256];
  add_ok(ts, "10.0.0.0/30");
  add_ok(ts, "10.0.0.2-5");
  add_ok(ts, "10.0.1.0/30");
  excl_ok(ts, "10.0.0.1,3-4");
  excl_ok(ts, "10.0.1.0/31");
  excl_ok(ts, "::1"); /* other family: never matches */
  assert_int_equal(expand(ts, got, sizeof got, 20, 100, NULL, 0), 6);
  assert_string_equal(got,
                      "10.0.0.0 10.0.0.2 10.0.0.2 10.0.0.5 10.0.1.2 10.0.1.3");

  struct sockaddr_in in = {.sin_family = AF_INET};
  inet_pton(AF_INET, "10.0.0.4", &in.sin_addr);
  assert_true(target_stream_is_excluded(ts, (struct sockaddr *)&in));
  inet_pton(AF_INET, "10.0.0.5", &in.sin_addr);
  assert_false(target_stream_is_excluded(ts, (struct sockaddr *)&in));

  assert_int_equal(target_stream_exclude(ts, "host.example", err, sizeof err),
                   PT_ERESOLVE);
  assert_int_equal(target_stream_exclude(ts, "1.2.3.4/33", err, sizeof err),
                   PT_EPARSE);
  assert_non_null(strstr(err, "Illegal netmask in \"1.2.3.4/33\". Must be "
                              "smaller than address bit length."));
  assert_int_equal(target_stream_exclude(ts, "300.1.1.1", err, sizeof err),
                   PT_EPARSE);
  target_stream_free(ts);

  /* Exclude file, with comments; IPv6 exclusions in a -6 stream. */
  char path[] = "/tmp/portolan-excl-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *text = "# excluded\n::2 ::4/127 # trailing\n\n  ::8\n";
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  ts = target_stream_new(AF_INET6);
  add_ok(ts, "::/124");
  assert_int_equal(target_stream_exclude_file(ts, path, err, sizeof err), 0);
  assert_int_equal(expand(ts, got, sizeof got, 20, 100, NULL, 0), 12);
  assert_string_equal(got, ":: ::1 ::3 ::6 ::7 ::9 ::a ::b ::c ::d ::e ::f");
  target_stream_free(ts);
  unlink(path);
  ts = target_stream_new(AF_INET);
  assert_int_equal(
      target_stream_exclude_file(ts, "/nonexistent/x", err, sizeof err),
      -ENOENT);
  assert_non_null(strstr(err, "/nonexistent/x"));
  target_stream_free(ts);
}

/* Collects a whole stream as one string per item. */
static size_t collect(struct target_stream *ts, char items[][64], size_t max) {
  size_t n = 0;
  struct target t;
  while (target_stream_next(ts, &t, NULL, NULL)) {
    assert_true(n < max);
    addr_str(&t, items[n], 64);
    target_clear(&t);
    n++;
  }
  return n;
}

static struct target_stream *shard_stream(uint64_t i, uint64_t n) {
  struct target_stream *ts = target_stream_new(AF_INET);
  add_ok(ts, "10.0.0.0/28");
  add_ok(ts, "name.example");
  add_ok(ts, "10.0.1.0-9");
  add_ok(ts, "10.0.0.0/28");
  excl_ok(ts, "10.0.0.3");
  if (n > 0)
    target_stream_set_shard(ts, i, n);
  return ts;
}

static void test_shards(void **state) {
  (void)state;
  static char all[64][64], part[64][64];
  struct target_stream *ts = shard_stream(0, 0);
  size_t total = collect(ts, all, 64);
  target_stream_free(ts);
  assert_int_equal(total, 15 + 1 + 10 + 15);
  for (uint64_t n = 1; n <= 7; n++) {
    /* Shards interleave positions: shard i gets positions i, i+n, ... */
    size_t seen = 0;
    for (uint64_t i = 0; i < n; i++) {
      ts = shard_stream(i, n);
      size_t k = collect(ts, part, 64);
      target_stream_free(ts);
      for (size_t j = 0; j < k; j++) {
        size_t pos = (size_t)i + j * (size_t)n;
        assert_true(pos < total);
        assert_string_equal(part[j], all[pos]);
      }
      seen += k;
    }
    assert_int_equal(seen, total);
  }
}

static int nwarn;
static char lastwarn[512];

static void on_warn(const char *msg, void *ud) {
  (void)ud;
  nwarn++;
  snprintf(lastwarn, sizeof lastwarn, "%s", msg);
}

static void test_input_file(void **state) {
  (void)state;
  char path[] = "/tmp/portolan-il-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("127.0.0.1 # c\n#x 10.9.9.9\n127.0.0.2,3\n bad..x 127.0.0.9\n"
        "\t::1\n10.0.0.0/33#tight comment\n",
        f);
  for (int i = 0; i < 3000; i++)
    fputc('a', f);
  fputs("\n127.0.0.10", f); /* no final newline */
  fclose(f);

  struct target_stream *ts = target_stream_new(AF_INET);
  add_ok(ts, "192.0.2.1");
  assert_int_equal(target_stream_add_file(ts, path), 0);
  add_ok(ts, "192.0.2.2");
  nwarn = 0;
  char got[512] = "";
  size_t w = 0, n = 0;
  struct target t;
  while (target_stream_next(ts, &t, on_warn, NULL)) {
    char a[64];
    addr_str(&t, a, sizeof a);
    w += (size_t)snprintf(got + w, sizeof got - w, "%s%s", n++ ? " " : "", a);
    target_clear(&t);
  }
  assert_string_equal(got, "192.0.2.1 127.0.0.1 127.0.0.2 127.0.0.3 "
                           "127.0.0.9 10.0.0.0 127.0.0.10 192.0.2.2");
  /* bad..x, ::1 (no -6), the /33 warning, the over-long token. */
  assert_int_equal(nwarn, 4);
  assert_non_null(strstr(lastwarn, "longer than"));
  target_stream_free(ts);

  /* Read lazily: what is written after add_file but before the stream
   * reaches the file is seen. */
  ts = target_stream_new(AF_INET);
  f = fopen(path, "w");
  fputs("10.1.1.1\n", f);
  fclose(f);
  add_ok(ts, "192.0.2.9");
  assert_int_equal(target_stream_add_file(ts, path), 0);
  assert_int_equal(target_stream_next(ts, &t, NULL, NULL), 1);
  target_clear(&t);
  f = fopen(path, "a");
  fputs("10.1.1.2\n", f);
  fclose(f);
  assert_int_equal(expand(ts, got, sizeof got, 5, 5, NULL, 0), 2);
  assert_string_equal(got, "10.1.1.1 10.1.1.2");
  target_stream_free(ts);

  /* A file that is never read is closed without leaks. */
  ts = target_stream_new(AF_INET);
  assert_int_equal(target_stream_add_file(ts, path), 0);
  assert_int_equal(target_stream_add_file(ts, "/nonexistent/list"), -ENOENT);
  assert_int_equal(target_stream_add_file(ts, "/tmp"), -EISDIR);
  char err[256];
  assert_int_equal(target_stream_exclude_file(ts, "/tmp", err, sizeof err),
                   -EISDIR);
  target_stream_free(ts);
  unlink(path);
}

static void test_push_resolved(void **state) {
  (void)state;
  struct target_stream *ts = target_stream_new(AF_INET);
  add_ok(ts, "localhost/30");
  add_ok(ts, "192.0.2.0/31");
  excl_ok(ts, "127.0.0.3");
  struct target t;
  assert_int_equal(target_stream_next(ts, &t, NULL, NULL), 1);
  assert_int_equal(t.kind, TARGET_NAME);
  assert_string_equal(t.name, "localhost");
  assert_int_equal(t.prefix, 30);
  assert_int_equal(t.family, AF_INET);
  struct sockaddr_in in = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  assert_int_equal(target_stream_push_resolved(
                       ts, t.name, (struct sockaddr *)&in, sizeof in, t.prefix),
                   0);
  target_clear(&t);
  char got[256];
  assert_int_equal(expand(ts, got, sizeof got, 10, 10, NULL, 0), 5);
  assert_string_equal(
      got, "127.0.0.0 127.0.0.1(localhost) 127.0.0.2 192.0.2.0 192.0.2.1");
  target_stream_free(ts);

  /* Pushed in the middle of a range: comes first. IPv6 with no prefix. */
  ts = target_stream_new(AF_INET6);
  add_ok(ts, "::/126");
  assert_int_equal(target_stream_next(ts, &t, NULL, NULL), 1);
  target_clear(&t);
  struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
  inet_pton(AF_INET6, "2001:db8::5", &in6.sin6_addr);
  assert_int_equal(target_stream_push_resolved(ts, "six.example",
                                               (struct sockaddr *)&in6,
                                               sizeof in6, -1),
                   0);
  assert_int_equal(target_stream_push_resolved(ts, "six.example",
                                               (struct sockaddr *)&in6,
                                               sizeof in6, 64),
                   PT_EPARSE);
  assert_int_equal(expand(ts, got, sizeof got, 10, 10, NULL, 0), 4);
  assert_string_equal(got, "2001:db8::5(six.example) ::1 ::2 ::3");
  target_stream_free(ts);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cases),      cmocka_unit_test(test_whole_space),
      cmocka_unit_test(test_exclude),    cmocka_unit_test(test_shards),
      cmocka_unit_test(test_input_file), cmocka_unit_test(test_push_resolved),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
