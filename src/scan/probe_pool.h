/* Connect-probe workers (internal to src/scan). Each worker is a thread
 * with its own libuv loop that turns probes into non-blocking connects and
 * classifies them; results come back to the main loop in batches through a
 * mutex-protected list and one uv_async_t (DESIGN.md: scan stages may run
 * extra loops on the second core and hand results to the main loop through
 * a queue).
 *
 * Ownership: the main thread allocates probes and hands them over with
 * probe_pool_queue + probe_pool_flush; from then on only the worker touches
 * the probe, until it comes back through the results callback (which runs on
 * the main loop). The mutexes on both lists are the hand-over points. The
 * worker never sees struct host: `owner` is opaque to it. */
#ifndef PORTOLAN_SCAN_PROBE_POOL_H
#define PORTOLAN_SCAN_PROBE_POOL_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

enum probe_result {
  PR_PENDING,
  PR_OPEN,     /* connected: syn-ack */
  PR_CLOSED,   /* refused: conn-refused */
  PR_FILTERED, /* an ICMP error or local refusal; reason says which */
  PR_TIMEOUT,  /* no answer within timeout_us */
  PR_AGAIN,    /* no socket or port available now (EMFILE...): retry */
  PR_CANCELED, /* the pool shut down first */
};

struct probe {
  struct probe *next; /* list link, owned by whoever holds the probe */
  void *owner;        /* main-thread record; opaque to workers */
  union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
  } addr; /* destination, port included */
  socklen_t addrlen;
  uint16_t port;
  uint8_t tryno;
  uint8_t result;          /* enum probe_result, set by the worker */
  uint8_t reason;          /* enum reason, set by the worker */
  int err;                 /* errno behind PR_AGAIN / PR_FILTERED */
  int64_t timeout_us;      /* set by the main thread */
  int64_t sent_us, rtt_us; /* set by the worker (monotonic, us) */
};

/* Called on the main loop with a list of finished probes (linked through
 * next); the callee owns them. */
typedef void (*probe_results_fn)(struct probe *list, void *ud);

struct probe_pool;

/* Starts n worker threads (n >= 1). */
struct probe_pool *probe_pool_new(uv_loop_t *main_loop, unsigned n,
                                  probe_results_fn cb, void *ud);
/* Stages a probe for the next flush (main thread). */
void probe_pool_queue(struct probe_pool *pp, struct probe *p);
/* Hands staged probes to the workers (main thread). */
void probe_pool_flush(struct probe_pool *pp);
/* Stops and joins the workers; probes still held anywhere (staged, in
 * flight, unreported results) are passed to drop. The pool's async handle
 * closes on the main loop and frees the pool there: run the loop once
 * more. */
void probe_pool_free(struct probe_pool *pp, void (*drop)(struct probe *p));

/* Monotonic clock in microseconds, the same in every thread. */
int64_t probe_now_us(void);

#endif
