/* Differential test: our target stream against Nmap's own expansion,
 * `nmap -sL -n -oG - SPEC` (a list scan sends no packets), over specs
 * with ranges, lists, CIDR, open ends, odd numerals, exclusions and IPv6.
 * Both must yield the same addresses in the same order, or both refuse
 * the spec. Skipped when nmap is not installed.
 *
 * Nmap resolves what it cannot parse (300.1.1.1) through the system
 * resolver, which is not on loopback: so it runs in a new, empty network
 * namespace (`unshare --net`, only a down loopback), where no packet can
 * leave. Skipped when that cannot be created. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nmap_diff.h"
#include "core/targets.h"

/* "Host: ADDR (" lines joined by spaces. */
static char *nmap_list(const char *spec, const char *exclude, int six) {
  char *argv[16];
  int i = 0;
  argv[i++] = "unshare";
  argv[i++] = "--net";
  argv[i++] = NMAP;
  argv[i++] = "-sL";
  argv[i++] = "-n";
  if (six)
    argv[i++] = "-6";
  if (exclude != NULL) {
    argv[i++] = "--exclude";
    argv[i++] = (char *)exclude;
  }
  argv[i++] = "-oG";
  argv[i++] = "-";
  argv[i++] = (char *)spec;
  argv[i] = NULL;
  char *out = nmap_diff_run(argv);
  char *list = calloc(1, MAXOUT);
  size_t w = 0;
  for (char *line = strtok(out, "\n"); line != NULL;
       line = strtok(NULL, "\n")) {
    if (strncmp(line, "Host: ", 6) != 0)
      continue;
    char *sp = strchr(line + 6, ' ');
    if (sp != NULL)
      *sp = '\0';
    w += (size_t)snprintf(list + w, MAXOUT - w, "%s%s", w ? " " : "", line + 6);
  }
  free(out);
  return list;
}

static char *our_list(const char *spec, const char *exclude, int six, int *rc) {
  struct target_stream *ts = target_stream_new(six ? AF_INET6 : AF_INET);
  char err[512];
  char *list = calloc(1, MAXOUT);
  *rc = target_stream_add(ts, spec, err, sizeof err);
  if (exclude != NULL)
    assert_int_equal(target_stream_exclude(ts, exclude, err, sizeof err), 0);
  size_t w = 0;
  struct target t;
  while (target_stream_next(ts, &t, NULL, NULL)) {
    char a[INET6_ADDRSTRLEN];
    if (t.kind == TARGET_NAME)
      snprintf(a, sizeof a, "name");
    else if (t.addr.ss_family == AF_INET)
      inet_ntop(AF_INET, &((struct sockaddr_in *)&t.addr)->sin_addr, a,
                sizeof a);
    else
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&t.addr)->sin6_addr, a,
                sizeof a);
    w += (size_t)snprintf(list + w, MAXOUT - w, "%s%s", w ? " " : "", a);
    target_clear(&t);
  }
  target_stream_free(ts);
  return list;
}

struct dcase {
  const char *spec, *exclude;
  int six;
};

static const struct dcase cases[] = {
    {"10.0.0.0/30", NULL, 0},
    {"192.168.0-3,7.1-3", NULL, 0},
    {"10.0.0.-", NULL, 0},
    {"10.-.0.1", NULL, 0},
    {"10.0.0.250-", NULL, 0},
    {"10.0.0.-5", NULL, 0},
    {"10.0.0,1.1", NULL, 0},
    {"10.0.0.9,1-3,2", NULL, 0},
    {"10.0.0.01", NULL, 0},
    {"10.0.*.1", NULL, 0},
    {"10.0.0.5,9/31", NULL, 0},
    {"10.0.0.5-7/30", NULL, 0},
    {"10.0-3.0.1/22", NULL, 0},
    {"10.1-2.0.0/20", NULL, 0},
    {"1.2.3.4/019", NULL, 0},
    {"10.0.0.0/33", NULL, 0},
    {"127.1", NULL, 0},
    {"0x7f.1", NULL, 0},
    {"1.2.3", NULL, 0},
    {"10.0.0.0/28", "10.0.0.3-5", 0},
    {"10.0.0.0/24", "10.0.0.0/25", 0},
    {"10.0-1.0.0/23", "10.0.0-1.*", 0},
    {"300.1.1.1", NULL, 0},
    {"10.0.0.5-3", NULL, 0},
    {"1.2.3.4.5", NULL, 0},
    {"10.0.0.256", NULL, 0},
    {"10.0.0.,1", NULL, 0},
    {"10.0.0.1/", NULL, 0},
    {"1.2.3.4/ 8", NULL, 0},
    {"::1", NULL, 0},
    {"::1", NULL, 1},
    {"::1/126", NULL, 1},
    {"2001:db8::/120", NULL, 1},
    {"2001:db8::/120", "2001:db8::10/124", 1},
    {"::1/129", NULL, 1},
    {"::1-3", NULL, 1},
    {"127.0.0.1", NULL, 1},
};

static void test_against_nmap(void **state) {
  (void)state;
  if (!nmap_diff_available())
    skip();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct dcase *c = &cases[i];
    int rc;
    char *theirs = nmap_list(c->spec, c->exclude, c->six);
    char *ours = our_list(c->spec, c->exclude, c->six, &rc);
    if (strcmp(theirs, ours) != 0)
      fail_msg("spec \"%s\" exclude \"%s\"%s:\n nmap: %.300s\n ours: %.300s",
               c->spec, c->exclude ? c->exclude : "", c->six ? " -6" : "",
               theirs, ours);
    /* Nmap listing nothing means it refused the spec: so must we. */
    if (theirs[0] == '\0' && c->exclude == NULL && rc == 0)
      fail_msg("spec \"%s\": nmap refuses it, we accept it", c->spec);
    free(theirs);
    free(ours);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_nmap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
