/* Asynchronous DNS against a real dnsmasq that the test starts on
 * 127.0.0.1 on a free port (never the machine's resolv.conf): forward,
 * reverse, NXDOMAIN, numeric names answered locally, many lookups in
 * parallel, timeouts against a server that never answers, cancellation
 * by dns_close, bad server lists. Every test ends with uv_loop_close() == 0.
 * Skipped when dnsmasq is not installed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "core/errcode.h"
#include "net/dns.h"

static pid_t dnsmasq_pid = -1;
static char servers[64];
static int silent_fd = -1;
static char silent_servers[64];

/* A socket of `type` bound to 127.0.0.1 on a port the kernel picks. */
static int bind_loopback(int type, int *port) {
  int fd = socket(AF_INET, type, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t len = sizeof a;
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  *port = ntohs(a.sin_port);
  return fd;
}

/* A port that is free now (bound, read, released). */
static int free_port(int type) {
  int port;
  close(bind_loopback(type, &port));
  return port;
}

static void stop_dnsmasq(void) {
  if (dnsmasq_pid > 0) {
    kill(dnsmasq_pid, SIGTERM);
    waitpid(dnsmasq_pid, NULL, 0);
    dnsmasq_pid = -1;
  }
}

/* True once dnsmasq answers on its TCP port (it binds UDP and TCP). */
static int wait_listening(int port) {
  for (int i = 0; i < 100; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    if (ok)
      return 1;
    if (waitpid(dnsmasq_pid, NULL, WNOHANG) == dnsmasq_pid) {
      dnsmasq_pid = -1;
      return 0;
    }
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return 0;
}

static int start_dnsmasq(void) {
  if (access("/usr/sbin/dnsmasq", X_OK) != 0)
    return -1;
  /* A port free for both UDP and TCP; retried in case of a race. */
  for (int attempt = 0; attempt < 5; attempt++) {
    int port = free_port(SOCK_DGRAM);
    char portarg[16];
    snprintf(portarg, sizeof portarg, "%d", port);
    dnsmasq_pid = fork();
    assert_true(dnsmasq_pid >= 0);
    if (dnsmasq_pid == 0) {
      execl("/usr/sbin/dnsmasq", "dnsmasq", "--keep-in-foreground",
            "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
            "--pid-file=", "--listen-address=127.0.0.1", "--bind-interfaces",
            "--user=root", "-p", portarg, "--address=/example.test/127.0.0.7",
            "--host-record=six.test,::7",
            "--ptr-record=7.0.0.127.in-addr.arpa,host7.example.test",
            "--local=/invalid/", "--log-facility=/dev/null", (char *)NULL);
      _exit(127);
    }
    if (wait_listening(port)) {
      snprintf(servers, sizeof servers, "127.0.0.1:%d", port);
      return 0;
    }
    stop_dnsmasq();
  }
  return -1;
}

static int setup(void **state) {
  (void)state;
  signal(SIGPIPE, SIG_IGN);
  if (start_dnsmasq() != 0)
    fprintf(stderr, "dnsmasq unavailable: server tests skipped\n");
  /* A bound UDP socket that never answers: lookups against it time out. */
  int port;
  silent_fd = bind_loopback(SOCK_DGRAM, &port);
  snprintf(silent_servers, sizeof silent_servers, "127.0.0.1:%d", port);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  stop_dnsmasq();
  if (silent_fd >= 0)
    close(silent_fd);
  return 0;
}

struct result {
  int called, status;
  char text[256]; /* addresses joined by spaces, or the name */
  int in_submit;  /* set while dns_resolve runs */
  int sync_call;  /* the callback ran inside dns_resolve */
};

static void on_resolve(int status, const struct sockaddr_storage *addrs,
                       size_t naddrs, void *ud) {
  struct result *r = ud;
  r->called++;
  r->status = status;
  r->sync_call |= r->in_submit;
  size_t w = 0;
  r->text[0] = '\0';
  for (size_t i = 0; i < naddrs; i++) {
    char ip[INET6_ADDRSTRLEN];
    if (addrs[i].ss_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)&addrs[i])->sin_addr, ip,
                sizeof ip);
    else
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&addrs[i])->sin6_addr,
                ip, sizeof ip);
    w += (size_t)snprintf(r->text + w, sizeof r->text - w, "%s%s", i ? " " : "",
                          ip);
  }
}

