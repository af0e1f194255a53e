/* Connect scan and discovery against real sockets on loopback: listeners on
 * 127.0.0.1 port 0 (open), ports bound then released (closed), and a
 * listener whose accept queue is full (SYNs dropped: filtered). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/options.h"
#include "scan/scan.h"

static struct sockaddr_in lo_addr(const char *ip, uint16_t port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

/* A listening socket on 127.0.0.1, port chosen by the kernel. */
static int listen_any(int backlog, uint16_t *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = lo_addr("127.0.0.1", 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(fd, backlog), 0);
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  *port = ntohs(a.sin_port);
  return fd;
}

/* A listener whose accept queue is full, so SYNs to its port are dropped
 * (the port looks filtered): backlog 0 admits one connection and the
 * others wait unanswered. */
struct full_port {
  uint16_t port;
  int lfd;
  int fill[3];
};

static void full_open(struct full_port *fp) {
  fp->lfd = listen_any(0, &fp->port);
  struct sockaddr_in fa = lo_addr("127.0.0.1", fp->port);
  for (int i = 0; i < 3; i++) {
    fp->fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fp->fill[i], (struct sockaddr *)&fa, sizeof fa);
  }
  usleep(50000);
}

static void full_close(struct full_port *fp) {
  for (int i = 0; i < 3; i++)
    close(fp->fill[i]);
  close(fp->lfd);
}

/* A port that was just free: bound, never listened, closed. */
static uint16_t closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = lo_addr("127.0.0.1", 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd);
  return ntohs(a.sin_port);
}

/* Whether ip:port answers a plain connect (connected or refused) within
 * half a second. */
static int answers(const char *ip, uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = lo_addr(ip, port);
  int r = connect(fd, (struct sockaddr *)&a, sizeof a);
  if (r != 0 && errno == EINPROGRESS) {
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    r = poll(&pfd, 1, 500) == 1 ? 0 : -1;
  } else {
    r = 0; /* connected or refused at once */
  }
  close(fd);
  return r == 0;
}

static int cmp_u16(const void *a, const void *b) {
  return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

struct run {
  int ndone;
  struct host *order[8];
};

static void on_done(struct host *h, void *ud) {
  struct run *r = ud;
  for (int i = 0; i < r->ndone; i++)
    assert_ptr_not_equal(r->order[i], h); /* once per host */
  if (r->ndone < 8)
    r->order[r->ndone] = h;
  r->ndone++;
}

static struct host *host_at(const char *ip) {
  struct sockaddr_in a = lo_addr(ip, 0);
  return host_new((struct sockaddr *)&a, sizeof a);
}

/* Runs the loop until `want` hosts are done or ~20 s pass. */
static void run_until(uv_loop_t *loop, struct run *r, int want) {
  for (int i = 0; i < 2000 && r->ndone < want; i++)
    uv_run(loop, UV_RUN_ONCE);
}

static void close_loop(uv_loop_t *loop) {
  uv_run(loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(loop), 0);
}

/* A loop and default options for one scan. */
static void scan_env_init(uv_loop_t *loop, struct scan_opts *o) {
  uv_loop_init(loop);
  opts_init(o);
}

/* The options, then the loop (drained; it must close cleanly). */
static void scan_env_free(uv_loop_t *loop, struct scan_opts *o) {
  opts_free(o);
  close_loop(loop);
}

static void test_open_closed(void **state) {
  (void)state;
  uint16_t ports[6];
  int lfd[3];
  for (int i = 0; i < 3; i++)
    lfd[i] = listen_any(16, &ports[i]);
  for (int i = 3; i < 6; i++)
    ports[i] = closed_port();
  qsort(ports, 6, sizeof ports[0], cmp_u16);
  struct portlist pl = {0};
  pl.ports[PROTO_TCP] = ports;
  pl.n[PROTO_TCP] = 6;

  uv_loop_t loop;
  struct scan_opts o;
  scan_env_init(&loop, &o);
  struct run r = {0};
  struct connect_scan *cs = connect_scan_new(&loop, &o, on_done, &r);
  struct host *h = host_at("127.0.0.1");
  connect_scan_add(cs, h, &pl);
  assert_int_equal(connect_scan_pending(cs), 1);
  run_until(&loop, &r, 1);
  assert_int_equal(r.ndone, 1);
  assert_int_equal(connect_scan_pending(cs), 0);
  assert_int_equal(host_port_count(h, PROTO_TCP), 6);
  assert_int_equal(host_state_count(h, PROTO_TCP, PS_OPEN), 3);
  assert_int_equal(host_state_count(h, PROTO_TCP, PS_CLOSED), 3);
  for (int i = 0; i < 6; i++) {
    struct port *pt = host_port_get(h, PROTO_TCP, ports[i]);
    assert_non_null(pt);
    if (pt->state == PS_OPEN)
      assert_int_equal(pt->reason, RSN_SYN_ACK);
    else
      assert_int_equal(pt->reason, RSN_CONN_REFUSED);
  }
  for (int i = 0; i < 3; i++) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    getsockname(lfd[i], (struct sockaddr *)&a, &len);
    struct port *pt = host_port_get(h, PROTO_TCP, ntohs(a.sin_port));
    assert_int_equal(pt->state, PS_OPEN);
    close(lfd[i]);
  }
  assert_true(h->srtt_us >= 0);
  assert_true(h->timeout_us >= 100000); /* -T3 min RTT timeout */
  assert_true(h->end_time >= h->start_time);
  assert_int_equal(h->timed_out, 0);
  host_free(h);
  connect_scan_free(cs);
  scan_env_free(&loop, &o);
}

