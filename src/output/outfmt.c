/* Formatting shared by the writers (see outfmt.h). The ignored-state rule
 * and the orderings here were checked against Nmap 7.93 on loopback and in
 * a test namespace (drop and reject rules), not taken from its source. */
#include "output/outfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/services.h"
#include "core/xalloc.h"

static const char hexdig[] = "0123456789ABCDEF";

/* The screen escaping; keep_lines lets \t and \n through as they are. */
static void screen_bytes(FILE *f, const char *s, size_t n, int keep_lines) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 0x20 && c <= 0x7e) || (keep_lines && (c == '\t' || c == '\n')))
      fputc(c, f);
    else
      fprintf(f, "\\x%c%c", hexdig[c >> 4], hexdig[c & 15]);
  }
}

void outfmt_screen(FILE *f, const char *s, size_t n) {
  screen_bytes(f, s, n, 1);
}

void outfmt_screen_line(FILE *f, const char *s, size_t n) {
  screen_bytes(f, s, n, 0);
}

void outfmt_xml(FILE *f, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '\n':
      fputs("&#xa;", f);
      continue;
    case '\t':
      fputs("&#x9;", f);
      continue;
    case '\r':
      fputs("&#xd;", f);
      continue;
    case '<':
      fputs("&lt;", f);
      continue;
    case '>':
      fputs("&gt;", f);
      continue;
    case '&':
      fputs("&amp;", f);
      continue;
    case '"':
      fputs("&quot;", f);
      continue;
    case '\'':
      fputs("&apos;", f);
      continue;
    case '-':
      /* "--" may not appear inside a comment; Nmap escapes every '-' that
       * follows another, in attributes and text alike. */
      fputs(i > 0 && s[i - 1] == '-' ? "&#45;" : "-", f);
      continue;
    default:
      break;
    }
    if (c >= 0x20 && c <= 0x7e)
      fputc(c, f);
    else
      fprintf(f, "\\x%c%c", hexdig[c >> 4], hexdig[c & 15]);
  }
}

void outfmt_xmlz(FILE *f, const char *s) {
  if (s != NULL)
    outfmt_xml(f, s, strlen(s));
}

const char *outfmt_ctime(double epoch, char *buf, size_t len) {
  time_t t = (time_t)epoch;
  struct tm tm;
  localtime_r(&t, &tm);
  /* ctime's layout: the day of month is space-padded. */
  if (strftime(buf, len, "%a %b %e %H:%M:%S %Y", &tm) == 0 && len > 0)
    buf[0] = '\0';
  return buf;
}

const char *outfmt_sig2(double v, char *buf, size_t len) {
  int decimals = 0;
  if (v > 0) {
    int mag = (int)floor(log10(v));
    decimals = 1 - mag;
    if (decimals < 0)
      decimals = 0;
    if (decimals > 12)
      decimals = 12;
  }
  snprintf(buf, len, "%.*f", decimals, v);
  return buf;
}

void outfmt_done_summary(FILE *f, const struct run_stats *st) {
  fprintf(f, "%lu IP address%s (%lu host%s up) scanned in %.2f seconds",
          st->hosts_total, st->hosts_total == 1 ? "" : "es", st->hosts_up,
          st->hosts_up == 1 ? "" : "s", st->elapsed);
}

/* Nmap's numbering of reasons, used only to break ties between groups of
 * equal size the way 7.93 does. */
static int reason_rank(enum reason r) {
  static const int rank[RSN_COUNT] = {
      [RSN_RESET] = 0,
      [RSN_CONN_REFUSED] = 1,
      [RSN_CONN_ACCEPTED] = 2,
      [RSN_SYN_ACK] = 3,
      [RSN_UDP_RESPONSE] = 5,
      [RSN_NET_UNREACH] = 8,
      [RSN_HOST_UNREACH] = 9,
      [RSN_PROTO_UNREACH] = 10,
      [RSN_PORT_UNREACH] = 11,
      [RSN_ECHO_REPLY] = 12,
      [RSN_NET_PROHIBITED] = 15,
      [RSN_HOST_PROHIBITED] = 16,
      [RSN_ADMIN_PROHIBITED] = 17,
      [RSN_TIME_EXCEEDED] = 18,
      [RSN_ARP_RESPONSE] = 23,
      [RSN_NO_RESPONSE] = 26,
      [RSN_LOCALHOST_RESPONSE] = 29,
      [RSN_SCRIPT_SET] = 30,
      [RSN_NONE] = 31,
      [RSN_USER_SET] = 32,
      [RSN_HOST_TIMEOUT] = 33,
  };
  return (unsigned)r < RSN_COUNT ? rank[r] : 99;
}

