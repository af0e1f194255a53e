/* Asynchronous DNS with c-ares driven by libuv; see dns.h.
 *
 * c-ares tells us which sockets it wants watched (sock_state_cb): each
 * gets a uv_poll_t; its retransmission timeouts run on one uv_timer_t,
 * re-armed from ares_timeout after every event.
 *
 * Invariants:
 *   - User callbacks never run inside c-ares or inside dns_resolve: c-ares
 *     completions (and numeric answers) are moved to the `done` queue, and
 *     a uv_idle_t, started only while that queue is non-empty, delivers
 *     them. So c-ares is never re-entered from its own callback, and a
 *     user callback may start lookups or close the resolver.
 *   - Every query is on exactly one of: in c-ares (`inflight`), in `done`.
 *     dns_close cancels c-ares (its callbacks move queries to `done`),
 *     then delivers all of `done` with UV_ECANCELED.
 *   - The struct is freed when the last of its handles' close callbacks
 *     has run (`handles` counts open uv handles).
 *   - The loop is kept alive exactly while lookups are pending: the timer
 *     (armed while any is in flight) and the idle handle (while answers
 *     wait for delivery) are referenced; socket watches are not. */
#include "net/dns.h"

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errcode.h"
#include "core/xalloc.h"

enum query_kind { Q_FORWARD, Q_REVERSE };

struct query {
  struct dns *d;
  enum query_kind kind;
  dns_resolve_cb rcb;
  dns_reverse_cb vcb;
  void *ud;
  int status;
  struct sockaddr_storage *addrs;
  size_t naddrs;
  char *name;
  struct query *next;
};

struct watch {
  uv_poll_t poll;
  struct dns *d;
  ares_socket_t fd;
  struct watch *next;
};

struct dns {
  uv_loop_t *loop;
  ares_channel ch;
  uv_timer_t timer;
  uv_idle_t idle;
  struct watch *watches;
  struct query *done_head, *done_tail;
  size_t inflight, ndone;
  int handles, closing;
  char last_error[128];
};

static void on_idle(uv_idle_t *h);
static void rearm(struct dns *d);

static int translate(int ares_status) {
  switch (ares_status) {
  case ARES_SUCCESS:
    return 0;
  case ARES_ENODATA:
  case ARES_ENOTFOUND:
  case ARES_ENONAME:
    return PT_ENOTFOUND;
  case ARES_ETIMEOUT:
    return PT_ETIMEDOUT;
  case ARES_ECANCELLED:
  case ARES_EDESTRUCTION:
    return UV_ECANCELED;
  case ARES_ENOMEM:
    return -ENOMEM;
  case ARES_EBADNAME:
  case ARES_EBADFAMILY:
  case ARES_EBADSTR:
  case ARES_EBADHINTS:
    return PT_EPARSE;
  default:
    return PT_ERESOLVE;
  }
}

static void set_error(struct dns *d, int ares_status) {
  snprintf(d->last_error, sizeof d->last_error, "%s",
           ares_strerror(ares_status));
}

/* Moves a finished query to the delivery queue. */
static void finish(struct query *q, int status) {
  struct dns *d = q->d;
  q->status = status;
  q->next = NULL;
  if (d->done_tail != NULL)
    d->done_tail->next = q;
  else
    d->done_head = q;
  d->done_tail = q;
  d->ndone++;
  if (!d->closing)
    uv_idle_start(&d->idle, on_idle);
}

static void query_free(struct query *q) {
  free(q->addrs);
  free(q->name);
  free(q);
}

static void deliver(struct query *q, int status) {
  if (q->kind == Q_FORWARD)
    q->rcb(status, status == 0 ? q->addrs : NULL, status == 0 ? q->naddrs : 0,
           q->ud);
  else
    q->vcb(status, status == 0 ? q->name : NULL, q->ud);
  query_free(q);
}

static struct query *pop_done(struct dns *d) {
  struct query *q = d->done_head;
  if (q == NULL)
    return NULL;
  d->done_head = q->next;
  if (d->done_head == NULL)
    d->done_tail = NULL;
  d->ndone--;
  return q;
}

static void on_idle(uv_idle_t *h) {
  struct dns *d = h->data;
  /* Deliver only what is queued now: callbacks may queue more, which the
   * next iteration delivers, so a callback chain cannot starve the loop. */
  size_t n = d->ndone;
  struct query *q;
  while (n-- > 0 && !d->closing && (q = pop_done(d)) != NULL)
    deliver(q, q->status);
  if (!d->closing && d->done_head == NULL)
    uv_idle_stop(&d->idle);
}

/* ---- Sockets and timer ---- */

static void handle_closed(uv_handle_t *h) {
  struct dns *d;
  if (h->type == UV_POLL) {
    struct watch *w = h->data;
    d = w->d;
    free(w);
  } else {
    d = h->data;
  }
  if (--d->handles == 0)
    free(d);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  struct watch *w = h->data;
  struct dns *d = w->d;
  ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;
  /* On a poll error let c-ares find the socket's error by reading it. */
  if (status < 0 || (events & UV_READABLE))
    rfd = w->fd;
  if (status < 0 || (events & UV_WRITABLE))
    wfd = w->fd;
  ares_process_fd(d->ch, rfd, wfd);
  rearm(d);
}