/* A full accept queue drops SYNs: the port must end filtered, after the
 * retransmissions allowed, while an open and a closed port are reported. */
static void test_filtered(void **state) {
  (void)state;
  uint16_t open, closed = closed_port();
  struct full_port fp;
  full_open(&fp);
  uint16_t full = fp.port;
  int lo = listen_any(4, &open);
  uint16_t ports[3] = {full, open, closed};
  qsort(ports, 3, sizeof ports[0], cmp_u16);
  struct portlist pl = {0};
  pl.ports[PROTO_TCP] = ports;
  pl.n[PROTO_TCP] = 3;

  uv_loop_t loop;
  struct scan_opts o;
  scan_env_init(&loop, &o);
  o.max_retries = 2;
  o.initial_rtt_timeout_ms = 100;
  o.max_rtt_timeout_ms = 150;
  struct run r = {0};
  struct connect_scan *cs = connect_scan_new(&loop, &o, on_done, &r);
  struct host *h = host_at("127.0.0.1");
  connect_scan_add(cs, h, &pl);
  run_until(&loop, &r, 1);
  assert_int_equal(r.ndone, 1);
  assert_int_equal(host_port_get(h, PROTO_TCP, full)->state, PS_FILTERED);
  assert_int_equal(host_port_get(h, PROTO_TCP, full)->reason, RSN_NO_RESPONSE);
  assert_int_equal(host_port_get(h, PROTO_TCP, open)->state, PS_OPEN);
  assert_int_equal(host_port_get(h, PROTO_TCP, closed)->state, PS_CLOSED);
  host_free(h);
  connect_scan_free(cs);
  scan_env_free(&loop, &o);
  full_close(&fp);
  close(lo);
}

/* --host-timeout: a host whose only port never answers is given up with
 * timed_out set, long before its retransmissions would end. */
static void test_host_timeout(void **state) {
  (void)state;
  struct full_port fp;
  full_open(&fp);
  struct portlist pl = {0};
  pl.ports[PROTO_TCP] = &fp.port;
  pl.n[PROTO_TCP] = 1;
  uv_loop_t loop;
  struct scan_opts o;
  scan_env_init(&loop, &o);
  o.host_timeout_ms = 150;
  o.initial_rtt_timeout_ms = 5000;
  o.max_rtt_timeout_ms = 5000;
  struct run r = {0};
  struct connect_scan *cs = connect_scan_new(&loop, &o, on_done, &r);
  struct host *h = host_at("127.0.0.1");
  uint64_t t0 = uv_hrtime();
  connect_scan_add(cs, h, &pl);
  run_until(&loop, &r, 1);
  assert_int_equal(r.ndone, 1);
  assert_int_equal(h->timed_out, 1);
  assert_true(uv_hrtime() - t0 < 3000000000ULL);
  host_free(h);
  connect_scan_free(cs);
  scan_env_free(&loop, &o);
  full_close(&fp);
}

/* Many hosts and many ports: every port of every host is classified, and
 * each host's callback fires once. 127.0.0.2 and .3 are loopback too. */
