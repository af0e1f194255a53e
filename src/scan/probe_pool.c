/* Connect-probe worker threads; see probe_pool.h.
 *
 * A worker's loop owns its sockets. Loopback connects cost about as much in
 * the kernel as all the rest of a scan, so each system call counts:
 *  - Sockets are reused. Linux resets a socket whose connect failed to the
 *    unconnected state, and connect(AF_UNSPEC) does the same to a connected
 *    one (with an RST, so no TIME_WAIT is left behind); the same socket then
 *    connects to the next port. A closed port costs two connect() calls
 *    (start, then fetch the outcome) instead of socket, connect, epoll_ctl,
 *    getsockopt and close: twice the speed of the plain loop
 *    (bench/epoll-floor.c).
 *  - Each socket sits in a private epoll set (edge-triggered) whose
 *    descriptor one uv_poll_t watches on the worker's libuv loop; a
 *    uv_poll_t per socket would add four system calls per probe.
 *  - Deadlines sit in a binary heap served by one timer armed for the
 *    earliest one. A timed-out socket is closed, not reused.
 *
 * Invariants: a slot is in the heap iff it has a probe; an idle slot's
 * socket is unconnected; every socket is in the worker's epoll set until it
 * is closed. */
#include "scan/probe_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/host.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "net/fdlimit.h"

/* Idle sockets are closed after this long with nothing in flight, so a
 * finished scan does not hold descriptors the script engine may need. */
#define IDLE_CLOSE_US 200000

struct worker;

struct slot {
  struct probe *p; /* NULL while idle */
  int fd, family;
  int64_t deadline;
  size_t heap_idx;
  struct slot *next_free;
};

struct worker {
  struct probe_pool *pool;
  uv_thread_t tid;
  uv_loop_t loop;
  uv_async_t wake;
  uv_timer_t timer;
  uv_poll_t epoll_watch; /* readable when the private epoll set has events */
  int epfd;
  int64_t armed;        /* deadline the timer is set for, or -1 */
  int64_t last_busy_us; /* last probe started or answered */
  uint32_t bind_seq;    /* next source port to try binding, see slot_bind */

  uv_mutex_t lock; /* guards in_* and stop */
  struct probe *in_head, *in_tail;
  int stop;

  struct slot **heap;
  size_t nheap, heapcap;
  struct slot *idle[2]; /* unconnected sockets: IPv4, IPv6 */
  unsigned nidle, nsockets;

  struct probe *out_head, *out_tail; /* results of the current callback */
};

struct probe_pool {
  uv_loop_t *main_loop;
  uv_async_t done_async;
  probe_results_fn cb;
  void *ud;
  unsigned n, next;
  unsigned max_idle;       /* idle sockets a worker keeps for reuse */
  unsigned eph_lo, eph_hi; /* the kernel's ephemeral port range */
  struct worker *workers;
  struct probe **staged_head, **staged_tail;

  uv_mutex_t lock; /* guards res_* */
  struct probe *res_head, *res_tail;
};

int64_t probe_now_us(void) {
  return (int64_t)(uv_hrtime() / 1000);
}

static void list_append(struct probe **head, struct probe **tail,
                        struct probe *h2, struct probe *t2) {
  if (h2 == NULL)
    return;
  if (*head == NULL)
    *head = h2;
  else
    (*tail)->next = h2;
  *tail = t2;
}

/* ---- heap of in-progress sockets, by deadline ---- */

static void heap_swap(struct worker *w, size_t a, size_t b) {
  struct slot *t = w->heap[a];
  w->heap[a] = w->heap[b];
  w->heap[b] = t;
  w->heap[a]->heap_idx = a;
  w->heap[b]->heap_idx = b;
}