static void sock_state(void *data, ares_socket_t fd, int readable,
                       int writable) {
  struct dns *d = data;
  struct watch **pp = &d->watches, *w;
  while ((w = *pp) != NULL && w->fd != fd)
    pp = &w->next;
  if (!readable && !writable) {
    if (w != NULL) {
      *pp = w->next;
      uv_poll_stop(&w->poll);
      uv_close((uv_handle_t *)&w->poll, handle_closed);
    }
    return;
  }
  if (w == NULL) {
    w = xcalloc(1, sizeof *w);
    if (uv_poll_init_socket(d->loop, &w->poll, fd) != 0) {
      free(w);
      return;
    }
    w->d = d;
    w->fd = fd;
    w->poll.data = w;
    w->next = d->watches;
    d->watches = w;
    d->handles++;
    /* c-ares keeps idle sockets open for reuse: they must not keep the
     * loop alive. The timer, armed while any lookup is in flight, does. */
    uv_unref((uv_handle_t *)&w->poll);
  }
  uv_poll_start(&w->poll,
                (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0),
                on_poll);
}

static void on_timer(uv_timer_t *h) {
  struct dns *d = h->data;
  ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  rearm(d);
}

static void rearm(struct dns *d) {
  if (d->closing)
    return;
  struct timeval tv, *t = ares_timeout(d->ch, NULL, &tv);
  if (t == NULL || d->inflight == 0) {
    uv_timer_stop(&d->timer);
    return;
  }
  uint64_t ms =
      (uint64_t)t->tv_sec * 1000 + (uint64_t)(t->tv_usec + 999) / 1000;
  uv_timer_start(&d->timer, on_timer, ms, 0);
}

/* ---- Public API ---- */

int dns_new(uv_loop_t *loop, const char *servers, struct dns **out) {
  *out = NULL;
  int rc = ares_library_init(ARES_LIB_INIT_ALL);
  if (rc != ARES_SUCCESS)
    return translate(rc);
  struct dns *d = xcalloc(1, sizeof *d);
  d->loop = loop;
  struct ares_options opts;
  memset(&opts, 0, sizeof opts);
  opts.sock_state_cb = sock_state;
  opts.sock_state_cb_data = d;
  opts.timeout = 2500;
  opts.tries = 3;
  rc = ares_init_options(&d->ch, &opts,
                         ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
                             ARES_OPT_TRIES);
  if (rc != ARES_SUCCESS) {
    free(d);
    ares_library_cleanup();
    return translate(rc);
  }
  if (servers != NULL) {
    rc = ares_set_servers_ports_csv(d->ch, servers);
    if (rc != ARES_SUCCESS) {
      ares_destroy(d->ch);
      free(d);
      ares_library_cleanup();
      return rc == ARES_ENOMEM ? -ENOMEM : PT_EPARSE;
    }
  }
  uv_timer_init(loop, &d->timer);
  d->timer.data = d;
  uv_idle_init(loop, &d->idle);
  d->idle.data = d;
  d->handles = 2;
  *out = d;
  return 0;
}

void dns_set_timeout(struct dns *d, int timeout_ms, int tries) {
  /* c-ares 1.18 has no setter for a live channel: rebuild it while idle,
   * keeping the servers. */
  if (d->inflight != 0 || d->closing || timeout_ms <= 0 || tries <= 0)
    return;
  char *servers = NULL;
  struct ares_addr_port_node *nodes = NULL;
  if (ares_get_servers_ports(d->ch, &nodes) == ARES_SUCCESS) {
    size_t cap = 0, len = 0;
    for (struct ares_addr_port_node *n = nodes; n != NULL; n = n->next) {
      char ip[INET6_ADDRSTRLEN];
      inet_ntop(n->family, &n->addr, ip, sizeof ip);
      char item[INET6_ADDRSTRLEN + 16];
      /* Port 0 means the default (53): leave it out. */
      int l;
      if (n->udp_port == 0)
        l = snprintf(item, sizeof item, n->family == AF_INET6 ? "[%s]" : "%s",
                     ip);
      else
        l = snprintf(item, sizeof item,
                     n->family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip,
                     n->udp_port);
      servers = xgrow(servers, &cap, len + (size_t)l + 2, 1);
      len += (size_t)snprintf(servers + len, cap - len, "%s%s", len ? "," : "",
                              item);
    }
    ares_free_data(nodes);
  }
  struct ares_options opts;
  memset(&opts, 0, sizeof opts);
  opts.sock_state_cb = sock_state;
  opts.sock_state_cb_data = d;
  opts.timeout = timeout_ms;
  opts.tries = tries;
  ares_channel ch;
  if (ares_init_options(&ch, &opts,
                        ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
                            ARES_OPT_TRIES) == ARES_SUCCESS) {
    if (servers != NULL && ares_set_servers_ports_csv(ch, servers) != 0) {
      ares_destroy(ch);
    } else {
      ares_destroy(d->ch);
      d->ch = ch;
    }
  }
  free(servers);
}

