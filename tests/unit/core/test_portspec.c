/* Port specifications: a table of good and bad specs with the port set
 * (rendered as Nmap's scaninfo does, "T:1-5,80;U:53") or the error each
 * must give; top-N selection; exclusion. Expectations were checked with
 * `nmap -sT -sU -p SPEC -oX -` (scaninfo services="...") where Nmap's table
 * and ours agree. */
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
#include "core/portspec.h"
#include "core/services.h"

#define TCP (1u << PROTO_TCP)
#define UDP (1u << PROTO_UDP)
#define SCTP (1u << PROTO_SCTP)

static char table_path[64];

static int setup(void **state) {
  (void)state;
  static const char text[] = "tcpmux 1/tcp 0.001\n"
                             "echo 7/tcp 0.004\n"
                             "echo 7/udp 0.02\n"
                             "ssh 22/tcp 0.18\n"
                             "domain 53/tcp 0.04\n"
                             "domain 53/udp 0.21\n"
                             "http 80/tcp 0.48\n"
                             "http 80/udp 0.03\n"
                             "https 443/tcp 0.2\n"
                             "http-alt 8080/tcp 0.18\n"
                             "http 8008/tcp 0.01\n"
                             "ssh-alt 2222/tcp 0.001\n"
                             "zero 0/tcp 0.9\n"
                             "sctpx 2905/sctp 0.1\n";
  snprintf(table_path, sizeof table_path, "/tmp/portolan-ps-XXXXXX");
  int fd = mkstemp(table_path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, sizeof text - 1),
                   (ssize_t)(sizeof text - 1));
  close(fd);
  return services_load_from(table_path, NULL);
}

static int teardown(void **state) {
  (void)state;
  services_free();
  unlink(table_path);
  return 0;
}

/* Renders like "T:1-5,80;U:53" (empty protocols left out). */
static void render(const struct portlist *pl, char *buf, size_t len) {
  static const char letters[] = "TUS";
  size_t w = 0;
  buf[0] = '\0';
  for (int p = 0; p < PROTO_COUNT; p++) {
    if (pl->n[p] == 0)
      continue;
    w += (size_t)snprintf(buf + w, len - w, "%s%c:", w ? ";" : "", letters[p]);
    for (size_t i = 0; i < pl->n[p];) {
      size_t j = i;
      while (j + 1 < pl->n[p] && pl->ports[p][j + 1] == pl->ports[p][j] + 1)
        j++;
      if (j == i)
        w += (size_t)snprintf(buf + w, len - w, "%s%u", i ? "," : "",
                              pl->ports[p][i]);
      else
        w += (size_t)snprintf(buf + w, len - w, "%s%u-%u", i ? "," : "",
                              pl->ports[p][i], pl->ports[p][j]);
      i = j + 1;
    }
  }
}

struct pcase {
  const char *spec;
  unsigned protos;
  int rc;
  const char *want; /* rendering, or a substring of the error */
};

static const struct pcase cases[] = {
    {"22", TCP, 0, "T:22"},
    {"22,80-90", TCP, 0, "T:22,80-90"},
    {"80 ", TCP, 0, "T:80"},
    {" 22 , 25", TCP, 0, "T:22,25"},
    {"1,2", TCP, 0, "T:1-2"},
    {"90,80,85-95,80", TCP, 0, "T:80,85-95"},
    {"-", TCP, 0, "T:1-65535"},
    {"-100", TCP, 0, "T:1-100"},
    {"60000-", TCP, 0, "T:60000-65535"},
    {"T:80-", TCP, 0, "T:80-65535"},
    {"T:-5", TCP, 0, "T:1-5"},
    {"0", TCP, 0, "T:0"},
    {"0-2", TCP, 0, "T:0-2"},
    {"65535", TCP, 0, "T:65535"},
    {"53", TCP | UDP, 0, "T:53;U:53"},
    {"U:53", TCP, 0, "U:53"},
    {"U:53,111,T:80", TCP | UDP, 0, "T:80;U:53,111"},
    {"U:1-3,T:5", TCP, 0, "T:5;U:1-3"},
    {"S:1", TCP, 0, "S:1"},
    {"22,U:53", TCP | UDP, 0, "T:22;U:22,53"},
    {"ssh", TCP, 0, "T:22"},
    {"ssh,http", TCP, 0, "T:22,80,8008"},
    {"http*", TCP, 0, "T:80,443,8008,8080"},
    {"http*", TCP | UDP, 0, "T:80,443,8008,8080;U:80"},
    {"U:domain", TCP | UDP, 0, "U:53"},
    {"domain", TCP | UDP, 0, "T:53;U:53"},
    {"ssh-*", TCP, 0, "T:2222"},
    {"[1-100]", TCP, 0, "T:1,7,22,53,80"},
    {"[-]", TCP, 0, "T:1,7,22,53,80,443,2222,8008,8080"},
    {"[1-10", TCP, 0, "T:1,7"},
    {"[http*]", TCP, 0, "T:80,443,8008,8080"},
    {"22,[1-10]", UDP, 0, "U:7,22"},
    /* Errors, with Nmap's wording. */
    {"70000", TCP, PT_ERANGE, "between 0 and 65535 inclusive"},
    {"65536-", TCP, PT_ERANGE, "between 0 and 65535 inclusive"},
    {"1-99999999999999999999", TCP, PT_ERANGE, "between 0 and 65535"},
    {"80-70", TCP, PT_EPARSE,
     "Your port range 80-70 is backwards. Did you "
     "mean 70-80?"},
    {"abc", TCP, PT_ENOTFOUND, "Found no matches for the service mask 'abc'"},
    {"1-10,x", TCP, PT_ENOTFOUND, "service mask 'x'"},
    {"U:ssh", TCP | UDP, PT_ENOTFOUND, "service mask 'ssh'"},
    {"", TCP, PT_EPARSE, "Error #485"},
    {"22,,80", TCP, PT_EPARSE, "Error #485"},
    {",", TCP, PT_EPARSE, "Error #485"},
    {"1,[", TCP, PT_EPARSE, "Error #485"},
    {"1-2-3", TCP, PT_EPARSE, "Error #488"},
    {"Z:5", TCP, PT_EPARSE, "Unknown protocol specifier 'Z'"},
    {"HTTP", TCP, PT_EPARSE, "Error #485"},
    {"T:", TCP, PT_EPARSE, "No ports specified"},
    {"[]", TCP, PT_EPARSE, "No ports specified"},
    {"U:53", 0, 0, "U:53"},
    {"22", 0, PT_EPARSE, "No ports specified"},
    {"2a", TCP, PT_EPARSE, "Error #485"},
    {"%", TCP, PT_EPARSE, "Error #485"},
    {"ss h", TCP, PT_EPARSE, "Error #485"},
    /* Control bytes are escaped: the message stays on one line. */
    {"\n", TCP, PT_EPARSE, "(at \"\\x0a\")"},
    {"ab\x1b[2J*", TCP, PT_EPARSE, "(at \"ab\\x1b[2J*\")"},
};