static void test_many(void **state) {
  (void)state;
  uint16_t lport;
  int lfd = listen_any(64, &lport);
  enum { N = 3000 };
  uint16_t *ports = calloc(N, sizeof *ports);
  /* A window of ports ending with the listener's: distinct, sorted. */
  uint16_t base = lport > N ? (uint16_t)(lport - N + 1) : 1;
  for (int i = 0; i < N; i++)
    ports[i] = (uint16_t)(base + i);
  struct portlist pl = {0};
  pl.ports[PROTO_TCP] = ports;
  pl.n[PROTO_TCP] = N;
  uv_loop_t loop;
  struct scan_opts o;
  scan_env_init(&loop, &o);
  o.timing = 4;
  struct run r = {0};
  struct connect_scan *cs = connect_scan_new(&loop, &o, on_done, &r);
  const char *ips[3] = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
  struct host *h[3];
  for (int i = 0; i < 3; i++) {
    h[i] = host_at(ips[i]);
    connect_scan_add(cs, h[i], &pl);
  }
  run_until(&loop, &r, 3);
  assert_int_equal(r.ndone, 3);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(host_port_count(h[i], PROTO_TCP), N);
    assert_int_equal(host_state_count(h[i], PROTO_TCP, PS_UNKNOWN), 0);
    /* Filtered only where a connect really goes unanswered (another
     * test's listener with a full queue, say). */
    size_t n;
    struct port *pts = host_ports(h[i], PROTO_TCP, &n);
    for (size_t k = 0; k < n; k++)
      if (pts[k].state == PS_FILTERED)
        assert_false(answers(ips[i], pts[k].number));
    assert_true(host_state_count(h[i], PROTO_TCP, PS_OPEN) >= (i == 0));
  }
  assert_int_equal(host_port_get(h[0], PROTO_TCP, lport)->state, PS_OPEN);
  /* The listener is bound to 127.0.0.1 only. */
  assert_int_equal(host_port_get(h[1], PROTO_TCP, lport)->state, PS_CLOSED);
  for (int i = 0; i < 3; i++)
    host_free(h[i]);
  connect_scan_free(cs);
  scan_env_free(&loop, &o);
  close(lfd);
  free(ports);
}

/* Out of descriptors: with a tiny limit and most of it taken, EMFILE must
 * make the scanner back off and retry, never misreport or fail. Runs in a
 * child because the limit cannot be raised again. */
static void test_emfile(void **state) {
  (void)state;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    struct rlimit rl = {48, 48};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      _exit(2);
    uv_loop_t loop;
    struct scan_opts o;
    scan_env_init(&loop, &o);
    struct run r = {0};
    struct connect_scan *cs = connect_scan_new(&loop, &o, on_done, &r);
    /* Leave only a couple of descriptors free. */
    int junk[64], nj = 0;
    while (nj < 64 && (junk[nj] = dup(0)) >= 0)
      nj++;
    for (int i = 0; i < 3 && nj > 0; i++)
      close(junk[--nj]);
    enum { N = 400 };
    uint16_t ports[N];
    for (int i = 0; i < N; i++)
      ports[i] = (uint16_t)(40000 + i);
    struct portlist pl = {0};
    pl.ports[PROTO_TCP] = ports;
    pl.n[PROTO_TCP] = N;
    struct host *h = host_at("127.0.0.4");
    connect_scan_add(cs, h, &pl);
    run_until(&loop, &r, 1);
    int ok = r.ndone == 1 && host_state_count(h, PROTO_TCP, PS_UNKNOWN) == 0 &&
             host_state_count(h, PROTO_TCP, PS_FILTERED) == 0 &&
             host_port_count(h, PROTO_TCP) == N;
    host_free(h);
    connect_scan_free(cs);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    _exit(ok ? 0 : 1);
  }
  int st = 0;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_stop(void **state) {
  (void)state;
  struct full_port fp;
  full_open(&fp);
  struct portlist pl = {0};
  pl.ports[PROTO_TCP] = &fp.port;
  pl.n[PROTO_TCP] = 1;
  uv_loop_t loop;
  struct scan_opts o;
  scan_env_init(&loop, &o);
  struct run r = {0};
  struct connect_scan *cs = connect_scan_new(&loop, &o, on_done, &r);
  struct host *h = host_at("127.0.0.1");
  connect_scan_add(cs, h, &pl);
  uv_run(&loop, UV_RUN_NOWAIT);
  connect_scan_stop(cs);
  assert_int_equal(r.ndone, 1);
  assert_int_equal(connect_scan_pending(cs), 0);
  host_free(h);
  connect_scan_free(cs);
  scan_env_free(&loop, &o);
  full_close(&fp);
}

