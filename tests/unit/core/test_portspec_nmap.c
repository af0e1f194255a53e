/* Differential test: our port spec parser with Nmap's nmap-services
 * against Nmap itself. `nmap -sT -sU -p SPEC -oX - "no such host"` parses
 * the ports, sends nothing (the target does not resolve) and lists the
 * result in <scaninfo services="...">. Both must give the same TCP and UDP
 * sets, or both refuse the spec. Skipped when nmap is not installed.
 *
 * Nmap tries to resolve the target name through the system resolver, which
 * is not on loopback: so it runs in a new, empty network namespace
 * (`unshare --net`), where no packet can leave. Skipped when that cannot
 * be created. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nmap_diff.h"
#include "core/portspec.h"
#include "core/services.h"

#define NMAP_SERVICES "/usr/share/nmap/nmap-services"

/* nmap's XML for -p ports, or for --top-ports top when top is set. */
static char *run_nmap(const char *ports, const char *top) {
  char *argv[] = {"unshare", "--net",        NMAP, "-n",          "-Pn",
                  "-sT",     "-sU",          "-p", (char *)ports, "-oX",
                  "-",       "no such host", NULL};
  if (top != NULL) {
    argv[7] = "--top-ports";
    argv[8] = (char *)top;
  }
  return nmap_diff_run(argv);
}

/* "T:<services>;U:<services>" from nmap's XML, or "" when it quit. */
static void nmap_sets(const char *xml, char *out, size_t len) {
  out[0] = '\0';
  size_t w = 0;
  static const char *protos[] = {"tcp", "udp"};
  for (int p = 0; p < 2; p++) {
    char key[64];
    snprintf(key, sizeof key, "protocol=\"%s\"", protos[p]);
    const char *s = strstr(xml, key);
    if (s == NULL)
      return;
    s = strstr(s, " services=\"");
    assert_non_null(s);
    s += 11;
    const char *e = strchr(s, '"');
    w += (size_t)snprintf(out + w, len - w, "%s%c:%.*s", p ? ";" : "",
                          p ? 'U' : 'T', (int)(e - s), s);
  }
}

static void render(const struct portlist *pl, char *out, size_t len) {
  size_t w = 0;
  for (int p = 0; p < 2; p++) {
    w += (size_t)snprintf(out + w, len - w, "%s%c:", p ? ";" : "",
                          p ? 'U' : 'T');
    for (size_t i = 0; i < pl->n[p];) {
      size_t j = i;
      while (j + 1 < pl->n[p] && pl->ports[p][j + 1] == pl->ports[p][j] + 1)
        j++;
      if (j == i)
        w += (size_t)snprintf(out + w, len - w, "%s%u", i ? "," : "",
                              pl->ports[p][i]);
      else
        w += (size_t)snprintf(out + w, len - w, "%s%u-%u", i ? "," : "",
                              pl->ports[p][i], pl->ports[p][j]);
      i = j + 1;
    }
  }
}

static const char *specs[] = {
    "22",       "22,80-90", "-100",        "60000-",
    "1,2",      "0",        "T:80,U:53",   "U:53,111,T:1-3",
    "ssh,http", "http*",    "domain",      "U:domain",
    "[1-1024]", "[http*]",  "ssh-*",       "70000",
    "80-70",    "abc",      "22,,80",      "1-2-3",
    "Z:5",      "HTTP",     "T:80-",       "[10-20]",
    "1-10,x",   "*ftp*",    "snmp*,U:ntp",
};

static void test_against_nmap(void **state) {
  (void)state;
  if (!nmap_diff_available() || access(NMAP_SERVICES, R_OK) != 0)
    skip();
  assert_int_equal(services_load_from(NMAP_SERVICES, NULL), 0);
  static char theirs[MAXOUT / 4], ours[MAXOUT / 4];
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    char *xml = run_nmap(specs[i], NULL);
    nmap_sets(xml, theirs, sizeof theirs);
    free(xml);
    struct portlist pl = {0};
    char err[512];
    int rc = portspec_parse(specs[i], (1u << PROTO_TCP) | (1u << PROTO_UDP),
                            &pl, err, sizeof err);
    ours[0] = '\0';
    if (rc == 0)
      render(&pl, ours, sizeof ours);
    portlist_free(&pl);
    if (strcmp(theirs, ours) != 0)
      fail_msg("-p \"%s\":\n nmap: %.300s\n ours: %.300s (%s)", specs[i],
               theirs, ours, rc ? err : "ok");
  }
  /* Top ports follow the same frequencies and tie-break. */
  static const size_t tops[] = {1, 10, 100, 1000};
  for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++) {
    char n[16];
    snprintf(n, sizeof n, "%zu", tops[i]);
    char *xml = run_nmap(NULL, n);
    nmap_sets(xml, theirs, sizeof theirs);
    free(xml);
    struct portlist pl = {0};
    portspec_top(tops[i], (1u << PROTO_TCP) | (1u << PROTO_UDP), &pl);
    render(&pl, ours, sizeof ours);
    portlist_free(&pl);
    if (strcmp(theirs, ours) != 0)
      fail_msg("--top-ports %zu:\n nmap: %.300s\n ours: %.300s", tops[i],
               theirs, ours);
  }
  services_free();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_nmap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