static void test_cases(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct pcase *c = &cases[i];
    struct portlist pl = {0};
    char err[512], got[1024];
    int rc = portspec_parse(c->spec, c->protos, &pl, err, sizeof err);
    if (rc != c->rc)
      fail_msg("spec \"%s\": rc %d, want %d (%s)", c->spec, rc, c->rc, err);
    if (rc == 0) {
      render(&pl, got, sizeof got);
      if (strcmp(got, c->want) != 0)
        fail_msg("spec \"%s\": got %s, want %s", c->spec, got, c->want);
    } else {
      if (strstr(err, c->want) == NULL || strchr(err, '\n') != NULL)
        fail_msg("spec \"%s\": error \"%s\", want \"%s\"", c->spec, err,
                 c->want);
    }
    portlist_free(&pl);
  }
}

static void test_full_range(void **state) {
  (void)state;
  struct portlist pl = {0};
  char err[256];
  assert_int_equal(portspec_parse("-", TCP | UDP | SCTP, &pl, err, sizeof err),
                   0);
  assert_int_equal(portlist_total(&pl), 3 * 65535);
  assert_int_equal(pl.ports[PROTO_UDP][0], 1);
  assert_int_equal(pl.ports[PROTO_UDP][65534], 65535);
  portlist_free(&pl);
  assert_int_equal(portlist_total(&pl), 0);
}

static void test_top(void **state) {
  (void)state;
  struct portlist pl = {0};
  char got[256];
  /* Port 0 is in the table with the highest frequency but never a top
   * port. Ties (22 and 8080 at 0.18) go to the lower port. */
  assert_int_equal(portspec_top(3, TCP, &pl), 0);
  render(&pl, got, sizeof got);
  assert_string_equal(got, "T:22,80,443");
  portlist_free(&pl);
  assert_int_equal(portspec_top(4, TCP | UDP, &pl), 0);
  render(&pl, got, sizeof got);
  assert_string_equal(got, "T:22,80,443,8080;U:7,53,80");
  portlist_free(&pl);
  assert_int_equal(portspec_top(1000, TCP, &pl), 0);
  assert_int_equal(pl.n[PROTO_TCP], 9);
  portlist_free(&pl);
  assert_int_equal(portspec_top(0, TCP, &pl), 0);
  assert_int_equal(portlist_total(&pl), 0);
}

static void test_top_builtin(void **state) {
  (void)state;
  assert_true(services_load_from(NULL, NULL) < 0);
  struct portlist pl = {0};
  assert_int_equal(portspec_top(1000, TCP | UDP, &pl), 0);
  assert_int_equal(pl.n[PROTO_TCP], 1000);
  assert_true(pl.n[PROTO_UDP] >= 100);
  portlist_free(&pl);
  assert_int_equal(portspec_top(100, TCP, &pl), 0);
  assert_int_equal(pl.n[PROTO_TCP], 100);
  int has22 = 0;
  for (size_t i = 0; i < pl.n[PROTO_TCP]; i++)
    has22 |= pl.ports[PROTO_TCP][i] == 22;
  assert_true(has22);
  portlist_free(&pl);
  assert_int_equal(services_load_from(table_path, NULL), 0);
}

static void test_exclude(void **state) {
  (void)state;
  struct portlist pl = {0}, ex = {0};
  char err[256], got[256];
  assert_int_equal(portspec_parse("1-10,U:1-5", TCP, &pl, err, sizeof err), 0);
  assert_int_equal(portspec_parse("2-3,9-20,U:1-5", TCP, &ex, err, sizeof err),
                   0);
  portlist_exclude(&pl, &ex);
  render(&pl, got, sizeof got);
  assert_string_equal(got, "T:1,4-8");
  assert_int_equal(portlist_total(&pl), 6);
  portlist_free(&pl);
  portlist_free(&ex);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cases),   cmocka_unit_test(test_full_range),
      cmocka_unit_test(test_top),     cmocka_unit_test(test_top_builtin),
      cmocka_unit_test(test_exclude),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
