/* The normal report: the screen (screen=1) and -oN (screen=0), laid out as
 * Nmap 7.93 does so that users' parsers of "Nmap scan report for" and
 * "Nmap done" keep working. Only the header line says Portolan.
 *
 * Differences between the two, as in Nmap: the screen starts with
 * "Starting Portolan ..." and ends with "Nmap done: ...", and writes the
 * "Bug in <id>: no string output." notes to stderr; -oN starts with a
 * "# Portolan ... scan initiated" comment, ends with "# Nmap done at", and
 * keeps those notes in the file.
 *
 * Invariant: each host is written whole and flushed in writer_host, so a
 * killed scan leaves every finished host in the file. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/services.h"
#include "core/xalloc.h"
#include "output/outfmt.h"

struct normal {
  struct writer w;
  int screen;
  int hosts_up_seen;
};

enum { COL_PORT, COL_STATE, COL_SERVICE, COL_REASON, COL_VERSION, NCOL };

/* Where "Bug in" notes go: stderr for the screen, the report for -oN. */
static FILE *note_stream(struct normal *n) {
  return n->screen ? stderr : n->w.out;
}

/* Renders one script result as "| " / "|_" lines (NSE-NOTES §9.3). */
static void put_script(struct normal *n, const struct script_result *r) {
  FILE *f = n->w.out;
  if (r->output_len == 0) {
    FILE *note = note_stream(n);
    fputs("Bug in ", note);
    outfmt_screen_line(note, r->id, strlen(r->id));
    fputs(": no string output.\n", note);
    return;
  }
  const char *s = r->output, *end = r->output + r->output_len;
  /* A trailing newline does not make an empty last line. */
  if (end[-1] == '\n')
    end--;
  int first = 1;
  for (;;) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *stop = nl ? nl : end;
    fputs(nl ? "| " : "|_", f);
    if (first) {
      outfmt_screen_line(f, r->id, strlen(r->id));
      fputs(": ", f);
      first = 0;
    }
    outfmt_screen(f, s, (size_t)(stop - s));
    fputc('\n', f);
    if (nl == NULL)
      break;
    s = nl + 1;
  }
}

static void put_scripts(struct normal *n, const struct script_results *rs) {
  size_t cnt = 0;
  struct script_result **v = outfmt_sorted_scripts(rs, &cnt);
  for (size_t i = 0; i < cnt; i++)
    put_script(n, v[i]);
  free(v);
}

static void normal_begin(struct writer *w, const struct run_info *ri) {
  struct normal *n = (struct normal *)w;
  char buf[64];
  if (n->screen) {
    time_t t = (time_t)ri->start_time;
    struct tm tm;
    localtime_r(&t, &tm);
    if (strftime(buf, sizeof buf, "%Y-%m-%d %H:%M %Z", &tm) == 0)
      buf[0] = '\0';
    fprintf(w->out,
            "Starting Portolan %s ( NSE-compatible network scanner ) at %s\n",
            PORTOLAN_VERSION, buf);
  } else {
    fprintf(w->out, "# Portolan %s scan initiated %s as: ", PORTOLAN_VERSION,
            outfmt_ctime(ri->start_time, buf, sizeof buf));
    if (ri->args != NULL)
      outfmt_screen_line(w->out, ri->args, strlen(ri->args));
    fputc('\n', w->out);
  }
  fflush(w->out);
}

static void normal_prescan(struct writer *w, const struct script_results *rs) {
  if (rs == NULL || rs->n == 0)
    return;
  fputs("Pre-scan script results:\n", w->out);
  put_scripts((struct normal *)w, rs);
  fflush(w->out);
}

static void normal_postscan(struct writer *w, const struct script_results *rs) {
  if (rs == NULL || rs->n == 0)
    return;
  fputs("Post-scan script results:\n", w->out);
  put_scripts((struct normal *)w, rs);
  fflush(w->out);
}

/* "name (ip)" or "ip": the user's name first, then the PTR name. */
static void put_host_label(FILE *f, const struct host *h) {
  const char *name = h->targetname ? h->targetname : h->name;
  if (name != NULL && *name != '\0') {
    outfmt_screen_line(f, name, strlen(name));
    fprintf(f, " (%s)", h->ip);
  } else {
    fputs(h->ip, f);
  }
}

static void put_reason(FILE *f, enum reason r, int ttl) {
  fputs(reason_name(r), f);
  if (ttl > 0)
    fprintf(f, " ttl %d", ttl);
}

/* A cell of the port table, escaped for the screen. */
static char *cell_service(const struct port *pt) {
  struct svc_view v;
  outfmt_service(pt, &v);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (v.ssl)
    fputs("ssl/", f);
  const char *name = v.name ? v.name : "unknown";
  outfmt_screen_line(f, name, strlen(name));
  if (v.probed && v.conf <= 5)
    fputc('?', f);
  fclose(f);
  return buf;
}

