/* Shared internals of the script engine (src/nse): the engine, script and
 * job records that engine.c, script.c, select.c, sched.c and result.c pass
 * between them. Nothing outside src/nse includes this.
 *
 * Invariants: one lua_State per engine, touched only from the loop thread;
 * scripts are loaded once (nse_engine_new) and never change afterwards;
 * a script's compiled body lives in the Lua registry (factory_ref). */
#ifndef PORTOLAN_NSE_INT_H
#define PORTOLAN_NSE_INT_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/host.h"
#include "core/options.h"
#include "nse/engine.h"

enum nse_rule { RULE_PRE, RULE_HOST, RULE_PORT, RULE_POST, RULE_COUNT };

/* "prerule", "hostrule", "portrule", "postrule". */
extern const char *const nse_rule_names[RULE_COUNT];

/* How a script was chosen (NSE-NOTES §3); -d2 prints these words. */
enum nse_selection {
  SEL_NAME,
  SEL_CATEGORY,
  SEL_FILE,
  SEL_DIRECTORY,
};

struct nse_script {
  char *id;         /* used in output and dependencies */
  char *path;       /* SCRIPT_PATH: the path as resolved */
  char *basename;   /* file name with extension */
  char *short_name; /* SCRIPT_NAME */
  int factory_ref;  /* registry ref: function(_ENV) returning the body */
  int has_rule[RULE_COUNT];
  char **categories;
  size_t ncategories;
  char **deps;
  size_t ndeps;
  char *description; /* or NULL */
  int runlevel;      /* 1.. (NSE-NOTES §5.2) */
  enum nse_selection selection;
  int forced;  /* "+spec": action runs without the rule */
  int by_name; /* verbosity/intensity boost (§6) */
};

/* One selected file, before loading. */
struct nse_pick {
  char *path;
  enum nse_selection selection;
  int forced;
  int by_name;
};

struct nse_picks {
  struct nse_pick *v;
  size_t n, cap;
};

void nse_picks_free(struct nse_picks *p);

struct sched;

/* The Lua heap's accounting for --script-mem-limit, per script instance
 * (issue #5). Every Lua block carries a header naming the account it is
 * charged to: the account of the instance (base thread and its workers)
 * that was running when the block was allocated or grown, or NULL for the
 * engine's own allocations outside script threads, which are never
 * limited. A free is credited to the block's owner whoever runs, so a GC
 * step inside one script never pays for another's garbage. An allocation
 * that would take the running account past the limit is refused once, so
 * that Lua runs its emergency full collection and retries; refused again,
 * it fails ("not enough memory" inside the script) and marks the account
 * over: the scheduler then ends every thread of that instance, pcall or
 * not. */
struct nse_mem_acct {
  size_t bytes; /* live bytes charged to the instance */
  int users;    /* live threads sharing the account */
  int refused;  /* the last over-limit request was refused once */
  int over;     /* refused twice: the instance must end */
};

struct nse_mem {
  size_t used;  /* all live Lua bytes (progress, tests) */
  size_t limit; /* per instance */
  size_t nover; /* accounts that went over (the pass checks them) */
  struct nse_mem_acct *current; /* the running instance, or NULL */
};

/* Default --script-mem-limit per script instance. */
#define NSE_MEM_LIMIT_DEFAULT ((size_t)256 << 20)

/* An account for a new instance (users = 1). */
struct nse_mem_acct *nse_mem_acct_new(void);
/* Drops one user; the account goes once it has no users and no bytes. */
void nse_mem_acct_release(struct nse_mem_acct *a);

struct nse_engine {
  uv_loop_t *loop;
  struct nse_mem mem;
  const struct scan_opts *o;
  lua_State *L;
  struct nse_script **scripts;
  size_t nscripts;
  int max_runlevel;
  struct sched *sched;
  nse_add_target_fn target_fn;
  void *target_ud;
  int stdnse_ref; /* the stdnse table, or LUA_NOREF */
};

/* ---- engine.c ---- */
/* Creates a Lua state with the standard libraries, the C modules, the
 * nselib searcher, the coroutine replacements and strict _G. Returns NULL
 * with *err set on failure. */
