/* Connect scan timing controls against real loopback sockets: --max-rate,
 * --scan-delay, --max-retries 0, and IPv6 (::1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/options.h"
#include "scan/scan.h"

static int ndone;

static void on_done(struct host *h, void *ud) {
  (void)h;
  (void)ud;
  ndone++;
}

/* Scans ports of addr with o; returns the host (caller frees) and the
 * elapsed seconds. */
static struct host *scan(const struct sockaddr *addr, socklen_t len,
                         const struct scan_opts *o, uint16_t *ports, size_t n,
                         double *secs) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct portlist pl = {0};
  pl.ports[PROTO_TCP] = ports;
  pl.n[PROTO_TCP] = n;
  ndone = 0;
  struct connect_scan *cs = connect_scan_new(&loop, o, on_done, NULL);
  struct host *h = host_new(addr, len);
  uint64_t t0 = uv_hrtime();
  connect_scan_add(cs, h, &pl);
  for (int i = 0; i < 3000 && ndone == 0; i++)
    uv_run(&loop, UV_RUN_ONCE);
  *secs = (double)(uv_hrtime() - t0) / 1e9;
  assert_int_equal(ndone, 1);
  connect_scan_free(cs);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  return h;
}

static struct sockaddr_in lo4(void) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/* Consecutive ports from base; whatever their state, the tests only count
 * classified ports and time. */
static void fill(uint16_t *ports, size_t n, uint16_t base) {
  for (size_t i = 0; i < n; i++)
    ports[i] = (uint16_t)(base + i);
}

static void test_max_rate(void **state) {
  (void)state;
  struct scan_opts o;
  opts_init(&o);
  o.max_rate = 200; /* 60 probes take at least ~0.3 s */
  uint16_t ports[60];
  fill(ports, 60, 47000);
  struct sockaddr_in a = lo4();
  double secs;
  struct host *h = scan((struct sockaddr *)&a, sizeof a, &o, ports, 60, &secs);
  assert_int_equal(host_state_count(h, PROTO_TCP, PS_UNKNOWN), 0);
  assert_int_equal(host_port_count(h, PROTO_TCP), 60);
  assert_true(secs >= 0.25);
  assert_true(secs < 10);
  host_free(h);
  opts_free(&o);
}

static void test_scan_delay(void **state) {
  (void)state;
  struct scan_opts o;
  opts_init(&o);
  o.scan_delay_ms = 50; /* 6 probes: at least 5 gaps of 50 ms */
  uint16_t ports[6];
  fill(ports, 6, 47100);
  struct sockaddr_in a = lo4();
  double secs;
  struct host *h = scan((struct sockaddr *)&a, sizeof a, &o, ports, 6, &secs);
  assert_int_equal(host_port_count(h, PROTO_TCP), 6);
  assert_int_equal(host_state_count(h, PROTO_TCP, PS_UNKNOWN), 0);
  assert_true(secs >= 0.24);
  assert_true(secs < 10);
  host_free(h);
  opts_free(&o);
}

/* A port whose SYNs are dropped (full accept queue) with --max-retries 0
 * ends after one timeout, not ten. */
static void test_no_retries(void **state) {
  (void)state;
  int lf = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = lo4();
  assert_int_equal(bind(lf, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(lf, 0), 0);
  socklen_t len = sizeof a;
  getsockname(lf, (struct sockaddr *)&a, &len);
  int fill_fd[3];
  for (int i = 0; i < 3; i++) {
    fill_fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fill_fd[i], (struct sockaddr *)&a, sizeof a);
  }
  usleep(50000);
  uint16_t port = ntohs(a.sin_port);
  struct scan_opts o;
  opts_init(&o);
  o.max_retries = 0;
  o.initial_rtt_timeout_ms = 200;
  struct sockaddr_in t = lo4();
  double secs;
  struct host *h = scan((struct sockaddr *)&t, sizeof t, &o, &port, 1, &secs);
  assert_int_equal(host_port_get(h, PROTO_TCP, port)->state, PS_FILTERED);
  assert_true(secs >= 0.15);
  assert_true(secs < 1.0);
  host_free(h);
  opts_free(&o);
  for (int i = 0; i < 3; i++)
    close(fill_fd[i]);
  close(lf);
}

