/* Progress of the script phase (engine.h nse_engine_stats, issue #5):
 * how many script instances run, wait to start or are still to be created,
 * which have run longest, and an estimate of the time left from the rate
 * of instances finished so far.
 *
 * Nmap's NSE progress counts only the threads of the current runlevel of
 * one host group and guesses completion from them; Portolan counts every
 * job in flight, including the instances the lazy generator has not
 * created yet (sched.c spawn_some creates them in a fixed order, so what
 * is left is known exactly from the generator's cursor).
 *
 * Invariants: read-only over the scheduler (host_ports may sort a host's
 * port array, which the generator tolerates: it walks ports by number);
 * O(threads + ports x scripts) per call, made on a timer or key press,
 * never per pass. */
#include <stdio.h>
#include <string.h>

#include "nse/engine.h"
#include "nse/sched_int.h"

static int eligible(const struct port *pt) {
  return pt->state == PS_OPEN || pt->state == PS_OPEN_FILTERED ||
         pt->state == PS_UNFILTERED;
}

/* Eligible ports of h with (proto, number) at or after (p, from). */
static size_t ports_from(struct host *h, int p, long from) {
  size_t total = 0;
  for (; p < PROTO_COUNT; p++, from = 0) {
    size_t n = 0;
    struct port *v = host_ports(h, (enum proto)p, &n);
    for (size_t i = 0; i < n; i++)
      if ((long)v[i].number >= from && eligible(&v[i]))
        total++;
  }
  return total;
}

/* Instances job j has still to create (this runlevel and later ones). */
static size_t to_create(const struct job *j) {
  const struct nse_engine *e = j->s->e;
  if (!j->spawn)
    return 0;
  size_t left = 0;
  for (int rl = j->runlevel; rl <= e->max_runlevel; rl++) {
    size_t nrule = 0, nport = 0, nrule_left = 0, nport_left = 0;
    for (size_t i = 0; i < e->nscripts; i++) {
      const struct nse_script *sc = e->scripts[i];
      if (sc->runlevel != rl)
        continue;
      int r = (int)j->phase;
      int now = rl == j->runlevel;
      if (sc->has_rule[r]) {
        nrule++;
        if (now && j->stage == 0 && i >= j->gi)
          nrule_left++;
      }
      if (j->phase == RULE_HOST && sc->has_rule[RULE_PORT]) {
        nport++;
        if (now && j->stage == 1 && j->gcur >= 0 && i >= j->gi)
          nport_left++;
      }
    }
    if (rl > j->runlevel || j->stage == 0) {
      left += rl > j->runlevel ? nrule : nrule_left;
      if (nport)
        left += nport * ports_from(j->h, 0, 0);
      continue;
    }
    /* Stage 1: the rest of the current port, then the ports after it. */
    left += nport_left;
    if (nport && j->gproto < PROTO_COUNT)
      left += nport * ports_from(j->h, j->gproto, j->gnext);
  }
  return left;
}

/* Keeps st->oldest sorted by age, longest first. */
static void consider(struct nse_stats *st, const struct nse_thread *t,
                     double age) {
  size_t i = st->noldest;
  if (i == NSE_STATS_OLDEST) {
    if (age <= st->oldest[i - 1].seconds)
      return;
    i--;
  } else {
    st->noldest++;
  }
  while (i > 0 && st->oldest[i - 1].seconds < age) {
    st->oldest[i] = st->oldest[i - 1];
    i--;
  }
  char tgt[140];
  thread_against(t, tgt, sizeof tgt);
  snprintf(st->oldest[i].name, sizeof st->oldest[i].name, "%s%s", t->script->id,
           tgt);
  st->oldest[i].seconds = age;
}

void nse_engine_stats(const struct nse_engine *e, struct nse_stats *st) {
  memset(st, 0, sizeof *st);
  st->remaining = -1;
  if (e == NULL || e->sched == NULL)
    return;
  struct sched *s = e->sched;
  uint64_t now = sched_now_ms(s);
  st->done = s->ndone;
  st->lua_bytes = e->mem.used;
  for (const struct job *j = s->jobs; j; j = j->next) {
    st->hosts += j->h != NULL;
    st->queued += to_create(j);
    for (const struct nse_thread *t = j->threads; t; t = t->next) {
      if (t->worker) {
        st->workers++;
      } else if (t->started) {
        st->running++;
        consider(st, t, (double)(now - t->start_ms) / 1000.0);
      } else {
        st->queued++;
      }
    }
  }
  size_t all = st->done + st->running + st->queued;
  if (all > 0)
    st->percent = 100.0 * (double)st->done / (double)all;
  if (s->first_start_ms) {
    st->elapsed = (double)(now - s->first_start_ms) / 1000.0;
    if (st->done > 0)
      st->remaining =
          st->elapsed * (double)(st->running + st->queued) / (double)st->done;
  }
}

static void hms(char *buf, size_t len, double sec) {
  long t = (long)(sec + 0.5);
  snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

void nse_stats_print(const struct nse_engine *e, FILE *f) {
  struct nse_stats st;
  nse_engine_stats(e, &st);
  if (st.running + st.queued + st.workers == 0)
    return;
  char left[32] = "unknown";
  if (st.remaining >= 0)
    hms(left, sizeof left, st.remaining);
  fprintf(f,
          "NSE Timing: About %.2f%% done; %zu script instances running, "
          "%zu queued, %zu done, %zu workers; ETC: %s remaining\n",
          st.percent, st.running, st.queued, st.done, st.workers, left);
  if (st.noldest > 0) {
    fputs("NSE: oldest running:", f);
    for (size_t i = 0; i < st.noldest; i++)
      fprintf(f, "%s %s (%.1fs)", i ? "," : "", st.oldest[i].name,
              st.oldest[i].seconds);
    fputc('\n', f);
  }
}
