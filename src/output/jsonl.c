/* JSON lines (-oJ, Portolan's own format; schema in docs/json-lines.md):
 * one JSON object per line, "run" first, then "prescan", one "host" per
 * reported host as soon as it is finished, "postscan", and "stats" last.
 *
 * Byte strings are exact: valid UTF-8 is written as a JSON string (control
 * characters and NUL as \u escapes); anything else as {"$base64": "..."}.
 * Structured script output keeps nesting, order and the array/object
 * distinction: a table without keys is an array, a table whose children
 * all have distinct UTF-8 keys is an object (a key starting with '$' gets
 * one more '$'), and any other table is {"$table": [...]} whose items are
 * values or {"$key": k, "$value": v}. Decoding is therefore unambiguous.
 *
 * Invariant: every record is a single line ending in '\n', flushed when
 * written. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "output/outfmt.h"

/* Length of the valid UTF-8 sequence at s, or 0 if it is not valid
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t len;
  uint32_t cp, min;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2, cp = c & 0x1f, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, cp = c & 0x0f, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, cp = c & 0x07, min = 0x10000;
  else
    return 0;
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

static int utf8_valid(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t l = utf8_seq(u + i, n - i);
    if (l == 0)
      return 0;
    i += l;
  }
  return 1;
}

/* A JSON string of valid UTF-8 bytes, with `prefix` before them. */
static void put_str(FILE *f, const char *prefix, const char *s, size_t n) {
  fputc('"', f);
  if (prefix != NULL)
    fputs(prefix, f);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"':
      fputs("\\\"", f);
      break;
    case '\\':
      fputs("\\\\", f);
      break;
    case '\n':
      fputs("\\n", f);
      break;
    case '\r':
      fputs("\\r", f);
      break;
    case '\t':
      fputs("\\t", f);
      break;
    default:
      if (c < 0x20 || c == 0x7f)
        fprintf(f, "\\u%04x", c);
      else
        fputc(c, f);
    }
  }
  fputc('"', f);
}

static void put_base64(FILE *f, const char *s, size_t n) {
  static const char tab[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *u = (const unsigned char *)s;
  fputs("{\"$base64\":\"", f);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)u[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)u[i + 1] << 8;
    if (i + 2 < n)
      v |= u[i + 2];
    fputc(tab[(v >> 18) & 63], f);
    fputc(tab[(v >> 12) & 63], f);
    fputc(i + 1 < n ? tab[(v >> 6) & 63] : '=', f);
    fputc(i + 2 < n ? tab[v & 63] : '=', f);
  }
  fputs("\"}", f);
}

/* An exact byte string: a JSON string when valid UTF-8, else base64. */
static void put_bytes(FILE *f, const char *s, size_t n) {
  if (s == NULL)
    fputs("null", f);
  else if (utf8_valid(s, n))
    put_str(f, NULL, s, n);
  else
    put_base64(f, s, n);
}

static void put_bytesz(FILE *f, const char *s) {
  put_bytes(f, s, s ? strlen(s) : 0);
}

/* Member `"name":` followed by a C string value; skipped when NULL. */
static void put_member(FILE *f, const char *name, const char *s) {
  if (s == NULL)
    return;
  fprintf(f, ",\"%s\":", name);
  put_bytesz(f, s);
}

/* An object key: '$' at the start is doubled so that "$base64", "$table",
 * "$key" and "$value" stay reserved. */
static void put_key(FILE *f, const char *k) {
  put_str(f, k[0] == '$' ? "$" : NULL, k, strlen(k));
  fputc(':', f);
}

static int table_kind(const struct snode *t) {
  int keyed = 0, unkeyed = 0;
  for (const struct snode *c = t->first; c != NULL; c = c->next) {
    if (c->key == NULL) {
      unkeyed = 1;
      continue;
    }
    keyed = 1;
    if (!utf8_valid(c->key, strlen(c->key)))
      return 2;
    for (const struct snode *d = t->first; d != c; d = d->next)
      if (d->key != NULL && strcmp(d->key, c->key) == 0)
        return 2;
  }
  if (keyed && unkeyed)
    return 2;
  return keyed ? 1 : 0; /* 0 array, 1 object, 2 general */
}

static void put_node(FILE *f, const struct snode *nd);

static void put_table(FILE *f, const struct snode *t) {
  int kind = table_kind(t);
  if (kind == 2)
    fputs("{\"$table\":", f);
  fputc(kind == 1 ? '{' : '[', f);
  for (const struct snode *c = t->first; c != NULL; c = c->next) {
    if (c != t->first)
      fputc(',', f);
    if (kind == 1) {
      put_key(f, c->key);
      put_node(f, c);
    } else if (kind == 2 && c->key != NULL) {
      fputs("{\"$key\":", f);
      put_bytesz(f, c->key);
      fputs(",\"$value\":", f);
      put_node(f, c);
      fputc('}', f);
    } else {
      put_node(f, c);
    }
  }
  fputc(kind == 1 ? '}' : ']', f);
  if (kind == 2)
    fputc('}', f);
}

