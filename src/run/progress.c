/* Periodic and on-demand progress lines (see progress.h).
 *
 * The terminal's mode is process state: it is saved once, changed only
 * while a progress object watches keys, and restored on free and at exit
 * (atexit), so a run that ends early never leaves the shell without echo. */
#include "run/progress.h"

#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "core/xalloc.h"

struct progress {
  uv_timer_t timer;
  uv_poll_t poll;
  int has_timer, has_poll;
  FILE *f;
  progress_fn fn;
  void *ud;
};

static struct termios saved_tio;
static int tio_changed;

static void restore_tty(void) {
  if (tio_changed) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    tio_changed = 0;
  }
}

static void on_timer(uv_timer_t *t) {
  struct progress *p = t->data;
  p->fn(p->f, p->ud);
}

static void on_key(uv_poll_t *h, int status, int events) {
  struct progress *p = h->data;
  if (status < 0 || !(events & UV_READABLE)) {
    uv_poll_stop(h);
    return;
  }
  char buf[64];
  ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
  if (n <= 0) {
    /* EOF or error on the terminal: stop watching rather than spin. */
    uv_poll_stop(h);
    return;
  }
  p->fn(p->f, p->ud);
}

static int watch_keys(struct progress *p, uv_loop_t *loop) {
  struct termios tio;
  if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tio) != 0)
    return -1;
  if (uv_poll_init(loop, &p->poll, STDIN_FILENO) != 0)
    return -1;
  saved_tio = tio;
  static int registered;
  if (!registered) {
    atexit(restore_tty);
    registered = 1;
  }
  /* Only line buffering and echo go: Ctrl-C must still raise SIGINT. */
  tio.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0)
    tio_changed = 1;
  p->poll.data = p;
  uv_poll_start(&p->poll, UV_READABLE, on_key);
  return 0;
}

struct progress *progress_new(uv_loop_t *loop, int every_ms, int keys, FILE *f,
                              progress_fn fn, void *ud) {
  struct progress *p = xcalloc(1, sizeof *p);
  p->f = f;
  p->fn = fn;
  p->ud = ud;
  if (every_ms > 0) {
    uv_timer_init(loop, &p->timer);
    p->timer.data = p;
    uv_timer_start(&p->timer, on_timer, (uint64_t)every_ms, (uint64_t)every_ms);
    p->has_timer = 1;
  }
  if (keys && watch_keys(p, loop) == 0)
    p->has_poll = 1;
  return p;
}

static void free_when_closed(uv_handle_t *h) {
  struct progress *p = h->data;
  /* The object goes with the last of its handles to close. */
  if (h == (uv_handle_t *)&p->timer)
    p->has_timer = 0;
  else
    p->has_poll = 0;
  if (!p->has_timer && !p->has_poll)
    free(p);
}

void progress_free(struct progress *p) {
  if (p == NULL)
    return;
  restore_tty();
  if (!p->has_timer && !p->has_poll) {
    free(p);
    return;
  }
  if (p->has_timer)
    uv_close((uv_handle_t *)&p->timer, free_when_closed);
  if (p->has_poll)
    uv_close((uv_handle_t *)&p->poll, free_when_closed);
}
