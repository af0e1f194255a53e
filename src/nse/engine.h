/* The script engine's public face for src/run (DESIGN.md "The engine").
 * One engine per run: one lua_State on the main loop. Phases: prescan once,
 * then nse_engine_host for each host as soon as its port scan (and version
 * detection) is finished, then postscan once. Every call completes through
 * its callback on the loop, never synchronously from inside the call. */
#ifndef PORTOLAN_NSE_ENGINE_H
#define PORTOLAN_NSE_ENGINE_H

#include <stdio.h>
#include <uv.h>

#include "core/host.h"
#include "core/options.h"
#include "core/script_result.h"

struct nse_engine;

/* Creates the Lua state, loads and validates the selected scripts
 * (--script, -sC, -sV's version category) and parses --script-args.
 * Returns 0, or a negative code with a malloc'd message in *err: the text
 * Nmap prints after "NSE: failed to initialize the script engine:" (the
 * caller prints that line, the message and "QUITTING!", and exits 1).
 * o and loop are borrowed for the engine's life. */
int nse_engine_new(struct nse_engine **out, uv_loop_t *loop,
                   const struct scan_opts *o, char **err);

/* Number of scripts selected (0: no script scan). */
size_t nse_engine_script_count(const struct nse_engine *e);

typedef void (*nse_done_fn)(void *ud);

/* Runs the prerules; results go into *out (borrowed until done). */
void nse_engine_prescan(struct nse_engine *e, struct script_results *out,
                        nse_done_fn done, void *ud);
/* Runs host and port rules for h, whose ports are all known. Results are
 * stored in h (host scripts) and its ports. h is borrowed until done.
 * Several hosts may be in flight at once. */
void nse_engine_host(struct nse_engine *e, struct host *h, nse_done_fn done,
                     void *ud);
void nse_engine_postscan(struct nse_engine *e, struct script_results *out,
                         nse_done_fn done, void *ud);

/* Callback for nmap.add_targets: src/run queues the new target specs. */
typedef int (*nse_add_target_fn)(const char *spec, void *ud);
void nse_engine_set_target_cb(struct nse_engine *e, nse_add_target_fn fn,
                              void *ud);

/* Progress of the script phase (issue #5), for --stats-every and the key
 * press. Counts are script instances (candidate threads) of all phases in
 * flight; workers are counted apart. `queued` includes instances that the
 * lazy generator has yet to create for the hosts already handed to the
 * engine (hosts still in their port scan are not known yet). */
#define NSE_STATS_OLDEST 3
struct nse_stats {
  size_t running;   /* instances that have started and not ended */
  size_t queued;    /* created but not yet started, or still to create */
  size_t workers;   /* live stdnse.new_thread workers */
  size_t done;      /* instances ended since the engine started */
  size_t hosts;     /* hosts (jobs) in the script phase */
  double percent;   /* done / (done + running + queued) * 100 */
  double elapsed;   /* seconds since the first instance started */
  double remaining; /* estimated seconds left from the rate so far, or -1 */
  size_t noldest;
  struct {
    char name[160]; /* "<id>[ against <target>]" */
    double seconds; /* since the instance started */
  } oldest[NSE_STATS_OLDEST];
  size_t lua_bytes; /* the Lua heap */
};
/* Fills *st; safe at any time between nse_engine_new and _free. */
void nse_engine_stats(const struct nse_engine *e, struct nse_stats *st);
/* One or two lines ("NSE: ..." and "NSE: oldest: ...") for progress
 * reports; nothing when no script instance is running or queued. */
void nse_stats_print(const struct nse_engine *e, FILE *f);

/* Ctrl-C: ends every script thread now. Done callbacks of the phases in
 * flight still fire (with whatever results were already stored). */
void nse_engine_stop(struct nse_engine *e);
void nse_engine_free(struct nse_engine *e);

/* --script-help: prints each selected script's help to f. Returns 0 or a
 * negative code with *err set. */
int nse_script_help(const struct scan_opts *o, FILE *f, char **err);
/* --script-updatedb: rewrites scripts/script.db. */
int nse_script_updatedb(const struct scan_opts *o, char **err);

#endif
