/* Internals shared by sched.c (jobs, runlevels, the scheduler pass) and
 * thread.c (one script thread's life). Internal to src/nse.
 *
 * Invariants: a thread is in exactly one job's list from thread_new until
 * thread_end; state T_DONE is final; refs counts the job list (dropped by
 * thread_end), the ready queue, and every pending request
 * (sched_thread_hold), and the memory goes when it reaches zero. */
#ifndef PORTOLAN_NSE_SCHED_INT_H
#define PORTOLAN_NSE_SCHED_INT_H

#include <stdint.h>

#include <lua.h>
#include <uv.h>

#include "nse/nse_int.h"
#include "nse/sched.h"

/* The value blocking calls yield (engine.c's coroutine replacements pass
 * it up through nested coroutines). */
extern const char nse_yield_marker;

enum tstate { T_READY, T_RUNNING, T_WAITING, T_DONE };
enum kill {
  KILL_NONE,
  KILL_TIMEOUT,
  KILL_STOP,
  KILL_ORPHAN,
  KILL_HOST,
  KILL_MEMORY
};

struct close_handler {
  void *key;
  sched_close_fn fn;
  void *ud;
  struct close_handler *next;
};

struct job {
  struct sched *s;
  enum nse_rule phase; /* RULE_PRE, RULE_HOST (the host phase), RULE_POST */
  struct host *h;
  struct script_results *out;
  nse_done_fn done;
  void *ud;
  int runlevel;
  int spawn;       /* the runlevel's threads are still to be created */
  size_t nbase;    /* live base threads */
  size_t nthreads; /* live threads, workers included */
  size_t created;  /* threads created in this runlevel (Nmap's `total`) */
  struct nse_thread *threads;
  struct job *next;
  uint64_t level_start_ms;
  int started; /* some thread was resumed: the host clock runs */
  uint64_t start_ms;
  /* Thread generator cursor (spawn_some). */
  int announced;
  int stage; /* 0: rule scripts, 1: ports */
  size_t gi; /* next script index */
  int gproto;
  long gnext; /* next port number to look at */
  long gcur;  /* port whose scripts are being created, or -1 */
};

struct nse_thread {
  struct sched *s;
  struct job *job;
  struct nse_script *script;
  lua_State *co;
  int co_ref;
  int nargs; /* values waiting on co's stack for the next resume */
  enum nse_rule rule;
  int has_port;
  uint16_t port;
  enum proto proto;
  int worker;
  int rec_ref;            /* worker: the table status_fn reads `error` from */
  int host_ref, port_ref; /* the instance's tables (stdnse.gethostport) */
  enum tstate state;
  int woken; /* woken while still running */
  enum kill kill;
  int action_started;
  int started;
  uint64_t start_ms;
  struct nse_mem_acct *acct; /* shared by an instance and its workers */
  uint64_t slice_ms;         /* when the current resume began */
  int preempted;             /* yielded by kill_hook at the end of its slice */
  int refs;
  struct close_handler *handlers;
  struct nse_thread *next_ready;
  struct nse_thread *prev, *next; /* job->threads */
};

struct sched {
  struct nse_engine *e;
  uv_idle_t *idle;
  uv_timer_t *tick;
  struct nse_thread *ready, *ready_tail;
  struct nse_thread *current;
  struct job *jobs;
  int stopped;  /* nse_engine_stop: no new threads */
  size_t nlive; /* live threads of all jobs, workers included */
  int runner_ref;
  int env_mt_ref;
  int in_pass;
  int watchdog;            /* watchdog_start succeeded */
  size_t ndone;            /* base threads ended (nse_engine_stats) */
  uint64_t first_start_ms; /* first resume of any thread, 0 before */
};

/* sched.c */
uint64_t sched_now_ms(struct sched *s);
/* Queues t for the next pass (holds a ref while queued). */
void sched_push_ready(struct nse_thread *t);

/* thread.c */
/* A new thread in job j, in no queue yet. */
struct nse_thread *thread_new(struct job *j, struct nse_script *sc, int worker);
/* A candidate thread for sc; its nargs rule arguments are on L's top and
 * are consumed. The thread is queued. */
void thread_spawn(struct job *j, struct nse_script *sc, enum nse_rule rule,
                  int nargs, const struct port *pt);
/* Resumes t once (or finishes it when it was killed). */
void thread_resume(struct nse_thread *t);
/* Ends t: close handlers, bookkeeping; no output. Idempotent. */
void thread_end(struct nse_thread *t);
/* 1 when t's --script-timeout has run out. */
int thread_expired(struct nse_thread *t);
/* The hook the watchdog installs (watchdog.h). */
void thread_kill_hook(lua_State *L, lua_Debug *ar);
/* Why t must end now (KILL_TIMEOUT, KILL_MEMORY), or KILL_NONE. */
enum kill thread_must_end(struct nse_thread *t);
/* "<id>" (-d1) or "<id> M:<hex>" (-d2), and " against <target>". */
void thread_describe(const struct nse_thread *t, char *buf, size_t len);
void thread_against(const struct nse_thread *t, char *buf, size_t len);
/* Registry ref of the runner function every candidate thread runs. */
int thread_runner_ref(lua_State *L);

#endif