static void put_node(FILE *f, const struct snode *nd) {
  if (nd->kind == SNODE_TABLE)
    put_table(f, nd);
  else
    put_bytes(f, nd->value, nd->value_len);
}

static void put_scripts(FILE *f, const struct script_results *rs) {
  size_t n = 0;
  struct script_result **v = outfmt_sorted_scripts(rs, &n);
  fputc('[', f);
  for (size_t i = 0; i < n; i++) {
    const struct script_result *r = v[i];
    fputs(i ? ",{\"id\":" : "{\"id\":", f);
    put_bytesz(f, r->id);
    fputs(",\"output\":", f);
    put_bytes(f, r->output ? r->output : "", r->output_len);
    if (r->structured != NULL) {
      fputs(",\"data\":", f);
      put_node(f, r->structured);
    }
    if (r->flags & SRESULT_ERROR)
      fputs(",\"error\":true", f);
    if (r->flags & SRESULT_TIMEOUT)
      fputs(",\"timeout\":true", f);
    fputc('}', f);
  }
  fputc(']', f);
  free(v);
}

static void json_begin(struct writer *w, const struct run_info *ri) {
  FILE *f = w->out;
  const struct scan_opts *o = ri->opts;
  char when[64];
  fprintf(f, "{\"type\":\"run\",\"scanner\":\"portolan\",\"version\":\"%s\"",
          PORTOLAN_VERSION);
  put_member(f, "args", ri->args);
  fprintf(f, ",\"start\":%.6f", ri->start_time);
  put_member(f, "startstr", outfmt_ctime(ri->start_time, when, sizeof when));
  fputs(",\"scaninfo\":[", f);
  int first = 1;
  int scans = o == NULL || (!o->list_scan && !o->ping_only);
  for (int p = 0; scans && ri->ports != NULL && p < PROTO_COUNT; p++) {
    if (ri->ports->n[p] == 0)
      continue;
    fprintf(f,
            "%s{\"type\":\"%s\",\"protocol\":\"%s\",\"numservices\":%zu,"
            "\"services\":\"",
            first ? "" : ",", outfmt_scan_type(ri, (enum proto)p),
            proto_name((enum proto)p), ri->ports->n[p]);
    outfmt_list_ranges(f, ri->ports->ports[p], ri->ports->n[p]);
    fputs("\"}", f);
    first = 0;
  }
  fprintf(f, "],\"verbose\":%d,\"debugging\":%d}\n",
          o && o->verbosity > 0 ? o->verbosity : 0,
          o && o->debugging > 0 ? o->debugging : 0);
  fflush(f);
}

static void put_phase(struct writer *w, const char *type,
                      const struct script_results *rs) {
  if (rs == NULL || rs->n == 0)
    return;
  fprintf(w->out, "{\"type\":\"%s\",\"scripts\":", type);
  put_scripts(w->out, rs);
  fputs("}\n", w->out);
  fflush(w->out);
}

static void json_prescan(struct writer *w, const struct script_results *rs) {
  put_phase(w, "prescan", rs);
}

static void json_postscan(struct writer *w, const struct script_results *rs) {
  put_phase(w, "postscan", rs);
}

static void put_service(FILE *f, const struct port *pt) {
  struct svc_view v;
  outfmt_service(pt, &v);
  const struct service *s = v.s;
  if (v.name == NULL && s == NULL)
    return;
  fputs(",\"service\":{\"name\":", f);
  put_bytesz(f, v.name ? v.name : "unknown");
  fprintf(f, ",\"method\":\"%s\",\"conf\":%d", v.probed ? "probed" : "table",
          v.conf);
  if (s == NULL) {
    fputc('}', f);
    return;
  }
  put_member(f, "product", s->product);
  put_member(f, "version", s->version);
  put_member(f, "extrainfo", s->extrainfo);
  put_member(f, "hostname", s->hostname);
  put_member(f, "ostype", s->ostype);
  put_member(f, "devicetype", s->devicetype);
  put_member(f, "tunnel", s->tunnel);
  put_member(f, "servicefp", s->fingerprint);
  fputs(",\"cpe\":[", f);
  for (size_t i = 0; i < s->ncpe; i++) {
    if (i > 0)
      fputc(',', f);
    put_bytesz(f, s->cpe[i]);
  }
  fputs("]}", f);
}