static void heap_up(struct worker *w, size_t i) {
  while (i > 0 && w->heap[(i - 1) / 2]->deadline > w->heap[i]->deadline) {
    heap_swap(w, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void heap_down(struct worker *w, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < w->nheap && w->heap[l]->deadline < w->heap[m]->deadline)
      m = l;
    if (r < w->nheap && w->heap[r]->deadline < w->heap[m]->deadline)
      m = r;
    if (m == i)
      return;
    heap_swap(w, i, m);
    i = m;
  }
}

static void heap_push(struct worker *w, struct slot *s) {
  w->heap = xgrow(w->heap, &w->heapcap, w->nheap + 1, sizeof *w->heap);
  s->heap_idx = w->nheap;
  w->heap[w->nheap++] = s;
  heap_up(w, s->heap_idx);
}

static void heap_remove(struct worker *w, struct slot *s) {
  size_t i = s->heap_idx;
  w->nheap--;
  if (i != w->nheap) {
    heap_swap(w, i, w->nheap);
    heap_down(w, i);
    heap_up(w, i);
  }
}

/* ---- classification ---- */

static void classify(struct probe *p, int err) {
  p->err = err;
  switch (err) {
  case 0:
    p->result = PR_OPEN;
    p->reason = RSN_SYN_ACK;
    break;
  case ECONNREFUSED:
  case ECONNRESET:
    p->result = PR_CLOSED;
    p->reason = RSN_CONN_REFUSED;
    break;
  case EHOSTUNREACH:
  case EHOSTDOWN:
    p->result = PR_FILTERED;
    p->reason = RSN_HOST_UNREACH;
    break;
  case ENETUNREACH:
  case ENETDOWN:
    p->result = PR_FILTERED;
    p->reason = RSN_NET_UNREACH;
    break;
  case EACCES:
  case EPERM:
    /* Linux reports ICMP administratively-prohibited and local netfilter
     * refusals this way. */
    p->result = PR_FILTERED;
    p->reason = RSN_ADMIN_PROHIBITED;
    break;
  case ETIMEDOUT:
    p->result = PR_TIMEOUT;
    p->reason = RSN_NO_RESPONSE;
    break;
  case EMFILE:
  case ENFILE:
  case ENOBUFS:
  case ENOMEM:
  case EAGAIN:
  case EADDRNOTAVAIL:
  case EADDRINUSE:
    p->result = PR_AGAIN;
    p->reason = RSN_NONE;
    break;
  default:
    p->result = PR_FILTERED;
    p->reason = RSN_NO_RESPONSE;
    break;
  }
}

static void finish(struct worker *w, struct probe *p) {
  p->rtt_us = probe_now_us() - p->sent_us;
  p->next = NULL;
  list_append(&w->out_head, &w->out_tail, p, p);
}

/* Hands this callback's results to the main loop in one batch. */
static void publish(struct worker *w) {
  if (w->out_head == NULL)
    return;
  struct probe_pool *pp = w->pool;
  uv_mutex_lock(&pp->lock);
  list_append(&pp->res_head, &pp->res_tail, w->out_head, w->out_tail);
  uv_mutex_unlock(&pp->lock);
  w->out_head = w->out_tail = NULL;
  uv_async_send(&pp->done_async);
}

/* ---- sockets ---- */

/* Gives a new socket a fixed source port. A port bound explicitly stays
 * with the socket when a connect fails or is undone (the kernel frees only
 * ports it picked itself), so every later connect skips the search for a
 * free ephemeral port (__inet_hash_connect and inet_put_port were ~8% of the
 * workers' time in the host-sweep profile). One socket connects to one
 * destination at a time and never leaves TIME_WAIT behind (its connections
 * end in an RST), so one port per socket cannot collide. A port taken by
 * someone else is skipped; after a few tries the socket stays unbound and
 * the kernel picks per connect, as before. */
static void slot_bind(struct worker *w, int fd, int family) {
  unsigned lo = w->pool->eph_lo, span = w->pool->eph_hi - lo + 1;
  for (int tries = 0; tries < 4; tries++) {
    /* An odd step visits the range in a scattered order. */
    uint16_t port = (uint16_t)(lo + (w->bind_seq += 7919) % span);
    union {
      struct sockaddr sa;
      struct sockaddr_in in;
      struct sockaddr_in6 in6;
    } a;
    memset(&a, 0, sizeof a);
    socklen_t len;
    if (family == AF_INET) {
      a.in.sin_family = AF_INET;
      a.in.sin_port = htons(port);
      len = sizeof a.in;
    } else {
      a.in6.sin6_family = AF_INET6;
      a.in6.sin6_port = htons(port);
      len = sizeof a.in6;
    }
    if (bind(fd, &a.sa, len) == 0 || errno != EADDRINUSE)
      return;
  }
}

/* A socket is created once and reused for many probes. */
static struct slot *slot_new(struct worker *w, int family) {
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return NULL;
  slot_bind(w, fd, family);
  struct slot *s = xcalloc(1, sizeof *s);
  s->fd = fd;
  s->family = family;
  /* Edge-triggered: an idle socket in CLOSE state polls as HUP forever;
   * only the wake-ups of its own connect attempts matter. */
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.ptr = s};
  if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int e = errno;
    close(fd);
    free(s);
    errno = e;
    return NULL;
  }
  w->nsockets++;
  return s;
}