static char *cell_version(const struct port *pt) {
  char text[1024];
  struct svc_view v;
  outfmt_service(pt, &v);
  if (!outfmt_version_text(v.s, text, sizeof text))
    return xstrdup("");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  outfmt_screen_line(f, text, strlen(text));
  fclose(f);
  return buf;
}

static char *cell_reason(const struct port *pt) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  put_reason(f, (enum reason)pt->reason, pt->reason_ttl);
  fclose(f);
  return buf;
}

/* Pads every cell but the last non-empty one: Nmap's rows have no
 * trailing blanks. */
static void put_row(FILE *f, char *const *cells, const size_t *width,
                    const int *used) {
  int last = -1;
  for (int c = 0; c < NCOL; c++)
    if (used[c] && cells[c][0] != '\0')
      last = c;
  for (int c = 0; c <= last; c++) {
    if (!used[c])
      continue;
    fputs(cells[c], f);
    if (c < last)
      fprintf(f, "%*s", (int)(width[c] - strlen(cells[c]) + 1), "");
  }
  fputc('\n', f);
}

struct row {
  char *cell[NCOL];
  const struct port *pt;
};

static void put_table(struct normal *n, struct host *h,
                      const struct port_summary *ps) {
  const struct scan_opts *o = n->w.ri ? n->w.ri->opts : NULL;
  FILE *f = n->w.out;
  int used[NCOL] = {1, 1, 1, outfmt_show_reason(o),
                    o != NULL && o->version_detect};
  static const char *const head[NCOL] = {"PORT", "STATE", "SERVICE", "REASON",
                                         "VERSION"};
  size_t width[NCOL];
  for (int c = 0; c < NCOL; c++)
    width[c] = strlen(head[c]);
  struct row *rows = xcalloc(ps->shown ? ps->shown : 1, sizeof *rows);
  size_t nrows = 0;
  for (int p = 0; p < PROTO_COUNT; p++) {
    size_t cnt = 0;
    struct port *pts = host_ports(h, (enum proto)p, &cnt);
    for (size_t i = 0; i < cnt && nrows < ps->shown; i++) {
      if (ps->hidden[pts[i].state])
        continue;
      struct row *r = &rows[nrows++];
      r->pt = &pts[i];
      r->cell[COL_PORT] =
          xasprintf("%u/%s", pts[i].number, proto_name((enum proto)p));
      r->cell[COL_STATE] = xstrdup(port_state_name(pts[i].state));
      r->cell[COL_SERVICE] = cell_service(&pts[i]);
      r->cell[COL_REASON] = cell_reason(&pts[i]);
      r->cell[COL_VERSION] = cell_version(&pts[i]);
      for (int c = 0; c < NCOL; c++)
        if (strlen(r->cell[c]) > width[c])
          width[c] = strlen(r->cell[c]);
    }
  }
  put_row(f, (char *const *)head, width, used);
  for (size_t i = 0; i < nrows; i++) {
    put_row(f, rows[i].cell, width, used);
    if (port_has_scripts(rows[i].pt))
      put_scripts(n, &rows[i].pt->x->scripts);
    for (int c = 0; c < NCOL; c++)
      free(rows[i].cell[c]);
  }
  free(rows);
}

/* Adds s to the list unless it is already there. */
static void add_unique(const char ***v, size_t *n, size_t *cap, const char *s) {
  if (s == NULL || *s == '\0')
    return;
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*v)[i], s) == 0)
      return;
  *v = xgrow(*v, cap, *n + 1, sizeof **v);
  (*v)[(*n)++] = s;
}

static void put_list(FILE *f, int *any, const char *one, const char *many,
                     const char **v, size_t n) {
  if (n == 0)
    return;
  fprintf(f, "%s%s: ", *any ? "; " : "", n == 1 ? one : many);
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      fputs(", ", f);
    outfmt_screen_line(f, v[i], strlen(v[i]));
  }
  *any = 1;
}

/* "Service Info: Host: x; OS: Linux; CPE: cpe:/o:linux:linux_kernel":
 * hosts, OS types, device types and the OS/hardware CPEs of all ports. */