static void put_ports(FILE *f, struct host *h, const struct scan_opts *o) {
  struct port_summary ps;
  outfmt_portsum(&ps, h, o);
  fputs(",\"ports\":[", f);
  int first = 1;
  for (int p = 0; p < PROTO_COUNT; p++) {
    size_t n = 0;
    struct port *pts = host_ports(h, (enum proto)p, &n);
    for (size_t i = 0; i < n; i++) {
      const struct port *pt = &pts[i];
      if (ps.hidden[pt->state])
        continue;
      fprintf(f,
              "%s{\"protocol\":\"%s\",\"portid\":%u,\"state\":\"%s\","
              "\"reason\":\"%s\",\"reason_ttl\":%u",
              first ? "" : ",", proto_name((enum proto)p), pt->number,
              port_state_name(pt->state), reason_name(pt->reason),
              pt->reason_ttl);
      first = 0;
      put_service(f, pt);
      if (port_has_scripts(pt)) {
        fputs(",\"scripts\":", f);
        put_scripts(f, &pt->x->scripts);
      }
      fputc('}', f);
    }
  }
  fputs("],\"extraports\":[", f);
  for (size_t i = 0; i < ps.nstates; i++) {
    const struct ignored_state *is = &ps.states[i];
    fprintf(f, "%s{\"state\":\"%s\",\"count\":%zu,\"reasons\":[", i ? "," : "",
            port_state_name(is->state), is->count);
    for (size_t g = 0; g < is->ngroups; g++) {
      const struct ignored_group *gr = &is->groups[g];
      fprintf(f,
              "%s{\"reason\":\"%s\",\"protocol\":\"%s\",\"count\":%zu,"
              "\"ports\":\"",
              g ? "," : "", reason_name(gr->reason), proto_name(gr->proto),
              gr->count);
      outfmt_port_ranges(f, h, gr->proto, is->state, (int)gr->reason);
      fputs("\"}", f);
    }
    fputs("]}", f);
  }
  fputc(']', f);
  outfmt_portsum_free(&ps);
}

static void json_host(struct writer *w, struct host *h) {
  const struct scan_opts *o = w->ri ? w->ri->opts : NULL;
  FILE *f = w->out;
  if (!outfmt_host_reported(h, o))
    return;
  static const char *const st[] = {"unknown", "up", "down"};
  fprintf(f, "{\"type\":\"host\",\"addr\":\"%s\",\"addrtype\":\"%s\"", h->ip,
          outfmt_addrtype(h));
  fputs(",\"hostnames\":[", f);
  if (h->targetname != NULL) {
    fputs("{\"name\":", f);
    put_bytesz(f, h->targetname);
    fputs(",\"type\":\"user\"}", f);
  }
  if (h->name != NULL && *h->name != '\0') {
    fputs(h->targetname ? ",{\"name\":" : "{\"name\":", f);
    put_bytesz(f, h->name);
    fputs(",\"type\":\"PTR\"}", f);
  }
  fputs("],\"other_addrs\":[", f);
  for (size_t i = 0; i < h->nother_addrs; i++) {
    if (i > 0)
      fputc(',', f);
    put_bytesz(f, h->other_addrs[i]);
  }
  fprintf(f, "],\"status\":\"%s\",\"reason\":\"%s\",\"reason_ttl\":%d",
          st[h->status], reason_name(h->reason), h->reason_ttl);
  int scanned =
      h->status == HOST_UP && (o == NULL || (!o->ping_only && !o->list_scan));
  if (h->status == HOST_UP)
    fprintf(f,
            ",\"starttime\":%.6f,\"endtime\":%.6f,\"times\":{\"srtt\":%lld,"
            "\"rttvar\":%lld,\"to\":%lld}",
            h->start_time, h->end_time, (long long)h->srtt_us,
            (long long)h->rttvar_us, (long long)h->timeout_us);
  if (scanned)
    put_ports(f, h, o);
  fputs(",\"scripts\":", f);
  put_scripts(f, &h->scripts);
  fputs("}\n", f);
  fflush(f);
}

static void json_end(struct writer *w, const struct run_stats *st) {
  FILE *f = w->out;
  char when[64];
  fprintf(f, "{\"type\":\"stats\",\"end\":%.6f", st->end_time);
  put_member(f, "endstr", outfmt_ctime(st->end_time, when, sizeof when));
  fprintf(f,
          ",\"elapsed\":%.3f,\"hosts\":{\"up\":%lu,\"down\":%lu,"
          "\"total\":%lu},\"exit\":\"%s\"",
          st->elapsed, st->hosts_up, st->hosts_down, st->hosts_total,
          st->interrupted ? "error" : "success");
  if (st->interrupted)
    put_member(f, "errormsg",
               st->exit_reason ? st->exit_reason : "interrupted");
  fputs("}\n", f);
  fflush(f);
}

static void json_free(struct writer *w) {
  free(w);
}

static const struct writer_ops json_ops = {
    .begin = json_begin,
    .prescan = json_prescan,
    .host = json_host,
    .postscan = json_postscan,
    .end = json_end,
    .free = json_free,
};

struct writer *writer_json_new(FILE *out, int owns_out) {
  struct writer *w = xcalloc(1, sizeof *w);
  w->ops = &json_ops;
  w->out = out;
  w->owns_out = owns_out;
  return w;
}