static void slot_destroy(struct worker *w, struct slot *s, int reset) {
  if (reset) {
    struct linger lg = {1, 0};
    setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  close(s->fd); /* also leaves the epoll set */
  w->nsockets--;
  free(s);
}

static struct slot *slot_get(struct worker *w, int family) {
  int i = family == AF_INET6;
  struct slot *s = w->idle[i];
  if (s != NULL) {
    w->idle[i] = s->next_free;
    w->nidle--;
    return s;
  }
  return slot_new(w, family);
}

/* Back to the idle list (the socket is unconnected again), unless enough
 * sockets already idle. */
static void slot_idle(struct worker *w, struct slot *s) {
  s->p = NULL;
  if (w->nidle >= w->pool->max_idle) {
    slot_destroy(w, s, 0);
    return;
  }
  int i = s->family == AF_INET6;
  s->next_free = w->idle[i];
  w->idle[i] = s;
  w->nidle++;
}

/* Connected: the port is open, unless the kernel picked the destination
 * itself as the source (a loopback self-connect through simultaneous
 * open), where nothing listens. connect(AF_UNSPEC) disconnects with an RST
 * (no TIME_WAIT) and leaves the socket reusable. */
static void on_connected(struct worker *w, struct slot *s, struct probe *p) {
  union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
  } me;
  socklen_t len = sizeof me;
  int self = 0;
  /* Only a port the kernel could pick as a source port can be ours. */
  int maybe = p->port >= w->pool->eph_lo && p->port <= w->pool->eph_hi;
  if (maybe && getsockname(s->fd, &me.sa, &len) == 0 && len == p->addrlen) {
    if (me.sa.sa_family == AF_INET)
      self = me.in.sin_port == p->addr.in.sin_port &&
             me.in.sin_addr.s_addr == p->addr.in.sin_addr.s_addr;
    else
      self = me.in6.sin6_port == p->addr.in6.sin6_port &&
             memcmp(&me.in6.sin6_addr, &p->addr.in6.sin6_addr, 16) == 0;
  }
  classify(p, self ? ECONNREFUSED : 0);
  struct sockaddr un = {.sa_family = AF_UNSPEC};
  if (connect(s->fd, &un, sizeof un) == 0)
    slot_idle(w, s);
  else
    slot_destroy(w, s, 1);
}

/* A connect that failed at once or after waiting: Linux has already reset
 * the socket to unconnected, so it can be reused. */
static void on_failed(struct worker *w, struct slot *s, struct probe *p,
                      int err) {
  classify(p, err);
  slot_idle(w, s);
}

static void arm_timer(struct worker *w);
static void close_idle(struct worker *w);

/* epoll computes the reported events from the socket's state when they
 * are collected, so writable without error or hang-up means established:
 * open, no system call needed. Otherwise, calling connect() again on a
 * socket whose attempt ended returns its outcome (the error, which also
 * resets the socket): one system call instead of getsockopt + close +
 * socket + epoll_ctl. EALREADY means the wake-up was stale (left by an
 * earlier use of the socket) and the attempt is still going. */
static void on_socket_event(struct worker *w, struct slot *s, uint32_t events) {
  struct probe *p = s->p;
  if (p == NULL)
    return; /* idle socket: a stale wake-up */
  int err = 0;
  if (!(events & EPOLLOUT) || (events & (EPOLLERR | EPOLLHUP)))
    err = connect(s->fd, &p->addr.sa, p->addrlen) == 0 ? 0 : errno;
  if (err == EALREADY || err == EINPROGRESS)
    return;
  heap_remove(w, s);
  if (err == 0 || err == EISCONN)
    on_connected(w, s, p);
  else
    on_failed(w, s, p, err);
  finish(w, p);
}

static void on_epoll(uv_poll_t *hd, int status, int events) {
  (void)status;
  (void)events;
  struct worker *w = hd->data;
  struct epoll_event evs[256];
  int n;
  do {
    n = epoll_wait(w->epfd, evs, 256, 0);
    for (int i = 0; i < n; i++)
      on_socket_event(w, evs[i].data.ptr, evs[i].events);
  } while (n == 256);
  w->last_busy_us = probe_now_us();
  publish(w);
  arm_timer(w);
}