static void test_ipv6(void **state) {
  (void)state;
  int lf = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 a;
  memset(&a, 0, sizeof a);
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  if (lf < 0 || bind(lf, (struct sockaddr *)&a, sizeof a) != 0) {
    if (lf >= 0)
      close(lf);
    skip(); /* no IPv6 loopback here */
  }
  assert_int_equal(listen(lf, 8), 0);
  socklen_t len = sizeof a;
  getsockname(lf, (struct sockaddr *)&a, &len);
  uint16_t open = ntohs(a.sin6_port);
  /* A closed port: bound and released. */
  int cf = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 c = a;
  c.sin6_port = 0;
  assert_int_equal(bind(cf, (struct sockaddr *)&c, sizeof c), 0);
  len = sizeof c;
  getsockname(cf, (struct sockaddr *)&c, &len);
  close(cf);
  uint16_t closed = ntohs(c.sin6_port);
  uint16_t ports[2] = {open < closed ? open : closed,
                       open < closed ? closed : open};
  struct scan_opts o;
  opts_init(&o);
  struct sockaddr_in6 t = a;
  t.sin6_port = 0;
  double secs;
  struct host *h = scan((struct sockaddr *)&t, sizeof t, &o, ports, 2, &secs);
  assert_int_equal(host_port_get(h, PROTO_TCP, open)->state, PS_OPEN);
  assert_int_equal(host_port_get(h, PROTO_TCP, open)->reason, RSN_SYN_ACK);
  assert_int_equal(host_port_get(h, PROTO_TCP, closed)->state, PS_CLOSED);
  host_free(h);
  opts_free(&o);
  close(lf);
}

static int count_fds(void) {
  int n = 0;
  for (int fd = 0; fd < 4096; fd++)
    if (fcntl(fd, F_GETFD) != -1)
      n++;
  return n;
}

static int waited;

static void on_wait(uv_timer_t *t) {
  (void)t;
  waited = 1;
}

/* Once nothing is in flight, the workers give their idle sockets back
 * (the script engine needs descriptors after the port scan). */
