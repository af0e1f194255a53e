/* The grepable report (-oG), as Nmap 7.93 writes it: a "Status:" line and a
 * "Ports:" line per host, fields separated by tabs, port entries
 * "port/state/proto/owner/service/rpc/version/" separated by ", ". No
 * script output (NSE-NOTES §9.5).
 *
 * Fields never contain the separators: in names and versions '/' becomes
 * '|' (as Nmap's "ssl|http"), ',' stays (Nmap keeps it), and control or
 * non-ASCII bytes become \xNN, so every host stays on its own lines. */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "output/outfmt.h"

/* Writes a field: printable ASCII with '/' turned into '|'; newlines,
 * tabs and other bytes outside 0x20-0x7e become \xNN. */
static void put_field(FILE *f, const char *s) {
  for (; s != NULL && *s != '\0'; s++) {
    if (*s == '/')
      fputc('|', f);
    else
      outfmt_screen_line(f, s, 1);
  }
}

static void grep_begin(struct writer *w, const struct run_info *ri) {
  FILE *f = w->out;
  const struct scan_opts *o = ri->opts;
  char when[64];
  fprintf(f, "# Portolan %s scan initiated %s as: ", PORTOLAN_VERSION,
          outfmt_ctime(ri->start_time, when, sizeof when));
  /* The command line keeps its slashes: only the fields are separated by
   * them. */
  if (ri->args != NULL)
    outfmt_screen_line(f, ri->args, strlen(ri->args));
  fputc('\n', f);
  if (o != NULL && o->verbosity > 0 && !o->list_scan && !o->ping_only) {
    static const char *const label[PROTO_COUNT] = {"TCP", "UDP", "SCTP"};
    fputs("# Ports scanned:", f);
    for (int p = 0; p < PROTO_COUNT; p++) {
      size_t n = ri->ports ? ri->ports->n[p] : 0;
      fprintf(f, " %s(%zu;", label[p], n);
      if (n > 0)
        outfmt_list_ranges(f, ri->ports->ports[p], n);
      fputc(')', f);
    }
    fputs(" PROTOCOLS(0;)\n", f);
  }
  fflush(f);
}

static void put_host_prefix(FILE *f, const struct host *h) {
  fprintf(f, "Host: %s (", h->ip);
  put_field(f, h->name);
  fputc(')', f);
}

static void put_port(FILE *f, const struct port *pt) {
  struct svc_view v;
  char text[1024];
  outfmt_service(pt, &v);
  fprintf(f, "%u/%s/%s//", pt->number, port_state_name(pt->state),
          proto_name((enum proto)pt->proto));
  if (v.name != NULL) {
    if (v.ssl)
      fputs("ssl|", f);
    put_field(f, v.name);
    if (v.probed && v.conf <= 5)
      fputc('?', f);
  }
  fputs("//", f);
  if (outfmt_version_text(v.s, text, sizeof text))
    put_field(f, text);
  fputc('/', f);
}

static void grep_host(struct writer *w, struct host *h) {
  const struct scan_opts *o = w->ri ? w->ri->opts : NULL;
  FILE *f = w->out;
  if (!outfmt_host_reported(h, o))
    return;
  static const char *const st[] = {"Unknown", "Up", "Down"};
  put_host_prefix(f, h);
  fprintf(f, "\tStatus: %s\n", st[h->status]);
  int scanned =
      h->status == HOST_UP && (o == NULL || (!o->ping_only && !o->list_scan));
  if (!scanned) {
    fflush(f);
    return;
  }
  struct port_summary ps;
  outfmt_portsum(&ps, h, o);
  put_host_prefix(f, h);
  fputs("\tPorts: ", f);
  int first = 1;
  for (int p = 0; p < PROTO_COUNT; p++) {
    size_t n = 0;
    struct port *pts = host_ports(h, (enum proto)p, &n);
    for (size_t i = 0; i < n; i++) {
      if (ps.hidden[pts[i].state])
        continue;
      if (!first)
        fputs(", ", f);
      first = 0;
      put_port(f, &pts[i]);
    }
  }
  /* Nmap names the hidden state only when there is exactly one. */
  if (ps.nstates == 1)
    fprintf(f, "\tIgnored State: %s (%zu)", port_state_name(ps.states[0].state),
            ps.states[0].count);
  fputc('\n', f);
  outfmt_portsum_free(&ps);
  fflush(f);
}

static void grep_end(struct writer *w, const struct run_stats *st) {
  FILE *f = w->out;
  char when[64];
  fprintf(f, "# Nmap done at %s -- ",
          outfmt_ctime(st->end_time, when, sizeof when));
  outfmt_done_summary(f, st);
  fputc('\n', f);
  fflush(f);
}

static void grep_free(struct writer *w) {
  free(w);
}

static const struct writer_ops grep_ops = {
    .begin = grep_begin,
    .host = grep_host,
    .end = grep_end,
    .free = grep_free,
};

struct writer *writer_grepable_new(FILE *out, int owns_out) {
  struct writer *w = xcalloc(1, sizeof *w);
  w->ops = &grep_ops;
  w->out = out;
  w->owns_out = owns_out;
  return w;
}