static void on_timer(uv_timer_t *t) {
  struct worker *w = t->data;
  int64_t now = probe_now_us();
  w->armed = -1;
  while (w->nheap > 0 && w->heap[0]->deadline <= now) {
    struct slot *s = w->heap[0];
    struct probe *p = s->p;
    /* An ICMP error that arrived while the socket was locked (loopback
     * answers inside our own connect call) is only recorded as a soft
     * error, and the kernel waits for its SYN retransmission; SO_ERROR
     * still reveals it. */
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
      err = 0;
    classify(p, err);
    if (err == 0 || p->result == PR_AGAIN || p->result == PR_OPEN) {
      p->result = PR_TIMEOUT;
      p->reason = RSN_NO_RESPONSE;
      p->err = ETIMEDOUT;
    }
    heap_remove(w, s);
    /* A socket still in SYN_SENT is not reused: closing it is the only
     * clean way to forget the attempt. */
    slot_destroy(w, s, 0);
    finish(w, p);
  }
  if (w->nheap == 0 && now - w->last_busy_us >= IDLE_CLOSE_US)
    close_idle(w);
  publish(w);
  arm_timer(w);
}

static void close_idle(struct worker *w) {
  for (int i = 0; i < 2; i++) {
    while (w->idle[i]) {
      struct slot *s = w->idle[i];
      w->idle[i] = s->next_free;
      slot_destroy(w, s, 0);
    }
  }
  w->nidle = 0;
}

/* The timer serves the earliest deadline, or, with nothing in flight, the
 * moment idle sockets are given back. */
static void arm_timer(struct worker *w) {
  int64_t d;
  if (w->nheap > 0)
    d = w->heap[0]->deadline;
  else if (w->nidle > 0)
    d = w->last_busy_us + IDLE_CLOSE_US;
  else
    return;
  if (w->armed >= 0 && w->armed <= d)
    return;
  int64_t now = probe_now_us();
  /* Round up: firing a millisecond early would only re-arm. */
  uint64_t ms = d > now ? (uint64_t)((d - now + 999) / 1000) : 0;
  uv_timer_start(&w->timer, on_timer, ms, 0);
  w->armed = d;
}

static void start_probe(struct worker *w, struct probe *p) {
  p->sent_us = probe_now_us();
  w->last_busy_us = p->sent_us;
  struct slot *s = slot_get(w, p->addr.sa.sa_family);
  if (s == NULL) {
    classify(p, errno);
    finish(w, p);
    return;
  }
  if (connect(s->fd, &p->addr.sa, p->addrlen) == 0) {
    on_connected(w, s, p);
    finish(w, p);
    return;
  }
  int err = errno;
  if (err == EINPROGRESS) {
    s->p = p;
    s->deadline = p->sent_us + p->timeout_us;
    heap_push(w, s);
    return;
  }
  if (err == EALREADY || err == EISCONN) {
    /* Cannot happen to an idle socket; drop it and retry the probe. */
    slot_destroy(w, s, 1);
    classify(p, EAGAIN);
  } else {
    on_failed(w, s, p, err);
  }
  finish(w, p);
}

static void on_wake(uv_async_t *a) {
  struct worker *w = a->data;
  uv_mutex_lock(&w->lock);
  struct probe *list = w->in_head;
  int stop = w->stop;
  w->in_head = w->in_tail = NULL;
  uv_mutex_unlock(&w->lock);

  if (stop) {
    while (list) {
      struct probe *p = list;
      list = p->next;
      p->result = PR_CANCELED;
      finish(w, p);
    }
    while (w->nheap > 0) {
      struct slot *s = w->heap[0];
      struct probe *p = s->p;
      p->result = PR_CANCELED;
      heap_remove(w, s);
      slot_destroy(w, s, 0);
      finish(w, p);
    }
    close_idle(w);
    publish(w);
    uv_close((uv_handle_t *)&w->wake, NULL);
    uv_close((uv_handle_t *)&w->timer, NULL);
    uv_close((uv_handle_t *)&w->epoll_watch, NULL);
    return;
  }
  while (list) {
    struct probe *p = list;
    list = p->next;
    start_probe(w, p);
  }
  publish(w);
  arm_timer(w);
}

static void worker_main(void *arg) {
  struct worker *w = arg;
  pthread_setname_np(pthread_self(), "pt-connect"); /* for top, perf */
  uv_run(&w->loop, UV_RUN_DEFAULT);
  uv_loop_close(&w->loop);
  close(w->epfd);
  free(w->heap);
}

static void on_results(uv_async_t *a) {
  struct probe_pool *pp = a->data;
  uv_mutex_lock(&pp->lock);
  struct probe *list = pp->res_head;
  pp->res_head = pp->res_tail = NULL;
  uv_mutex_unlock(&pp->lock);
  if (list)
    pp->cb(list, pp->ud);
}