static void on_reverse(int status, const char *name, void *ud) {
  struct result *r = ud;
  r->called++;
  r->status = status;
  snprintf(r->text, sizeof r->text, "%s", name ? name : "");
}

static void resolve(struct dns *d, const char *name, int family,
                    struct result *r) {
  memset(r, 0, sizeof *r);
  r->in_submit = 1;
  assert_int_equal(dns_resolve(d, name, family, on_resolve, r), 0);
  r->in_submit = 0;
}

/* A fresh loop with a resolver on it that asks the server list `list`. */
static struct dns *open_dns(uv_loop_t *loop, const char *list) {
  uv_loop_init(loop);
  struct dns *d;
  assert_int_equal(dns_new(loop, list, &d), 0);
  return d;
}

static void finish_loop(uv_loop_t *loop, struct dns *d) {
  dns_close(d);
  uv_run(loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(loop), 0);
}

#define NEED_DNSMASQ()                                                         \
  do {                                                                         \
    if (dnsmasq_pid <= 0)                                                      \
      skip();                                                                  \
  } while (0)

static void test_forward_reverse(void **state) {
  (void)state;
  NEED_DNSMASQ();
  uv_loop_t loop;
  struct dns *d = open_dns(&loop, servers);
  struct result a, b, c, e, f;
  resolve(d, "www.example.test", AF_INET, &a);
  resolve(d, "nosuch.invalid", AF_INET, &b);
  resolve(d, "six.test", AF_INET6, &e);
  memset(&c, 0, sizeof c);
  struct sockaddr_in in = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.7", &in.sin_addr);
  assert_int_equal(dns_reverse(d, (struct sockaddr *)&in, on_reverse, &c), 0);
  memset(&f, 0, sizeof f);
  inet_pton(AF_INET, "127.0.0.99", &in.sin_addr);
  assert_int_equal(dns_reverse(d, (struct sockaddr *)&in, on_reverse, &f), 0);
  assert_int_equal(dns_pending(d), 5);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(dns_pending(d), 0);

  assert_int_equal(a.called, 1);
  assert_int_equal(a.status, 0);
  assert_string_equal(a.text, "127.0.0.7");
  assert_int_equal(a.sync_call, 0);
  assert_int_equal(b.called, 1);
  assert_int_equal(b.status, PT_ENOTFOUND);
  assert_int_equal(e.status, 0);
  assert_string_equal(e.text, "::7");
  assert_int_equal(c.called, 1);
  assert_int_equal(c.status, 0);
  assert_string_equal(c.text, "host7.example.test");
  assert_int_equal(f.called, 1);
  assert_true(f.status < 0);
  assert_true(dns_last_error(d)[0] != '\0');
  finish_loop(&loop, d);
}

static void test_numeric_stays_local(void **state) {
  (void)state;
  /* The server never answers: numeric names must not need it. */
  uv_loop_t loop;
  struct dns *d = open_dns(&loop, silent_servers);
  struct result a, b, c, e;
  resolve(d, "127.0.0.9", AF_INET, &a);
  resolve(d, "::1", AF_UNSPEC, &b);
  resolve(d, "127.1", AF_INET, &c);
  resolve(d, "127.0.0.9", AF_INET6, &e);
  uint64_t t0 = uv_hrtime();
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(uv_hrtime() - t0 < 500ull * 1000 * 1000);
  assert_int_equal(a.status, 0);
  assert_string_equal(a.text, "127.0.0.9");
  assert_int_equal(a.sync_call, 0);
  assert_int_equal(b.status, 0);
  assert_string_equal(b.text, "::1");
  assert_int_equal(c.status, 0);
  assert_string_equal(c.text, "127.0.0.1");
  assert_int_equal(e.called, 1);
  assert_int_equal(e.status, PT_ENOTFOUND);
  finish_loop(&loop, d);
}

