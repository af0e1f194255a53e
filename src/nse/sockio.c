/* Connection state machine of the NSE sockets (see sockio.h).
 *
 * Reads follow nsock (NSE-NOTES §7.3): nothing is read ahead. Reading is
 * switched on only while a receive operation is pending and switched off
 * when it completes, so unread bytes stay in the kernel for the next call.
 * With TLS, every byte fed to OpenSSL is decrypted in the same callback and
 * handed to the operation, except right after a handshake, where the
 * leftover is drained at the start of the next receive. */
#include "nse/sockio.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "nse/sched.h"

struct wreq {
  union {
    uv_write_t w;
    uv_udp_send_t u;
  } req;
  struct sockio *c;
  char *buf;
  unsigned seq; /* the operation that queued it (c->seq) */
};

static void handle_closed(uv_handle_t *h) {
  struct sockio *c = h->data;
  if (--c->handles > 0)
    return;
  tls_free(c->tls);
  free(c->data);
  free(c->rbuf);
  free(c);
}

int sockio_new(struct sockio **out, uv_loop_t *loop, enum sockio_kind kind,
               const struct sockaddr *bind_addr) {
  struct sockio *c = xcalloc(1, sizeof *c);
  int r;
  *out = NULL;
  c->kind = kind;
  if (kind == SOCKIO_TCP)
    r = uv_tcp_init(loop, &c->u.tcp);
  else
    r = uv_udp_init(loop, &c->u.udp);
  if (r < 0) {
    free(c);
    return r;
  }
  uv_timer_init(loop, &c->timer);
  c->u.handle.data = c;
  c->timer.data = c;
  c->handles = 2;
  if (bind_addr != NULL) {
    if (kind == SOCKIO_TCP)
      r = uv_tcp_bind(&c->u.tcp, bind_addr, 0);
    else
      r = uv_udp_bind(&c->u.udp, bind_addr, UV_UDP_REUSEADDR);
    if (r < 0) {
      sockio_close(c);
      return r;
    }
  }
  *out = c;
  return 0;
}

static void stop_reading(struct sockio *c) {
  if (!c->reading)
    return;
  c->reading = 0;
  if (c->kind == SOCKIO_TCP)
    uv_read_stop(&c->u.stream);
  else
    uv_udp_recv_stop(&c->u.udp);
}

/* Ends the pending operation with status st and wakes its thread. */
static void finish(struct sockio *c, enum sockio_status st) {
  if (c->op == SOP_NONE || c->status != SST_PENDING)
    return;
  c->status = st;
  uv_timer_stop(&c->timer);
  stop_reading(c);
  struct nse_thread *t = c->t;
  c->t = NULL;
  if (t != NULL) {
    sched_wake(t);
    sched_thread_release(t);
  }
}

void sockio_cancel(struct sockio *c) {
  struct nse_thread *t = c->t;
  c->t = NULL;
  uv_timer_stop(&c->timer);
  stop_reading(c);
  c->op = SOP_NONE;
  c->status = SST_PENDING;
  c->len = 0;
  if (t != NULL)
    sched_thread_release(t);
}

void sockio_close(struct sockio *c) {
  if (c->closing)
    return;
  sockio_cancel(c);
  c->closing = 1;
  uv_close(&c->u.handle, handle_closed);
  uv_close((uv_handle_t *)&c->timer, handle_closed);
}

enum sockio_status sockio_take(struct sockio *c, char **data, size_t *len) {
  enum sockio_status st = c->status;
  *data = c->data;
  *len = c->len;
  c->data = NULL;
  c->len = c->cap = 0;
  c->op = SOP_NONE;
  c->status = SST_PENDING;
  return st;
}

static void on_timeout(uv_timer_t *tm) {
  struct sockio *c = tm->data;
  /* A line or byte count read that got something is a success (§7.3). */
  if ((c->op == SOP_LINES || c->op == SOP_BYTES) && c->len > 0)
    finish(c, SST_OK);
  else
    finish(c, SST_TIMEOUT);
}

/* Records the operation and arms its timer. Nothing is held yet. */
static void begin(struct sockio *c, enum sockio_op op, size_t want,
                  int64_t timeout_ms) {
  c->op = op;
  c->seq++;
  c->status = SST_PENDING;
  c->want = want;
  c->nlines = 0;
  c->writes = 0;
  c->len = 0;
  if (timeout_ms >= 0)
    uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
}

/* The operation stays pending: the thread waits for a callback. */
static int wait_for(struct sockio *c, struct nse_thread *t) {
  c->t = t;
  if (t != NULL)
    sched_thread_hold(t);
  return 0;
}

static int satisfied(const struct sockio *c) {
  switch (c->op) {
  case SOP_RECV:
    return c->len > 0;
  case SOP_LINES:
    return c->nlines >= c->want;
  case SOP_BYTES:
    return c->len >= c->want;
  default:
    return 0;
  }
}

static void append(struct sockio *c, const char *p, size_t n) {
  if (n == 0)
    return;
  if (c->len + n > c->cap) {
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->len + n)
      cap *= 2;
    c->data = xrealloc(c->data, cap);
    c->cap = cap;
  }
  memcpy(c->data + c->len, p, n);
  c->len += n;
  if (c->op == SOP_LINES)
    for (size_t i = 0; i < n; i++)
      c->nlines += p[i] == '\n';
}