/* The local port range connect() picks source ports from; when unknown,
 * every port (the self-connect check then runs for every open port). */
static void read_port_range(unsigned *lo, unsigned *hi) {
  *lo = 1;
  *hi = 65535;
  FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
  if (f == NULL)
    return;
  unsigned a, b;
  if (fscanf(f, "%u %u", &a, &b) == 2 && a <= b && b <= 65535) {
    *lo = a;
    *hi = b;
  }
  fclose(f);
}

struct probe_pool *probe_pool_new(uv_loop_t *main_loop, unsigned n,
                                  probe_results_fn cb, void *ud) {
  struct probe_pool *pp = xcalloc(1, sizeof *pp);
  pp->main_loop = main_loop;
  pp->cb = cb;
  pp->ud = ud;
  pp->n = n < 1 ? 1 : n;
  /* Probes are spread evenly, so a worker's sockets (busy and idle) stay
   * near its share of the in-flight cap, itself within the fd budget:
   * keeping that many idle avoids re-creating sockets. */
  long idle = fdlimit_socket_budget() / (long)pp->n;
  pp->max_idle = idle < 16 ? 16 : (unsigned)idle;
  read_port_range(&pp->eph_lo, &pp->eph_hi);
  uv_mutex_init(&pp->lock);
  uv_async_init(main_loop, &pp->done_async, on_results);
  pp->done_async.data = pp;
  pp->workers = xcalloc(pp->n, sizeof *pp->workers);
  pp->staged_head = xcalloc(pp->n, sizeof *pp->staged_head);
  pp->staged_tail = xcalloc(pp->n, sizeof *pp->staged_tail);
  for (unsigned i = 0; i < pp->n; i++) {
    struct worker *w = &pp->workers[i];
    w->pool = pp;
    w->armed = -1;
    w->bind_seq = (uint32_t)(uv_hrtime() ^ (uv_hrtime() >> 32)) + i * 104729u;
    uv_mutex_init(&w->lock);
    uv_loop_init(&w->loop);
    uv_async_init(&w->loop, &w->wake, on_wake);
    w->wake.data = w;
    uv_timer_init(&w->loop, &w->timer);
    w->timer.data = w;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0) {
      log_error("connect scan: epoll_create1: %s", strerror(errno));
      abort();
    }
    uv_poll_init(&w->loop, &w->epoll_watch, w->epfd);
    w->epoll_watch.data = w;
    uv_poll_start(&w->epoll_watch, UV_READABLE, on_epoll);
    uv_thread_create(&w->tid, worker_main, w);
  }
  return pp;
}

void probe_pool_queue(struct probe_pool *pp, struct probe *p) {
  unsigned i = pp->next++ % pp->n;
  p->next = NULL;
  list_append(&pp->staged_head[i], &pp->staged_tail[i], p, p);
}

void probe_pool_flush(struct probe_pool *pp) {
  for (unsigned i = 0; i < pp->n; i++) {
    if (pp->staged_head[i] == NULL)
      continue;
    struct worker *w = &pp->workers[i];
    uv_mutex_lock(&w->lock);
    list_append(&w->in_head, &w->in_tail, pp->staged_head[i],
                pp->staged_tail[i]);
    uv_mutex_unlock(&w->lock);
    pp->staged_head[i] = pp->staged_tail[i] = NULL;
    uv_async_send(&w->wake);
  }
}

static void pool_closed(uv_handle_t *hd) {
  struct probe_pool *pp = hd->data;
  uv_mutex_destroy(&pp->lock);
  free(pp);
}

static void drop_list(struct probe *list, void (*drop)(struct probe *p)) {
  while (list) {
    struct probe *p = list;
    list = p->next;
    drop(p);
  }
}

void probe_pool_free(struct probe_pool *pp, void (*drop)(struct probe *p)) {
  for (unsigned i = 0; i < pp->n; i++) {
    struct worker *w = &pp->workers[i];
    uv_mutex_lock(&w->lock);
    w->stop = 1;
    uv_mutex_unlock(&w->lock);
    uv_async_send(&w->wake);
  }
  for (unsigned i = 0; i < pp->n; i++) {
    struct worker *w = &pp->workers[i];
    uv_thread_join(&w->tid);
    uv_mutex_destroy(&w->lock);
    drop_list(pp->staged_head[i], drop);
  }
  drop_list(pp->res_head, drop);
  pp->res_head = pp->res_tail = NULL;
  free(pp->workers);
  free(pp->staged_head);
  free(pp->staged_tail);
  uv_close((uv_handle_t *)&pp->done_async, pool_closed);
}