static void test_parallel(void **state) {
  (void)state;
  NEED_DNSMASQ();
  uv_loop_t loop;
  struct dns *d = open_dns(&loop, servers);
  enum { N = 300 };
  static struct result r[N];
  for (int i = 0; i < N; i++) {
    char name[64];
    snprintf(name, sizeof name, "h%d.example.test", i);
    resolve(d, name, AF_INET, &r[i]);
  }
  assert_int_equal(dns_pending(d), N);
  uv_run(&loop, UV_RUN_DEFAULT);
  for (int i = 0; i < N; i++) {
    assert_int_equal(r[i].called, 1);
    assert_int_equal(r[i].status, 0);
    assert_string_equal(r[i].text, "127.0.0.7");
  }
  finish_loop(&loop, d);
}

static void test_timeout(void **state) {
  (void)state;
  uv_loop_t loop;
  struct dns *d = open_dns(&loop, silent_servers);
  dns_set_timeout(d, 200, 1);
  struct result a;
  resolve(d, "slow.example.test", AF_INET, &a);
  uint64_t t0 = uv_hrtime();
  uv_run(&loop, UV_RUN_DEFAULT);
  uint64_t ms = (uv_hrtime() - t0) / 1000000;
  assert_int_equal(a.called, 1);
  assert_int_equal(a.status, PT_ETIMEDOUT);
  assert_true(ms >= 150 && ms < 3000);
  finish_loop(&loop, d);
}

static void test_set_timeout_keeps_servers(void **state) {
  (void)state;
  NEED_DNSMASQ();
  uv_loop_t loop;
  /* A dead server first, dnsmasq second: both must survive the rebuild. */
  char list[160];
  snprintf(list, sizeof list, "%s,%s", silent_servers, servers);
  struct dns *d = open_dns(&loop, list);
  dns_set_timeout(d, 300, 2);
  struct result a;
  resolve(d, "kept.example.test", AF_INET, &a);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(a.status, 0);
  assert_string_equal(a.text, "127.0.0.7");
  finish_loop(&loop, d);
}

static struct dns *closing_dns;

static void close_from_cb(int status, const struct sockaddr_storage *addrs,
                          size_t naddrs, void *ud) {
  on_resolve(status, addrs, naddrs, ud);
  dns_close(closing_dns);
}

static void test_close_cancels(void **state) {
  (void)state;
  uv_loop_t loop;
  struct dns *d = open_dns(&loop, silent_servers);
  struct result a, b;
  resolve(d, "never.example.test", AF_INET, &a);
  resolve(d, "127.0.0.1", AF_INET, &b); /* answered, not yet delivered */
  dns_close(d);
  assert_int_equal(a.called, 1);
  assert_int_equal(a.status, UV_ECANCELED);
  assert_int_equal(b.called, 1);
  assert_int_equal(b.status, UV_ECANCELED);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);

  /* Closing from inside a callback cancels the others. */
  d = open_dns(&loop, silent_servers);
  closing_dns = d;
  memset(&a, 0, sizeof a);
  assert_int_equal(dns_resolve(d, "127.0.0.2", AF_INET, close_from_cb, &a), 0);
  resolve(d, "never2.example.test", AF_INET, &b);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(a.status, 0);
  assert_int_equal(b.called, 1);
  assert_int_equal(b.status, UV_ECANCELED);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_bad_input(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct dns *d = NULL;
  assert_int_equal(dns_new(&loop, "not an address", &d), PT_EPARSE);
  assert_null(d);
  assert_int_equal(dns_new(&loop, "127.0.0.1:1,::1", &d), 0);
  struct result r;
  memset(&r, 0, sizeof r);
  assert_int_equal(dns_resolve(d, "", AF_INET, on_resolve, &r), PT_EPARSE);
  assert_int_equal(dns_resolve(d, "x", 12345, on_resolve, &r), PT_EPARSE);
  struct sockaddr sa = {.sa_family = AF_UNIX};
  assert_int_equal(dns_reverse(d, &sa, on_reverse, &r), PT_EPARSE);
  assert_int_equal(r.called, 0);
  finish_loop(&loop, d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forward_reverse),
      cmocka_unit_test(test_numeric_stays_local),
      cmocka_unit_test(test_parallel),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_set_timeout_keeps_servers),
      cmocka_unit_test(test_close_cancels),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