/* After new bytes: completes the receive when its condition holds or the
 * pass is full. */
static void check_done(struct sockio *c) {
  if (satisfied(c) || c->len >= SOCKIO_PASS_CAP)
    finish(c, SST_OK);
}

/* ---- writes ---- */

static void write_done(uv_write_t *w, int status) {
  struct wreq *r = w->data;
  struct sockio *c = r->c;
  unsigned seq = r->seq;
  free(r->buf);
  free(r);
  /* A write left over from an earlier operation (a send that timed out)
   * must not count for the current one. */
  if (status == UV_ECANCELED || c->closing || seq != c->seq)
    return;
  c->writes--;
  if (status < 0) {
    if (c->op == SOP_SEND || c->op == SOP_CONNECT || c->op == SOP_TLS)
      finish(c, SST_ERROR);
    return;
  }
  if (c->op == SOP_SEND && c->writes == 0)
    finish(c, SST_OK);
}

static void udp_send_done(uv_udp_send_t *u, int status) {
  struct wreq *r = u->data;
  struct sockio *c = r->c;
  unsigned seq = r->seq;
  free(r->buf);
  free(r);
  if (status == UV_ECANCELED || c->closing || seq != c->seq)
    return;
  c->writes--;
  if (c->op == SOP_SEND)
    finish(c, status < 0 ? SST_ERROR : SST_OK);
}

/* Queues buf (taken over) on the stream. Returns 0 or a libuv code. */
static int queue_write(struct sockio *c, char *buf, size_t len) {
  struct wreq *r = xcalloc(1, sizeof *r);
  uv_buf_t b = uv_buf_init(buf, (unsigned)len);
  r->c = c;
  r->buf = buf;
  r->seq = c->seq;
  r->req.w.data = r;
  int e = uv_write(&r->req.w, &c->u.stream, &b, 1, write_done);
  if (e < 0) {
    free(buf);
    free(r);
    return e;
  }
  c->writes++;
  return 0;
}

/* Sends whatever ciphertext OpenSSL produced. */
static int flush_tls(struct sockio *c) {
  char *buf;
  size_t len;
  tls_take_output(c->tls, &buf, &len);
  if (buf == NULL)
    return 0;
  return queue_write(c, buf, len);
}

/* ---- reads ---- */

static char *rbuf_of(struct sockio *c) {
  if (c->rbuf == NULL)
    c->rbuf = xmalloc(SOCKIO_RBUF);
  return c->rbuf;
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  struct sockio *c = h->data;
  (void)hint;
  *b = uv_buf_init(rbuf_of(c), SOCKIO_RBUF);
}

/* Moves decrypted bytes into the operation. Returns 0, or the status that
 * ends it (EOF on close_notify, ERROR on a TLS failure). */
static enum sockio_status drain_tls(struct sockio *c) {
  for (;;) {
    size_t n = 0;
    int r = tls_read(c->tls, rbuf_of(c), SOCKIO_RBUF, &n);
    if (r == 0) {
      append(c, c->rbuf, n);
      continue;
    }
    flush_tls(c);
    if (r == TLS_WANT_READ)
      return SST_PENDING;
    return r == TLS_CLOSED ? SST_EOF : SST_ERROR;
  }
}

/* Drives the handshake of a SOP_CONNECT/SOP_TLS operation. */
static void step_handshake(struct sockio *c) {
  int r = tls_handshake(c->tls);
  if (flush_tls(c) < 0 || r < 0) {
    finish(c, SST_ERROR);
    return;
  }
  if (r == 0)
    finish(c, SST_OK);
}

static void on_eof(struct sockio *c) {
  c->eof = 1;
  if (c->op == SOP_CONNECT || c->op == SOP_TLS)
    finish(c, SST_ERROR); /* the peer hung up during the handshake */
  else
    finish(c, c->len > 0 ? SST_OK : SST_EOF);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  struct sockio *c = s->data;
  (void)b;
  if (c->closing || n == 0)
    return;
  if (n == UV_EOF || n == UV_ECONNRESET) {
    on_eof(c);
    return;
  }
  if (n < 0) {
    finish(c, SST_ERROR);
    return;
  }
  if (c->tls == NULL) {
    append(c, c->rbuf, (size_t)n);
    check_done(c);
    return;
  }
  if (tls_feed(c->tls, c->rbuf, (size_t)n) < 0) {
    finish(c, SST_ERROR);
    return;
  }
  if (c->op == SOP_CONNECT || c->op == SOP_TLS) {
    step_handshake(c);
    return;
  }
  enum sockio_status st = drain_tls(c);
  if (st == SST_EOF)
    on_eof(c);
  else if (st == SST_ERROR)
    finish(c, SST_ERROR);
  else
    check_done(c);
}