lua_State *nse_state_new(struct nse_engine *e, char **err);
/* Our engine from a Lua state. */
struct nse_engine *nse_engine_of(lua_State *L);

/* ---- select.c ---- */
/* Resolves --script/-sC/-sV (or the --script-help spec when help != NULL)
 * into files. Returns 0 or a negative code with *err set. */
int nse_select(lua_State *L, const struct scan_opts *o, const char *help,
               struct nse_picks *out, char **err);
/* Finds the scripts/ directory on the data path (malloc'd, ends in '/'),
 * or NULL. */
char *nse_scripts_dir(void);

/* ---- script.c ---- */
/* Loads and validates one script (§1.1, §1.2). Returns 0, 1 when it was
 * skipped by a failed silent_require, or a negative code with *err set. */
int nse_script_load(lua_State *L, const struct nse_pick *p,
                    struct nse_script **out, char **err);
void nse_script_free(lua_State *L, struct nse_script *s);
/* Computes runlevels and checks duplicate ids and dependency cycles. */
int nse_scripts_link(struct nse_engine *e, char **err);

/* ---- args.c ---- */
/* [-0, +1, m] Parses script-args text into a table; returns 0, or
 * PT_EPARSE with nothing pushed. */
int nse_args_parse(lua_State *L, const char *text, size_t len);
/* [-0, +1 on success] Builds the table for nmap.registry.args from
 * --script-args-file and --script-args (§4.1, quirks included) and pushes
 * it. Returns 0, or a negative code with *err set and nothing pushed. */
int nse_args_load(lua_State *L, const struct scan_opts *o, char **err);

/* ---- result.c ---- */
/* Converts the n values at the top of co (a finished thread's returns)
 * into a result, or NULL when nothing is stored (§9.1). Runs Lua code
 * (format_table, __tostring) protected; an error there gives NULL and a
 * -d message. */
struct script_result *nse_result_from(lua_State *L, lua_State *co, int n,
                                      const char *id);

/* ---- sched.c ---- */
struct sched *sched_new(struct nse_engine *e);
void sched_free(struct sched *s);
void sched_stop_all(struct sched *s);
/* Starts one phase job; done fires from the loop when it completes. */
void sched_start_job(struct sched *s, enum nse_rule phase, struct host *h,
                     struct script_results *out, nse_done_fn done, void *ud);
/* Pushes the Lua-visible facts of the running thread (stdnse_inject.c). */
struct nse_thread_info {
  lua_State *co; /* base coroutine */
  struct nse_script *script;
  int worker;
  struct host *h; /* NULL in pre/post */
  int has_port;
  uint16_t port;
  enum proto proto;
  int host_ref, port_ref; /* registry refs, or LUA_NOREF */
  int co_ref;             /* registry ref of co */
};
int sched_thread_info(lua_State *L, struct nse_thread_info *out);
/* Creates a worker for the running thread with fn and args at the stack
 * top (stdnse.new_thread). [-(n+1), +2, e] */
int sched_new_worker(lua_State *L, int nargs);
/* Describes the thread's target for log lines ("ip:port"), into buf. */
void sched_thread_target(lua_State *L, char *buf, size_t len);
/* lua: called by the coroutine.resume replacement when a nested coroutine
 * yielded nothing: 1 when that was a time-slice preemption to pass up
 * (the thread is then marked to run again), 2 when it was one but the
 * caller cannot yield (resume the coroutine again at once), else false. */
int sched_preempted(lua_State *L);

/* ---- hostinfo.c ---- */
/* Per-host shared registry tables live while a host is in flight. */
void nse_host_begin(lua_State *L, struct host *h);
void nse_host_end(lua_State *L, struct host *h);

/* ---- stdnse_inject.c ---- */
/* Injects the engine functions into the stdnse table at idx. */
void nse_stdnse_inject(lua_State *L, int idx);
/* The value silent_require raises (a unique light userdata). */
extern const char nse_require_error_key;

/* Light userdata key in the Lua registry holding the engine pointer. */
extern const char nse_engine_key;

#endif
