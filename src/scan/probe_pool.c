/* Connect-probe worker threads; see probe_pool.h.
 *
 * A worker's loop owns its sockets. A connect to a nearby host (loopback
 * above all) usually completes or is refused inside connect() itself, so
 * the result is known without touching epoll; only EINPROGRESS sockets get
 * a uv_poll_t and a deadline in a binary heap, served by one timer armed
 * for the earliest deadline.
 *
 * Open connections are closed with SO_LINGER {1, 0} (an RST): a scan of
 * 65535 ports must not leave thousands of TIME_WAIT sockets that exhaust
 * the ephemeral ports.
 *
 * Invariants: a slot is in the heap iff its poll handle is active; its fd
 * is closed exactly once, right after the poll stops (libuv has removed it
 * from epoll by then); the slot's memory returns to the free list only in
 * the handle's close callback. */
#include "scan/probe_pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/host.h"
#include "core/xalloc.h"

struct worker;

struct slot {
  uv_poll_t poll;
  struct worker *w;
  struct probe *p;
  int fd;
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
  int64_t armed; /* deadline the timer is set for, or -1 */

  uv_mutex_t lock; /* guards in_* and stop */
  struct probe *in_head, *in_tail;
  int stop;

  struct slot **heap;
  size_t nheap, heapcap;
  struct slot *free_slots;

  struct probe *out_head, *out_tail; /* results of the current callback */
};

struct probe_pool {
  uv_loop_t *main_loop;
  uv_async_t done_async;
  probe_results_fn cb;
  void *ud;
  unsigned n, next;
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

static void close_fd(int fd, int connected) {
  if (connected) {
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  close(fd);
}

static void slot_closed(uv_handle_t *hd) {
  struct slot *s = hd->data;
  s->next_free = s->w->free_slots;
  s->w->free_slots = s;
}

/* Stops a waiting socket: out of the heap, poll closed, fd closed. */
static void slot_release(struct worker *w, struct slot *s, int connected) {
  heap_remove(w, s);
  uv_close((uv_handle_t *)&s->poll, slot_closed);
  close_fd(s->fd, connected);
  s->fd = -1;
  s->p = NULL;
}

static void arm_timer(struct worker *w);

static void on_poll(uv_poll_t *hd, int status, int events) {
  (void)events;
  struct slot *s = hd->data;
  struct worker *w = s->w;
  struct probe *p = s->p;
  /* libuv reports EPOLLERR as UV_EBADF; the socket's own error says what
   * really happened (ECONNREFUSED, EHOSTUNREACH...). */
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err == 0 && status < 0)
    err = -status;
  classify(p, err);
  slot_release(w, s, err == 0);
  finish(w, p);
  publish(w);
}

static void on_timer(uv_timer_t *t) {
  struct worker *w = t->data;
  int64_t now = probe_now_us();
  w->armed = -1;
  while (w->nheap > 0 && w->heap[0]->deadline <= now) {
    struct slot *s = w->heap[0];
    struct probe *p = s->p;
    p->result = PR_TIMEOUT;
    p->reason = RSN_NO_RESPONSE;
    p->err = ETIMEDOUT;
    slot_release(w, s, 0);
    finish(w, p);
  }
  publish(w);
  arm_timer(w);
}

static void arm_timer(struct worker *w) {
  if (w->nheap == 0)
    return;
  int64_t d = w->heap[0]->deadline;
  if (w->armed >= 0 && w->armed <= d)
    return;
  int64_t now = probe_now_us();
  /* Round up: firing a millisecond early would only re-arm. */
  uint64_t ms = d > now ? (uint64_t)((d - now + 999) / 1000) : 0;
  uv_timer_start(&w->timer, on_timer, ms, 0);
  w->armed = d;
}

static struct slot *slot_get(struct worker *w) {
  struct slot *s = w->free_slots;
  if (s != NULL) {
    w->free_slots = s->next_free;
  } else {
    s = xcalloc(1, sizeof *s);
    s->w = w;
  }
  return s;
}

static void start_probe(struct worker *w, struct probe *p) {
  p->sent_us = probe_now_us();
  int fd = socket(p->addr.sa.sa_family,
                  SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    classify(p, errno);
    finish(w, p);
    return;
  }
  if (connect(fd, &p->addr.sa, p->addrlen) == 0) {
    classify(p, 0);
    close_fd(fd, 1);
    finish(w, p);
    return;
  }
  int err = errno;
  if (err != EINPROGRESS) {
    classify(p, err);
    close_fd(fd, 0);
    finish(w, p);
    return;
  }
  struct slot *s = slot_get(w);
  if (uv_poll_init_socket(&w->loop, &s->poll, fd) != 0 ||
      uv_poll_start(&s->poll, UV_WRITABLE, on_poll) != 0) {
    /* Only resource exhaustion makes these fail: retry later. */
    close(fd);
    s->next_free = w->free_slots;
    w->free_slots = s;
    classify(p, ENOMEM);
    finish(w, p);
    return;
  }
  s->poll.data = s;
  s->fd = fd;
  s->p = p;
  s->deadline = p->sent_us + p->timeout_us;
  heap_push(w, s);
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
      slot_release(w, s, 0);
      finish(w, p);
    }
    publish(w);
    uv_close((uv_handle_t *)&w->wake, NULL);
    uv_close((uv_handle_t *)&w->timer, NULL);
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
  uv_run(&w->loop, UV_RUN_DEFAULT);
  uv_loop_close(&w->loop);
  while (w->free_slots) {
    struct slot *s = w->free_slots;
    w->free_slots = s->next_free;
    free(s);
  }
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

struct probe_pool *probe_pool_new(uv_loop_t *main_loop, unsigned n,
                                  probe_results_fn cb, void *ud) {
  struct probe_pool *pp = xcalloc(1, sizeof *pp);
  pp->main_loop = main_loop;
  pp->cb = cb;
  pp->ud = ud;
  pp->n = n < 1 ? 1 : n;
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
    uv_mutex_init(&w->lock);
    uv_loop_init(&w->loop);
    uv_async_init(&w->loop, &w->wake, on_wake);
    w->wake.data = w;
    uv_timer_init(&w->loop, &w->timer);
    w->timer.data = w;
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
