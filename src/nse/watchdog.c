/* The watchdog (watchdog.h): deadline of the running resume, the chain of
 * coroutines being resumed, and a helper thread that signals the main
 * thread when the deadline passes.
 *
 * Invariants:
 * - chain[] and depth are written by the main thread only and read by the
 *   signal handler, which runs on the main thread (pthread_kill to it), so
 *   they are never seen half-written; entries are coroutines in the middle
 *   of a resume call, hence alive.
 * - The helper reads only atomics (seq, active, deadline) and never touches
 *   Lua; a late or spurious signal is harmless: the hook checks the real
 *   state and removes itself when nothing is due. */
#include "nse/watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#define CHAIN_MAX 64
#define POLL_MS 20

static lua_State *volatile chain[CHAIN_MAX];
static volatile sig_atomic_t depth; /* entries, may exceed CHAIN_MAX */
static lua_Hook the_hook;

static atomic_uint seq;
static atomic_int active;
static atomic_uint_fast64_t deadline;
static atomic_int quit;
static pthread_t helper, main_thread;
static int users;

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void install(void) {
  int n = depth < CHAIN_MAX ? (int)depth : CHAIN_MAX;
  for (int i = 0; i < n; i++)
    lua_sethook(chain[i], the_hook, LUA_MASKCOUNT, 1);
}

static void on_signal(int sig) {
  (void)sig;
  int saved = errno;
  install();
  errno = saved;
}

static void *helper_main(void *arg) {
  (void)arg;
  unsigned fired = 0;
  while (!atomic_load(&quit)) {
    struct timespec ts = {0, POLL_MS * 1000000L};
    nanosleep(&ts, NULL);
    unsigned s = atomic_load(&seq);
    if (atomic_load(&active) && s != fired &&
        mono_ms() >= atomic_load(&deadline)) {
      fired = s;
      pthread_kill(main_thread, SIGURG);
    }
  }
  return NULL;
}

int watchdog_start(lua_Hook hook) {
  the_hook = hook;
  if (users++ > 0)
    return 0;
  /* SIGURG: ignored by default, unused by libuv and the scan; SA_RESTART
   * so that interrupted system calls resume. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGURG, &sa, NULL);
  main_thread = pthread_self();
  atomic_store(&quit, 0);
  int rc = pthread_create(&helper, NULL, helper_main, NULL);
  if (rc != 0) {
    users = 0;
    return -rc;
  }
  return 0;
}

void watchdog_stop(void) {
  if (users == 0 || --users > 0)
    return;
  atomic_store(&quit, 1);
  pthread_join(helper, NULL);
}

void watchdog_enter(lua_State *co, uint64_t budget_ms) {
  chain[0] = co;
  depth = 1;
  atomic_store(&deadline, mono_ms() + budget_ms);
  atomic_fetch_add(&seq, 1);
  atomic_store(&active, 1);
}

void watchdog_rearm(uint64_t budget_ms) {
  atomic_store(&deadline, mono_ms() + budget_ms);
  atomic_fetch_add(&seq, 1);
}

void watchdog_leave(void) {
  atomic_store(&active, 0);
  depth = 0;
}

void watchdog_fire(void) {
  install();
}

int watchdog_lua_enter(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  /* Only a coroutine that resume will run (so it stays referenced by the
   * caller until LEAVE); anything else is left to resume's own errors. */
  if (co != NULL && depth > 0 &&
      (lua_status(co) == LUA_YIELD ||
       (lua_status(co) == LUA_OK && lua_gettop(co) > 0))) {
    if (depth < CHAIN_MAX)
      chain[depth] = co;
    depth++;
    lua_pushboolean(L, 1);
  } else {
    lua_pushboolean(L, 0);
  }
  return 1;
}

int watchdog_lua_leave(lua_State *L) {
  if (lua_toboolean(L, 1) && depth > 1)
    depth--;
  return lua_gettop(L) - 1;
}