static void test_discovery(void **state) {
  (void)state;
  uv_loop_t loop;
  struct scan_opts o;
  scan_env_init(&loop, &o);
  struct run r = {0};
  struct discovery *d = discovery_new(&loop, &o, on_done, &r);
  struct host *h = host_at("127.0.0.1");
  discovery_add(d, h);
  assert_int_equal(discovery_pending(d), 1);
  run_until(&loop, &r, 1);
  assert_int_equal(r.ndone, 1);
  assert_int_equal(discovery_pending(d), 0);
  /* Port 80 or 443 answers on loopback: open or refused, never silence. */
  assert_int_equal(h->status, HOST_UP);
  assert_true(h->reason == RSN_SYN_ACK || h->reason == RSN_CONN_REFUSED);
  assert_true(h->srtt_us >= 0);
  assert_int_equal(host_port_count(h, PROTO_TCP), 0);
  host_free(h);
  discovery_free(d);
  scan_env_free(&loop, &o);
}

/* Re-entrancy: a done callback that stops the scan, or frees it together
 * with every host, while other hosts still have probes in flight (their
 * SYNs are dropped by a full accept queue). ASan checks the aftermath. */
struct reent {
  struct connect_scan *cs;
  struct host *h[3];
  int mode; /* 0: stop, 1: free everything */
  int ndone;
};

static void on_reent(struct host *h, void *ud) {
  struct reent *r = ud;
  r->ndone++;
  if (h != r->h[0] || r->cs == NULL)
    return;
  if (r->mode == 0) {
    connect_scan_stop(r->cs);
  } else {
    connect_scan_free(r->cs);
    r->cs = NULL;
    for (int i = 0; i < 3; i++) {
      host_free(r->h[i]);
      r->h[i] = NULL;
    }
  }
}

static void reentrancy(int mode) {
  uint16_t closed = closed_port();
  struct full_port fp;
  full_open(&fp);
  struct portlist fast = {0}, slow = {0};
  fast.ports[PROTO_TCP] = &closed;
  fast.n[PROTO_TCP] = 1;
  slow.ports[PROTO_TCP] = &fp.port;
  slow.n[PROTO_TCP] = 1;
  uv_loop_t loop;
  struct scan_opts o;
  scan_env_init(&loop, &o);
  o.initial_rtt_timeout_ms = 500;
  o.min_rtt_timeout_ms = 500;
  struct reent r = {0};
  r.mode = mode;
  r.cs = connect_scan_new(&loop, &o, on_reent, &r);
  for (int i = 0; i < 3; i++)
    r.h[i] = host_at("127.0.0.1");
  connect_scan_add(r.cs, r.h[1], &slow);
  connect_scan_add(r.cs, r.h[2], &slow);
  connect_scan_add(r.cs, r.h[0], &fast);
  for (int i = 0; i < 2000 && r.ndone == 0; i++)
    uv_run(&loop, UV_RUN_ONCE);
  if (mode == 0) {
    /* Stopping completed the other two at once. */
    assert_int_equal(r.ndone, 3);
    assert_int_equal(connect_scan_pending(r.cs), 0);
    connect_scan_free(r.cs);
    for (int i = 0; i < 3; i++)
      host_free(r.h[i]);
  } else {
    assert_int_equal(r.ndone, 1);
    assert_null(r.cs);
  }
  close_loop(&loop);
  opts_free(&o);
  full_close(&fp);
}

static void test_stop_in_callback(void **state) {
  (void)state;
  reentrancy(0);
}

static void test_free_in_callback(void **state) {
  (void)state;
  reentrancy(1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_closed),
      cmocka_unit_test(test_filtered),
      cmocka_unit_test(test_host_timeout),
      cmocka_unit_test(test_many),
      cmocka_unit_test(test_emfile),
      cmocka_unit_test(test_stop),
      cmocka_unit_test(test_discovery),
      cmocka_unit_test(test_stop_in_callback),
      cmocka_unit_test(test_free_in_callback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