static void put_service_info(FILE *f, struct host *h) {
  const char **lists[4] = {NULL, NULL, NULL, NULL};
  size_t cnt[4] = {0}, cap[4] = {0};
  for (int p = 0; p < PROTO_COUNT; p++) {
    size_t n = 0;
    struct port *pts = host_ports(h, (enum proto)p, &n);
    for (size_t i = 0; i < n; i++) {
      if (pts[i].x == NULL || !pts[i].x->has_service)
        continue;
      const struct service *s = &pts[i].x->svc;
      add_unique(&lists[0], &cnt[0], &cap[0], s->hostname);
      add_unique(&lists[1], &cnt[1], &cap[1], s->ostype);
      add_unique(&lists[2], &cnt[2], &cap[2], s->devicetype);
      for (size_t c = 0; c < s->ncpe; c++)
        if (strncmp(s->cpe[c], "cpe:/o", 6) == 0 ||
            strncmp(s->cpe[c], "cpe:/h", 6) == 0)
          add_unique(&lists[3], &cnt[3], &cap[3], s->cpe[c]);
    }
  }
  if (cnt[0] + cnt[1] + cnt[2] + cnt[3] > 0) {
    int any = 0;
    fputs("Service Info: ", f);
    put_list(f, &any, "Host", "Hosts", lists[0], cnt[0]);
    put_list(f, &any, "OS", "OSs", lists[1], cnt[1]);
    put_list(f, &any, "Device", "Devices", lists[2], cnt[2]);
    put_list(f, &any, "CPE", "CPE", lists[3], cnt[3]);
    fputc('\n', f);
  }
  for (int i = 0; i < 4; i++)
    free(lists[i]);
}

static void put_not_shown(FILE *f, const struct port_summary *ps) {
  if (ps->nstates == 0)
    return;
  fputs("Not shown: ", f);
  int first = 1;
  for (size_t i = 0; i < ps->nstates; i++) {
    const struct ignored_state *is = &ps->states[i];
    for (size_t g = 0; g < is->ngroups; g++) {
      const struct ignored_group *gr = &is->groups[g];
      fprintf(f, "%s%zu %s %s port%s (%s)", first ? "" : ", ", gr->count,
              port_state_name(is->state), proto_name(gr->proto),
              gr->count == 1 ? "" : "s", reason_name(gr->reason));
      first = 0;
    }
  }
  fputc('\n', f);
}

/* Fingerprints of services that answered but matched nothing, after the
 * table as in Nmap; Portolan's are not Nmap's, so no submission address. */
static void put_fingerprints(FILE *f, struct host *h,
                             const struct port_summary *ps) {
  size_t count = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1 && count > 0)
      fprintf(f,
              "%zu service%s unrecognized despite returning data. "
              "Fingerprint%s:\n",
              count, count == 1 ? "" : "s", count == 1 ? "" : "s");
    for (int p = 0; p < PROTO_COUNT && (pass == 0 || count > 0); p++) {
      size_t n = 0;
      struct port *pts = host_ports(h, (enum proto)p, &n);
      for (size_t i = 0; i < n; i++) {
        const char *fp = pts[i].x && pts[i].x->has_service
                             ? pts[i].x->svc.fingerprint
                             : NULL;
        if (fp == NULL || *fp == '\0' || ps->hidden[pts[i].state])
          continue;
        if (pass == 0) {
          count++;
          continue;
        }
        if (count > 1)
          fputs("==============NEXT SERVICE FINGERPRINT (SUBMIT "
                "INDIVIDUALLY)==============\n",
                f);
        outfmt_screen(f, fp, strlen(fp));
        if (fp[strlen(fp) - 1] != '\n')
          fputc('\n', f);
      }
    }
  }
}

static void put_ports(struct normal *n, struct host *h,
                      const struct scan_opts *o) {
  FILE *f = n->w.out;
  struct port_summary ps;
  outfmt_portsum(&ps, h, o);
  if (ps.shown == 0) {
    fprintf(f, "All %zu scanned ports on ", ps.total);
    put_host_label(f, h);
    fputs(" are in ignored states.\n", f);
  }
  if (ps.nstates > 0)
    put_not_shown(f, &ps);
  else if (ps.shown > 0)
    fputc('\n', f);
  if (o != NULL && o->open_only &&
      host_state_count(h, PROTO_TCP, PS_FILTERED) > 0)
    fputs("Some closed ports may be reported as filtered due to "
          "--defeat-rst-ratelimit\n",
          f);
  if (ps.shown > 0) {
    put_table(n, h, &ps);
    put_fingerprints(f, h, &ps);
  }
  outfmt_portsum_free(&ps);
  put_service_info(f, h);
}

/* "Host is up ...", then the other addresses of the name and the reverse
 * DNS name when it differs from the name the user gave. */
