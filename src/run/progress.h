/* Progress reports during a scan: every --stats-every interval, and on a
 * key press when standard input is a terminal (as Nmap: any key prints a
 * status line). The pipeline supplies the line through a callback. */
#ifndef PORTOLAN_RUN_PROGRESS_H
#define PORTOLAN_RUN_PROGRESS_H

#include <stdio.h>
#include <uv.h>

typedef void (*progress_fn)(FILE *f, void *ud);

struct progress;

/* every_ms 0: no timer. keys: watch the terminal on fd 0 (the terminal is
 * switched to unbuffered, no-echo input and restored by progress_free).
 * Output goes to f. */
struct progress *progress_new(uv_loop_t *loop, int every_ms, int keys, FILE *f,
                              progress_fn fn, void *ud);
/* Stops the timer and key watch (call before the loop's last run). */
void progress_free(struct progress *p);

#endif
