/* One connection of an NSE socket: the libuv handle (TCP stream or UDP),
 * its timeout timer, optional TLS (net/tls.h), and the single operation in
 * flight. No Lua here: lib_socket.c starts operations and, when the
 * scheduler resumes the waiting thread, reads the outcome from the struct.
 *
 * Invariants:
 *  - at most one operation is pending (NSE-NOTES §7.5 forbids a second
 *    coroutine; the owner is blocked while its own call is pending);
 *  - libuv callbacks only store results and wake the waiting thread
 *    (sched_wake), they never touch Lua (STYLE.md rule 4);
 *  - the struct is freed only by the last handle close callback, after
 *    sockio_close; callbacks cancelled by the close (UV_ECANCELED) find
 *    no waiting thread and touch nothing else;
 *  - memory is bounded: one receive pass keeps at most SOCKIO_PASS_CAP
 *    bytes (it completes early, successfully, when that fills). */
#ifndef PORTOLAN_NSE_SOCKIO_H
#define PORTOLAN_NSE_SOCKIO_H

#include <stddef.h>
#include <uv.h>

#include "net/tls.h"

struct nse_thread;

/* Bytes one receive operation may gather before it completes anyway:
 * Nmap's nsock stops a pass at about 589 KB; we allow 1 MiB so that
 * nothing a script could get from Nmap is cut shorter here. */
#define SOCKIO_PASS_CAP (1u << 20)

/* Size of the read buffer: one full TLS record (16 KiB of plaintext) per
 * read, and a recv large enough that a 1 MiB pass takes 64 calls. */
#define SOCKIO_RBUF 16384

enum sockio_kind { SOCKIO_TCP, SOCKIO_UDP };

enum sockio_op {
  SOP_NONE,
  SOP_CONNECT, /* TCP connect, then the TLS handshake when tls is set */
  SOP_TLS,     /* reconnect_ssl: TLS handshake on a connected stream */
  SOP_SEND,
  SOP_RECV,  /* at least 1 byte (one datagram for UDP) */
  SOP_LINES, /* at least `want` '\n' */
  SOP_BYTES  /* at least `want` bytes */
};

/* Outcome of an operation; the names are Nmap's (§7). */
enum sockio_status {
  SST_PENDING,
  SST_OK,
  SST_TIMEOUT,
  SST_EOF,
  SST_ERROR,
};

struct sockio {
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_udp_t udp;
  } u;
  uv_timer_t timer;
  uv_connect_t creq;
  enum sockio_kind kind;
  int handles;   /* open handles; freed when the last one closes */
  int closing;   /* sockio_close was called */
  int connected; /* TCP established / UDP has a default peer */
  int eof;       /* the peer closed its side (reads give EOF) */
  int reading;
  struct tls *tls;

  /* The operation in flight (or just finished, until taken). */
  enum sockio_op op;
  enum sockio_status status;
  struct nse_thread *t; /* waiting thread, held; NULL when none */
  size_t want;
  size_t nlines;
  unsigned seq; /* operation counter: tags writes with their operation */
  int writes;   /* writes of this operation still queued */
  char *data;   /* bytes received by this operation */
  size_t len, cap;

  /* libuv read buffer (one read at a time), SOCKIO_RBUF bytes, malloc'd
   * at the first read and never zeroed: most connections read a few
   * hundred bytes, and a zeroed inline array cost a memset and fresh
   * pages per connection (issue #5 profile). NULL until then. */
  char *rbuf;
};

/* Creates a connection with an initialised handle and timer. bind_addr may
 * be NULL. Returns 0 or a negative libuv code (nothing is left open). */
int sockio_new(struct sockio **out, uv_loop_t *loop, enum sockio_kind kind,
               const struct sockaddr *bind_addr);
/* Cancels any operation without waking its thread (§7.6) and closes the
 * handles; the struct is freed later by libuv. */
void sockio_close(struct sockio *c);

/* Starting an operation: each returns 0 when the operation is pending
 * (the thread t, held by the call, will be woken), 1 when it finished at
 * once (status set, nothing held), or a negative libuv code when it could
 * not be started. timeout_ms < 0: no timeout. */
int sockio_connect(struct sockio *c, struct nse_thread *t,
                   const struct sockaddr *addr, int64_t timeout_ms,
                   const char *sni, int use_tls);
int sockio_start_tls(struct sockio *c, struct nse_thread *t, int64_t timeout_ms,
                     const char *sni);
/* dest: NULL for the connected peer. The bytes are copied. */
int sockio_send(struct sockio *c, struct nse_thread *t, const char *data,
                size_t len, const struct sockaddr *dest, int64_t timeout_ms);
int sockio_recv(struct sockio *c, struct nse_thread *t, enum sockio_op op,
                size_t want, int64_t timeout_ms);

/* Cancels the pending operation without waking its thread. */
void sockio_cancel(struct sockio *c);
/* Ends the finished operation: hands its data (malloc'd, or NULL) to the
 * caller and returns the status. */
enum sockio_status sockio_take(struct sockio *c, char **data, size_t *len);

#endif