static void put_up_lines(FILE *f, const struct host *h, int show_reason) {
  char buf[64];
  fputs("Host is up", f);
  if (show_reason) {
    fputs(", received ", f);
    put_reason(f, h->reason, h->reason_ttl);
  }
  if (h->srtt_us > 0)
    fprintf(f, " (%ss latency)",
            outfmt_sig2((double)h->srtt_us / 1e6, buf, sizeof buf));
  fputs(".\n", f);
  if (h->nother_addrs > 0 && h->targetname != NULL) {
    fputs("Other addresses for ", f);
    outfmt_screen_line(f, h->targetname, strlen(h->targetname));
    fputs(" (not scanned):", f);
    for (size_t i = 0; i < h->nother_addrs; i++) {
      fputc(' ', f);
      outfmt_screen_line(f, h->other_addrs[i], strlen(h->other_addrs[i]));
    }
    fputc('\n', f);
  }
  if (h->targetname != NULL && h->name != NULL && *h->name != '\0' &&
      strcmp(h->targetname, h->name) != 0) {
    fprintf(f, "rDNS record for %s: ", h->ip);
    outfmt_screen_line(f, h->name, strlen(h->name));
    fputc('\n', f);
  }
}

static void normal_host(struct writer *w, struct host *h) {
  struct normal *n = (struct normal *)w;
  const struct scan_opts *o = w->ri ? w->ri->opts : NULL;
  FILE *f = w->out;
  if (!outfmt_host_reported(h, o))
    return;
  int show_reason = outfmt_show_reason(o);
  fputs("Nmap scan report for ", f);
  put_host_label(f, h);
  if (h->status == HOST_DOWN) {
    fputs(" [host down", f);
    if (show_reason) {
      fputs(", received ", f);
      put_reason(f, h->reason, h->reason_ttl);
    }
    fputs("]\n", f);
    fflush(f);
    return;
  }
  fputc('\n', f);
  if (h->status != HOST_UP) { /* -sL: the name is the whole report */
    fflush(f);
    return;
  }
  n->hosts_up_seen++;
  put_up_lines(f, h, show_reason);
  int scanned = o == NULL || (!o->ping_only && !o->list_scan);
  if (scanned && o != NULL && (o->verbosity >= 2 || o->debugging > 0)) {
    char buf[64];
    time_t t = (time_t)h->start_time;
    struct tm tm;
    localtime_r(&t, &tm);
    if (strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
      buf[0] = '\0';
    fprintf(f, "Scanned at %s for %lds\n", buf,
            (long)(h->end_time - h->start_time));
  }
  if (scanned)
    put_ports(n, h, o);
  if (h->scripts.n > 0) {
    fputs("\nHost script results:\n", f);
    put_scripts(n, &h->scripts);
  }
  if (scanned || h->scripts.n > 0)
    fputc('\n', f);
  fflush(f);
}

/* Nmap's -v/-d note on where the data files came from; only when the
 * services table was read from a file (not the built-in list). */
static void put_data_source(FILE *f, int debug) {
  const char *src = services_source();
  const char *slash = src ? strrchr(src, '/') : NULL;
  if (src == NULL || src[0] != '/' || strchr(src, '+') != NULL)
    return;
  int dirlen = slash == src ? 1 : (int)(slash - src);
  if (debug)
    fprintf(f, "Read from %.*s: %s.\n", dirlen, src, slash + 1);
  else
    fprintf(f, "Read data files from: %.*s\n", dirlen, src);
}

static void normal_end(struct writer *w, const struct run_stats *st) {
  struct normal *n = (struct normal *)w;
  const struct scan_opts *o = w->ri ? w->ri->opts : NULL;
  FILE *f = w->out;
  char buf[64];
  if (o != NULL && (o->verbosity > 0 || o->debugging > 0))
    put_data_source(f, o->debugging > 0);
  if (o != NULL && o->version_detect && n->hosts_up_seen > 0)
    fputs("Service detection performed.\n", f);
  if (n->screen) {
    if (st->hosts_total == 1 && st->hosts_up == 0 && !st->interrupted &&
        (o == NULL || !o->list_scan))
      fputs("Note: Host seems down. If it is really up, but blocking our "
            "ping probes, try -Pn\n",
            f);
    fputs("Nmap done: ", f);
    outfmt_done_summary(f, st);
    fputc('\n', f);
  } else {
    fprintf(f, "# Nmap done at %s -- ",
            outfmt_ctime(st->end_time, buf, sizeof buf));
    outfmt_done_summary(f, st);
    fputc('\n', f);
  }
  fflush(f);
}

static void normal_free(struct writer *w) {
  free(w);
}

static const struct writer_ops normal_ops = {
    .begin = normal_begin,
    .prescan = normal_prescan,
    .host = normal_host,
    .postscan = normal_postscan,
    .end = normal_end,
    .free = normal_free,
};

struct writer *writer_normal_new(FILE *out, int owns_out, int screen) {
  struct normal *n = xcalloc(1, sizeof *n);
  n->w.ops = &normal_ops;
  n->w.out = out;
  n->w.owns_out = owns_out;
  n->screen = screen;
  return &n->w;
}
