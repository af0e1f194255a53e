/* The socket lock (NSE-NOTES §5.9): a cap on the number of script threads
 * that hold connected sockets at once, so that thousands of script
 * instances cannot exhaust the process's descriptors.
 *
 * Portolan's rule (issue #5): the cap is --max-parallelism when given,
 * else derived from the descriptor limit (socklock_default_cap), instead of
 * Nmap's fixed 20 + 1.
 *
 * A thread becomes a holder at its first connect and stays one while it
 * has a connected socket. When the thread ends, a close handler closes
 * every socket it connected and releases its place; whenever a place is
 * released every parked thread is woken to try again (connect restarts
 * from the beginning). Internal to src/nse. */
#ifndef PORTOLAN_NSE_SOCKLOCK_H
#define PORTOLAN_NSE_SOCKLOCK_H

#include <lua.h>
#include <stddef.h>

struct nse_thread;
struct socklock_holder;

/* Embedded in each socket object; zero means "not a member". */
struct socklock_member {
  struct socklock_holder *h;
  struct socklock_member *prev, *next;
  /* Closes the socket's connection when its thread ends; must not call
   * back into the lock (the member is already detached). */
  void (*close)(struct socklock_member *m);
};

/* [-0, +0, m] Creates the lock state of L (once, from luaopen_nmap). */
void socklock_init(lua_State *L);

/* Lets t connect the socket m: returns 1 when t holds (or now takes) a
 * place and m is recorded under it, or 0 when every place is taken: t is
 * then parked and will be woken when one frees. */
int socklock_enter(lua_State *L, struct nse_thread *t,
                   struct socklock_member *m);
/* The socket m is no longer connected. */
void socklock_leave(struct socklock_member *m);

/* Number of parked threads (nmap.socket.get_stats().connect_waiting). */
size_t socklock_waiting(lua_State *L);

/* The cap when --max-parallelism is not given: a quarter of the
 * descriptor limit left after a reserve of 64 for the scanner itself,
 * at least 8 (1024 descriptors give 240). A holder may own several
 * sockets, hence the quarter. */
int socklock_default_cap(void);

/* Issue #5: one script instance (a base thread and its workers together)
 * may have at most socklock_instance_cap() connected sockets, so that it
 * cannot take every descriptor from the others: an eighth of the
 * descriptor limit left after the reserve of 64, at least 16 (1024
 * descriptors give 120). The other instances keep seven eighths. */
int socklock_instance_cap(void);
/* 1 when t's instance already has socklock_instance_cap() connected
 * sockets (the caller then fails its connect without parking). */
int socklock_instance_full(lua_State *L, struct nse_thread *t);
/* The message of that failure (after false). */
#define SOCKLOCK_FULL_MSG                                                      \
  "Nsock connect failed immediately: too many sockets in this script "         \
  "instance"

#endif