static void on_addrinfo(void *arg, int status, int timeouts,
                        struct ares_addrinfo *res) {
  (void)timeouts;
  struct query *q = arg;
  q->d->inflight--;
  if (status == ARES_SUCCESS && res != NULL) {
    size_t n = 0;
    for (struct ares_addrinfo_node *a = res->nodes; a != NULL; a = a->ai_next)
      n++;
    q->addrs = xcalloc(n ? n : 1, sizeof *q->addrs);
    for (struct ares_addrinfo_node *a = res->nodes; a != NULL; a = a->ai_next) {
      if ((size_t)a->ai_addrlen > sizeof *q->addrs)
        continue;
      memcpy(&q->addrs[q->naddrs++], a->ai_addr, (size_t)a->ai_addrlen);
    }
  }
  if (res != NULL)
    ares_freeaddrinfo(res);
  if (status == ARES_SUCCESS && q->naddrs == 0)
    status = ARES_ENODATA;
  if (status != ARES_SUCCESS)
    set_error(q->d, status);
  finish(q, translate(status));
}

/* Answers numeric names without c-ares: no query ever leaves the host.
 * Returns 1 when `name` was numeric (q finished), 0 otherwise. */
static int resolve_numeric(struct query *q, const char *name, int family) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(name, NULL, &hints, &res) != 0)
    return 0;
  int status = PT_ENOTFOUND;
  if (family == AF_UNSPEC || res->ai_family == family) {
    q->addrs = xcalloc(1, sizeof *q->addrs);
    memcpy(q->addrs, res->ai_addr, res->ai_addrlen);
    q->naddrs = 1;
    status = 0;
  } else {
    snprintf(q->d->last_error, sizeof q->d->last_error,
             "numeric address of another family");
  }
  freeaddrinfo(res);
  finish(q, status);
  return 1;
}

int dns_resolve(struct dns *d, const char *name, int family, dns_resolve_cb cb,
                void *ud) {
  if (d->closing)
    return UV_ECANCELED;
  if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC)
    return PT_EPARSE;
  if (name == NULL || name[0] == '\0' || strlen(name) > 1024)
    return PT_EPARSE;
  struct query *q = xcalloc(1, sizeof *q);
  q->d = d;
  q->kind = Q_FORWARD;
  q->rcb = cb;
  q->ud = ud;
  if (resolve_numeric(q, name, family))
    return 0;
  struct ares_addrinfo_hints hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = family;
  hints.ai_flags = ARES_AI_NOSORT;
  d->inflight++;
  ares_getaddrinfo(d->ch, name, NULL, &hints, on_addrinfo, q);
  rearm(d);
  return 0;
}

static void on_hostent(void *arg, int status, int timeouts, struct hostent *h) {
  (void)timeouts;
  struct query *q = arg;
  q->d->inflight--;
  if (status == ARES_SUCCESS && (h == NULL || h->h_name == NULL))
    status = ARES_ENODATA;
  if (status == ARES_SUCCESS)
    q->name = xstrdup(h->h_name);
  else
    set_error(q->d, status);
  finish(q, translate(status));
}

int dns_reverse(struct dns *d, const struct sockaddr *addr, dns_reverse_cb cb,
                void *ud) {
  if (d->closing)
    return UV_ECANCELED;
  const void *a;
  int len;
  if (addr->sa_family == AF_INET) {
    a = &((const struct sockaddr_in *)addr)->sin_addr;
    len = 4;
  } else if (addr->sa_family == AF_INET6) {
    a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
    len = 16;
  } else {
    return PT_EPARSE;
  }
  struct query *q = xcalloc(1, sizeof *q);
  q->d = d;
  q->kind = Q_REVERSE;
  q->vcb = cb;
  q->ud = ud;
  d->inflight++;
  ares_gethostbyaddr(d->ch, a, len, addr->sa_family, on_hostent, q);
  rearm(d);
  return 0;
}

size_t dns_pending(const struct dns *d) {
  return d->inflight + d->ndone;
}

const char *dns_last_error(const struct dns *d) {
  return d->last_error;
}

void dns_close(struct dns *d) {
  if (d == NULL || d->closing)
    return;
  d->closing = 1;
  /* Cancelling moves every in-flight query to `done`; destroying the
   * channel makes c-ares close its sockets, so their watches close. */
  ares_cancel(d->ch);
  ares_destroy(d->ch);
  ares_library_cleanup();
  struct query *q;
  while ((q = pop_done(d)) != NULL)
    deliver(q, UV_ECANCELED);
  struct watch *w = d->watches;
  d->watches = NULL;
  while (w != NULL) {
    struct watch *next = w->next;
    uv_poll_stop(&w->poll);
    uv_close((uv_handle_t *)&w->poll, handle_closed);
    w = next;
  }
  uv_idle_stop(&d->idle);
  uv_close((uv_handle_t *)&d->idle, handle_closed);
  uv_timer_stop(&d->timer);
  uv_close((uv_handle_t *)&d->timer, handle_closed);
}