static void udp_recv_cb(uv_udp_t *u, ssize_t n, const uv_buf_t *b,
                        const struct sockaddr *from, unsigned flags) {
  struct sockio *c = u->data;
  (void)b;
  (void)flags;
  if (c->closing || (n == 0 && from == NULL))
    return;
  if (n < 0) {
    finish(c, SST_ERROR); /* e.g. ICMP port unreachable on a peer */
    return;
  }
  append(c, c->rbuf, (size_t)n);
  /* One datagram completes any receive, even an empty one or a
   * receive_bytes asking for more (as nsock does). */
  finish(c, SST_OK);
}

static int start_reading(struct sockio *c) {
  int e;
  if (c->reading)
    return 0;
  if (c->kind == SOCKIO_TCP)
    e = uv_read_start(&c->u.stream, alloc_cb, read_cb);
  else
    e = uv_udp_recv_start(&c->u.udp, alloc_cb, udp_recv_cb);
  if (e == 0)
    c->reading = 1;
  return e;
}

/* ---- operations ---- */

static void connect_cb(uv_connect_t *req, int status) {
  struct sockio *c = req->data;
  if (status == UV_ECANCELED || c->closing)
    return;
  if (status < 0) {
    finish(c, SST_ERROR);
    return;
  }
  c->connected = 1;
  if (c->tls == NULL) {
    finish(c, SST_OK);
    return;
  }
  if (start_reading(c) < 0) {
    finish(c, SST_ERROR);
    return;
  }
  step_handshake(c);
}

int sockio_connect(struct sockio *c, struct nse_thread *t,
                   const struct sockaddr *addr, int64_t timeout_ms,
                   const char *sni, int use_tls) {
  int e;
  if (c->kind == SOCKIO_UDP) {
    /* UDP connect only sets the default peer; it never waits (§7.2). */
    e = uv_udp_connect(&c->u.udp, addr);
    if (e < 0)
      return e;
    c->connected = 1;
    c->op = SOP_CONNECT;
    c->status = SST_OK;
    return 1;
  }
  if (use_tls && (e = tls_new(&c->tls, sni)) < 0)
    return e;
  c->creq.data = c;
  e = uv_tcp_connect(&c->creq, &c->u.tcp, addr, connect_cb);
  if (e < 0)
    return e;
  begin(c, SOP_CONNECT, 0, timeout_ms);
  return wait_for(c, t);
}

int sockio_start_tls(struct sockio *c, struct nse_thread *t, int64_t timeout_ms,
                     const char *sni) {
  int e;
  /* Data received but not read is lost (§7.1). */
  tls_free(c->tls);
  c->tls = NULL;
  if ((e = tls_new(&c->tls, sni)) < 0)
    return e;
  begin(c, SOP_TLS, 0, timeout_ms);
  if ((e = start_reading(c)) < 0) {
    sockio_cancel(c);
    return e;
  }
  int r = tls_handshake(c->tls);
  if (flush_tls(c) < 0 || r < 0) {
    sockio_cancel(c);
    c->op = SOP_TLS;
    c->status = SST_ERROR;
    return 1;
  }
  return wait_for(c, t);
}

int sockio_send(struct sockio *c, struct nse_thread *t, const char *data,
                size_t len, const struct sockaddr *dest, int64_t timeout_ms) {
  int e;
  begin(c, SOP_SEND, 0, timeout_ms);
  if (c->kind == SOCKIO_UDP) {
    struct wreq *r = xcalloc(1, sizeof *r);
    r->c = c;
    r->buf = xmemdup(data, len);
    r->seq = c->seq;
    r->req.u.data = r;
    uv_buf_t b = uv_buf_init(r->buf, (unsigned)len);
    e = uv_udp_send(&r->req.u, &c->u.udp, &b, 1, dest, udp_send_done);
    if (e < 0) {
      free(r->buf);
      free(r);
    } else {
      c->writes++;
    }
  } else if (c->tls != NULL) {
    e = tls_write(c->tls, data, len) < 0 ? UV_EPROTO : flush_tls(c);
  } else {
    e = len == 0 ? 0 : queue_write(c, xmemdup(data, len), len);
  }
  if (e < 0) {
    sockio_cancel(c);
    return e;
  }
  if (c->writes == 0) {
    uv_timer_stop(&c->timer);
    c->status = SST_OK; /* nothing to send */
    return 1;
  }
  return wait_for(c, t);
}

int sockio_recv(struct sockio *c, struct nse_thread *t, enum sockio_op op,
                size_t want, int64_t timeout_ms) {
  int e;
  begin(c, op, want, -1);
  if (c->tls != NULL && tls_handshake_done(c->tls)) {
    /* Plaintext may sit decrypted in OpenSSL since the handshake. */
    enum sockio_status st = drain_tls(c);
    if (st == SST_EOF)
      c->eof = 1;
    if (st == SST_ERROR || satisfied(c)) {
      c->status = st == SST_ERROR ? SST_ERROR : SST_OK;
      return 1;
    }
  }
  if (c->eof) {
    c->status = c->len > 0 ? SST_OK : SST_EOF;
    return 1;
  }
  if ((e = start_reading(c)) < 0) {
    sockio_cancel(c);
    return e;
  }
  if (timeout_ms >= 0)
    uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
  return wait_for(c, t);
}