static int cmp_group(const void *a, const void *b) {
  const struct ignored_group *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  if (x->proto != y->proto)
    return (int)x->proto - (int)y->proto;
  return reason_rank(x->reason) - reason_rank(y->reason);
}

/* Nmap's state numbers (closed 1, filtered 3, closed|filtered 8) order
 * hidden states of equal size; ours keep the same relative order. */
static int cmp_state(const void *a, const void *b) {
  const struct ignored_state *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return (int)x->state - (int)y->state;
}

static int never_hidden(enum port_state st) {
  return st == PS_OPEN || st == PS_UNKNOWN || st == PS_OPEN_FILTERED ||
         st == PS_UNFILTERED;
}

void outfmt_portsum(struct port_summary *ps, struct host *h,
                    const struct scan_opts *o) {
  memset(ps, 0, sizeof *ps);
  size_t count[PS_COUNT] = {0};
  for (int p = 0; p < PROTO_COUNT; p++) {
    ps->total += host_port_count(h, (enum proto)p);
    for (int st = 0; st < PS_COUNT; st++)
      count[st] += host_state_count(h, (enum proto)p, (enum port_state)st);
  }
  int verbose = o ? o->verbosity : 0, debug = o ? o->debugging : 0;
  size_t limit = 25 * (size_t)(1 + (verbose > 0 ? verbose : 0) +
                               20 * (debug > 0 ? debug : 0));
  for (int st = 0; st < PS_COUNT; st++) {
    if (count[st] == 0 || never_hidden((enum port_state)st) || debug > 2)
      continue;
    if ((o && o->open_only) || count[st] > limit)
      ps->hidden[st] = 1;
  }
  ps->shown = ps->total;
  for (int st = 0; st < PS_COUNT; st++) {
    if (!ps->hidden[st])
      continue;
    ps->shown -= count[st];
    struct ignored_state *is = &ps->states[ps->nstates++];
    is->state = (enum port_state)st;
    is->count = count[st];
    size_t cap = 0;
    for (int p = 0; p < PROTO_COUNT; p++) {
      if (host_state_count(h, (enum proto)p, (enum port_state)st) == 0)
        continue;
      size_t per[RSN_COUNT] = {0}, n = 0;
      struct port *pts = host_ports(h, (enum proto)p, &n);
      for (size_t i = 0; i < n; i++)
        if (pts[i].state == st && pts[i].reason < RSN_COUNT)
          per[pts[i].reason]++;
      for (int r = 0; r < RSN_COUNT; r++) {
        if (per[r] == 0)
          continue;
        is->groups =
            xgrow(is->groups, &cap, is->ngroups + 1, sizeof *is->groups);
        is->groups[is->ngroups++] = (struct ignored_group){
            .proto = (enum proto)p, .reason = (enum reason)r, .count = per[r]};
      }
    }
    qsort(is->groups, is->ngroups, sizeof *is->groups, cmp_group);
  }
  qsort(ps->states, ps->nstates, sizeof *ps->states, cmp_state);
}

void outfmt_portsum_free(struct port_summary *ps) {
  for (size_t i = 0; i < ps->nstates; i++)
    free(ps->states[i].groups);
  ps->nstates = 0;
}

static void put_range(FILE *f, int *first, unsigned lo, unsigned hi) {
  if (!*first)
    fputc(',', f);
  *first = 0;
  if (lo == hi)
    fprintf(f, "%u", lo);
  else
    fprintf(f, "%u-%u", lo, hi);
}