static void test_idle_release(void **state) {
  (void)state;
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct scan_opts o;
  opts_init(&o);
  ndone = 0;
  struct connect_scan *cs = connect_scan_new(&loop, &o, on_done, NULL);
  int base = count_fds();
  uint16_t ports[300];
  fill(ports, 300, 47200);
  struct portlist pl = {0};
  pl.ports[PROTO_TCP] = ports;
  pl.n[PROTO_TCP] = 300;
  struct sockaddr_in a = lo4();
  struct host *h = host_new((struct sockaddr *)&a, sizeof a);
  connect_scan_add(cs, h, &pl);
  for (int i = 0; i < 3000 && ndone == 0; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(ndone, 1);
  int busy = count_fds();
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  waited = 0;
  uv_timer_start(&t, on_wait, 500, 0);
  for (int i = 0; i < 1000 && !waited; i++)
    uv_run(&loop, UV_RUN_ONCE);
  int after = count_fds();
  assert_true(busy > base);      /* sockets were kept for reuse... */
  assert_int_equal(after, base); /* ...and given back */
  uv_close((uv_handle_t *)&t, NULL);
  host_free(h);
  connect_scan_free(cs);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  opts_free(&o);
}

struct stamp {
  struct host *h[2];
  double at[2];
  uint64_t t0;
  int n;
};

static void on_stamp(struct host *h, void *ud) {
  struct stamp *st = ud;
  for (int i = 0; i < 2; i++)
    if (st->h[i] == h)
      st->at[i] = (double)(uv_hrtime() - st->t0) / 1e9;
  st->n++;
}

/* Each host's callback fires when its own ports are done, not when the
 * slowest host of the batch is: a host with one closed port finishes long
 * before a host whose port is filtered (full accept queue). */
static void test_done_per_host(void **state) {
  (void)state;
  int lf = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = lo4();
  assert_int_equal(bind(lf, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(lf, 0), 0);
  socklen_t len = sizeof a;
  getsockname(lf, (struct sockaddr *)&a, &len);
  int fill_fd[3];
  for (int i = 0; i < 3; i++) {
    fill_fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fill_fd[i], (struct sockaddr *)&a, sizeof a);
  }
  usleep(50000);
  uint16_t slow = ntohs(a.sin_port), fast = 47300;
  struct portlist pslow = {0}, pfast = {0};
  pslow.ports[PROTO_TCP] = &slow;
  pslow.n[PROTO_TCP] = 1;
  pfast.ports[PROTO_TCP] = &fast;
  pfast.n[PROTO_TCP] = 1;
  struct scan_opts o;
  opts_init(&o);
  o.max_retries = 2;
  o.initial_rtt_timeout_ms = 300;
  o.min_rtt_timeout_ms = 300;
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct stamp st = {0};
  struct connect_scan *cs = connect_scan_new(&loop, &o, on_stamp, &st);
  struct sockaddr_in b = lo4();
  st.h[0] = host_new((struct sockaddr *)&b, sizeof b);
  st.h[1] = host_new((struct sockaddr *)&b, sizeof b);
  st.t0 = uv_hrtime();
  connect_scan_add(cs, st.h[0], &pslow);
  connect_scan_add(cs, st.h[1], &pfast);
  for (int i = 0; i < 3000 && st.n < 2; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(st.n, 2);
  assert_int_equal(host_port_get(st.h[0], PROTO_TCP, slow)->state, PS_FILTERED);
  assert_true(st.at[0] >= 0.55); /* at least two 300 ms timeouts */
  assert_true(st.at[1] < 0.25);  /* the closed port, at once */
  for (int i = 0; i < 2; i++)
    host_free(st.h[i]);
  connect_scan_free(cs);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  opts_free(&o);
  for (int i = 0; i < 3; i++)
    close(fill_fd[i]);
  close(lf);
}

/* N listeners whose accept queues are full: their SYNs are dropped. */
enum { NFULL = 60 };
struct full {
  int lfd[NFULL], fill[NFULL][2];
  uint16_t ports[NFULL];
};

static int cmp_u16(const void *a, const void *b) {
  return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void full_open(struct full *f) {
  for (int i = 0; i < NFULL; i++) {
    f->lfd[i] = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4();
    assert_int_equal(bind(f->lfd[i], (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->lfd[i], 0), 0);
    socklen_t len = sizeof a;
    getsockname(f->lfd[i], (struct sockaddr *)&a, &len);
    f->ports[i] = ntohs(a.sin_port);
    for (int k = 0; k < 2; k++) {
      f->fill[i][k] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      connect(f->fill[i][k], (struct sockaddr *)&a, sizeof a);
    }
  }
  qsort(f->ports, NFULL, sizeof f->ports[0], cmp_u16);
  usleep(50000);
}

static void full_close(struct full *f) {
  for (int i = 0; i < NFULL; i++) {
    close(f->lfd[i]);
    close(f->fill[i][0]);
    close(f->fill[i][1]);
  }
}

/* --max-parallelism 10 holds the window: 60 filtered ports at 300 ms each
 * take six rounds. --min-rate sends them regardless, as in Nmap. */
static void test_min_rate(void **state) {
  (void)state;
  struct full f;
  full_open(&f);
  struct scan_opts o;
  opts_init(&o);
  o.max_retries = 0;
  o.initial_rtt_timeout_ms = 300;
  o.min_rtt_timeout_ms = 300;
  o.max_parallelism = 10;
  struct sockaddr_in a = lo4();
  double slow, fast;
  struct host *h =
      scan((struct sockaddr *)&a, sizeof a, &o, f.ports, NFULL, &slow);
  assert_int_equal(host_state_count(h, PROTO_TCP, PS_FILTERED), NFULL);
  host_free(h);
  o.min_rate = 2000;
  h = scan((struct sockaddr *)&a, sizeof a, &o, f.ports, NFULL, &fast);
  assert_int_equal(host_state_count(h, PROTO_TCP, PS_FILTERED), NFULL);
  host_free(h);
  assert_true(slow >= 1.5);
  assert_true(fast < 1.0);
  opts_free(&o);
  full_close(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_max_rate),     cmocka_unit_test(test_scan_delay),
      cmocka_unit_test(test_no_retries),   cmocka_unit_test(test_ipv6),
      cmocka_unit_test(test_idle_release), cmocka_unit_test(test_done_per_host),
      cmocka_unit_test(test_min_rate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