void outfmt_port_ranges(FILE *f, struct host *h, enum proto p,
                        enum port_state st, int r) {
  size_t n = 0;
  struct port *pts = host_ports(h, p, &n);
  int first = 1, open = 0;
  unsigned lo = 0, hi = 0;
  for (size_t i = 0; i < n; i++) {
    if (pts[i].state != st || (r >= 0 && pts[i].reason != r))
      continue;
    if (open && pts[i].number == hi + 1) {
      hi = pts[i].number;
      continue;
    }
    if (open)
      put_range(f, &first, lo, hi);
    lo = hi = pts[i].number;
    open = 1;
  }
  if (open)
    put_range(f, &first, lo, hi);
}

void outfmt_list_ranges(FILE *f, const uint16_t *ports, size_t n) {
  int first = 1;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && ports[j + 1] == ports[j] + 1)
      j++;
    put_range(f, &first, ports[i], ports[j]);
    i = j + 1;
  }
}

void outfmt_service(const struct port *pt, struct svc_view *v) {
  memset(v, 0, sizeof *v);
  v->conf = 3;
  if (pt->x != NULL && pt->x->has_service) {
    const struct service *s = &pt->x->svc;
    v->s = s;
    v->name = s->name;
    v->probed = s->probed;
    v->conf = (int)(s->name_confidence + 0.5);
    if (v->conf < 0)
      v->conf = 0;
    if (v->conf > 10)
      v->conf = 10;
    v->ssl = s->tunnel != NULL && strcmp(s->tunnel, "ssl") == 0;
  }
  if (v->name == NULL)
    v->name = services_name(pt->number, (enum proto)pt->proto);
}

static void append(char *buf, size_t len, size_t *at, const char *s) {
  if (s == NULL || *s == '\0')
    return;
  int w = snprintf(buf + *at, len - *at, "%s", s);
  if (w > 0)
    *at += (size_t)w < len - *at ? (size_t)w : len - *at - 1;
}

int outfmt_version_text(const struct service *s, char *buf, size_t len) {
  size_t at = 0;
  buf[0] = '\0';
  if (s == NULL || len < 8)
    return 0;
  const char *parts[2] = {s->product, s->version};
  for (int i = 0; i < 2; i++) {
    if (parts[i] == NULL || *parts[i] == '\0')
      continue;
    if (at > 0)
      append(buf, len, &at, " ");
    append(buf, len, &at, parts[i]);
  }
  if (s->extrainfo != NULL && *s->extrainfo != '\0') {
    if (at > 0)
      append(buf, len, &at, " ");
    append(buf, len, &at, "(");
    append(buf, len, &at, s->extrainfo);
    append(buf, len, &at, ")");
  }
  return at > 0;
}

struct script_result **outfmt_sorted_scripts(const struct script_results *rs,
                                             size_t *n) {
  *n = rs ? rs->n : 0;
  if (*n == 0)
    return NULL;
  struct script_results tmp = {
      .items = xmemdup(rs->items, rs->n * sizeof *rs->items),
      .n = rs->n,
      .cap = rs->n,
  };
  sresults_sort(&tmp);
  return tmp.items;
}

const char *outfmt_scan_type(const struct run_info *ri, enum proto p) {
  if (p == PROTO_UDP)
    return "udp";
  if (p == PROTO_SCTP)
    return "sctpinit";
  if (ri->scan_type != NULL)
    return ri->scan_type;
  if (ri->opts != NULL && (ri->opts->scan_types & SCAN_SYN))
    return "syn";
  return "connect";
}

int outfmt_host_reported(struct host *h, const struct scan_opts *o) {
  if (h->timed_out)
    return 0;
  if (h->status == HOST_DOWN)
    return o != NULL && o->verbosity > 0;
  if (h->status == HOST_UP && o != NULL && o->open_only && !o->ping_only &&
      !o->list_scan) {
    for (int p = 0; p < PROTO_COUNT; p++)
      if (host_state_count(h, (enum proto)p, PS_OPEN) +
              host_state_count(h, (enum proto)p, PS_OPEN_FILTERED) +
              host_state_count(h, (enum proto)p, PS_UNFILTERED) >
          0)
        return 1;
    return 0;
  }
  return 1;
}

int outfmt_show_reason(const struct scan_opts *o) {
  return o != NULL && (o->reason || o->verbosity >= 2 || o->debugging > 0);
}

const char *outfmt_addrtype(const struct host *h) {
  return h->family == AF_INET6 ? "ipv6" : "ipv4";
}
