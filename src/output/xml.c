/* The XML report (-oX), valid against Nmap's nmap.dtd and laid out as Nmap
 * 7.93 writes it (same elements, attribute order and line breaks), so that
 * ndiff, python-libnmap and other Nmap XML consumers read it unchanged.
 * `scanner` must be "nmap" (the DTD allows nothing else); `version` is
 * "7.93 (portolan X.Y.Z)" so tools that read a leading number see the Nmap
 * release whose output we reproduce.
 *
 * Every byte of text goes through outfmt_xml, so the file is 7-bit ASCII
 * whatever the scripts returned. Invariant: the document is well-formed
 * after writer_end whatever happened before (end closes <nmaprun>). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "output/outfmt.h"

struct xmlw {
  struct writer w;
  int ended;
};

#define NMAP_XSL "/usr/share/nmap/nmap.xsl"

/* <elem>/<table> children (NSE-NOTES §9.4). */
static void put_node(FILE *f, const struct snode *nd) {
  if (nd->kind == SNODE_TABLE) {
    fputs("<table", f);
    if (nd->key != NULL) {
      fputs(" key=\"", f);
      outfmt_xmlz(f, nd->key);
      fputc('"', f);
    }
    fputs(">\n", f);
    for (const struct snode *c = nd->first; c != NULL; c = c->next)
      put_node(f, c);
    fputs("</table>\n", f);
    return;
  }
  fputs("<elem", f);
  if (nd->key != NULL) {
    fputs(" key=\"", f);
    outfmt_xmlz(f, nd->key);
    fputc('"', f);
  }
  fputc('>', f);
  outfmt_xml(f, nd->value, nd->value_len);
  fputs("</elem>\n", f);
}

static void put_script(FILE *f, const struct script_result *r) {
  fputs("<script id=\"", f);
  outfmt_xmlz(f, r->id);
  fputs("\" output=\"", f);
  outfmt_xml(f, r->output, r->output_len);
  fputc('"', f);
  const struct snode *s = r->structured;
  /* Only a result without a structured value is an empty element; an
   * empty table gives <script ...></script>, as Nmap writes it. */
  if (s == NULL) {
    fputs("/>", f);
    return;
  }
  fputc('>', f);
  if (s->kind == SNODE_ELEM)
    outfmt_xml(f, s->value, s->value_len);
  else
    for (const struct snode *c = s->first; c != NULL; c = c->next)
      put_node(f, c);
  fputs("</script>", f);
}

static void put_scripts(FILE *f, const struct script_results *rs) {
  size_t n = 0;
  struct script_result **v = outfmt_sorted_scripts(rs, &n);
  for (size_t i = 0; i < n; i++)
    put_script(f, v[i]);
  free(v);
}

static void xml_begin(struct writer *w, const struct run_info *ri) {
  FILE *f = w->out;
  const struct scan_opts *o = ri->opts;
  char when[64];
  outfmt_ctime(ri->start_time, when, sizeof when);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n", f);
  const char *xsl = o ? o->stylesheet : NULL;
  if (xsl == NULL && access(NMAP_XSL, R_OK) == 0)
    xsl = "file://" NMAP_XSL;
  if (xsl != NULL && !(o && o->no_stylesheet)) {
    fputs("<?xml-stylesheet href=\"", f);
    outfmt_xmlz(f, xsl);
    fputs("\" type=\"text/xsl\"?>\n", f);
  }
  fprintf(f, "<!-- Portolan %s scan initiated %s as: ", PORTOLAN_VERSION, when);
  outfmt_xmlz(f, ri->args);
  fputs(" -->\n<nmaprun scanner=\"nmap\" args=\"", f);
  outfmt_xmlz(f, ri->args);
  fprintf(f,
          "\" start=\"%lld\" startstr=\"%s\" version=\"7.93 (portolan %s)\" "
          "xmloutputversion=\"1.05\">\n",
          (long long)ri->start_time, when, PORTOLAN_VERSION);
  int scans = o == NULL || (!o->list_scan && !o->ping_only);
  for (int p = 0; scans && ri->ports != NULL && p < PROTO_COUNT; p++) {
    if (ri->ports->n[p] == 0)
      continue;
    fprintf(f,
            "<scaninfo type=\"%s\" protocol=\"%s\" numservices=\"%zu\" "
            "services=\"",
            outfmt_scan_type(ri, (enum proto)p), proto_name((enum proto)p),
            ri->ports->n[p]);
    outfmt_list_ranges(f, ri->ports->ports[p], ri->ports->n[p]);
    fputs("\"/>\n", f);
  }
  fprintf(f, "<verbose level=\"%d\"/>\n<debugging level=\"%d\"/>\n",
          o && o->verbosity > 0 ? o->verbosity : 0,
          o && o->debugging > 0 ? o->debugging : 0);
  fflush(f);
}

static void xml_prescan(struct writer *w, const struct script_results *rs) {
  if (rs == NULL || rs->n == 0)
    return;
  fputs("<prescript>", w->out);
  put_scripts(w->out, rs);
  fputs("</prescript>", w->out);
  fflush(w->out);
}

static void xml_postscan(struct writer *w, const struct script_results *rs) {
  if (rs == NULL || rs->n == 0)
    return;
  fputs("<postscript>", w->out);
  put_scripts(w->out, rs);
  fputs("</postscript>", w->out);
  fflush(w->out);
}

static void put_service(FILE *f, const struct port *pt) {
  struct svc_view v;
  outfmt_service(pt, &v);
  const struct service *s = v.s;
  int has_detail =
      s != NULL &&
      ((s->product && *s->product) || (s->version && *s->version) ||
       (s->extrainfo && *s->extrainfo) || s->ncpe > 0 || s->hostname ||
       s->ostype || s->devicetype || s->fingerprint);
  if (v.name == NULL && !has_detail)
    return;
  fputs("<service name=\"", f);
  outfmt_xmlz(f, v.name ? v.name : "unknown");
  fputc('"', f);
  if (s != NULL) {
    static const char *const attr[] = {"product",  "version", "extrainfo",
                                       "hostname", "ostype",  "devicetype",
                                       "servicefp"};
    const char *val[] = {s->product, s->version,    s->extrainfo,  s->hostname,
                         s->ostype,  s->devicetype, s->fingerprint};
    for (size_t i = 0; i < sizeof attr / sizeof *attr; i++) {
      if (val[i] == NULL || *val[i] == '\0')
        continue;
      fprintf(f, " %s=\"", attr[i]);
      outfmt_xmlz(f, val[i]);
      fputc('"', f);
    }
  }
  if (v.ssl)
    fputs(" tunnel=\"ssl\"", f);
  fprintf(f, " method=\"%s\" conf=\"%d\"", v.probed ? "probed" : "table",
          v.conf);
  if (s == NULL || s->ncpe == 0) {
    fputs("/>", f);
    return;
  }
  fputc('>', f);
  for (size_t i = 0; i < s->ncpe; i++) {
    fputs("<cpe>", f);
    outfmt_xmlz(f, s->cpe[i]);
    fputs("</cpe>", f);
  }
  fputs("</service>", f);
}

static void put_extraports(FILE *f, struct host *h,
                           const struct port_summary *ps) {
  for (size_t i = 0; i < ps->nstates; i++) {
    const struct ignored_state *is = &ps->states[i];
    fprintf(f, "<extraports state=\"%s\" count=\"%zu\">\n",
            port_state_name(is->state), is->count);
    for (size_t g = 0; g < is->ngroups; g++) {
      const struct ignored_group *gr = &is->groups[g];
      fprintf(f,
              "<extrareasons reason=\"%s\" count=\"%zu\" proto=\"%s\" "
              "ports=\"",
              reason_name(gr->reason), gr->count, proto_name(gr->proto));
      outfmt_port_ranges(f, h, gr->proto, is->state, (int)gr->reason);
      fputs("\"/>\n", f);
    }
    fputs("</extraports>\n", f);
  }
}

static void put_ports(FILE *f, struct host *h, const struct scan_opts *o) {
  struct port_summary ps;
  outfmt_portsum(&ps, h, o);
  fputs("<ports>", f);
  put_extraports(f, h, &ps);
  for (int p = 0; p < PROTO_COUNT; p++) {
    size_t n = 0;
    struct port *pts = host_ports(h, (enum proto)p, &n);
    for (size_t i = 0; i < n; i++) {
      const struct port *pt = &pts[i];
      if (ps.hidden[pt->state])
        continue;
      fprintf(f,
              "<port protocol=\"%s\" portid=\"%u\"><state state=\"%s\" "
              "reason=\"%s\" reason_ttl=\"%u\"/>",
              proto_name((enum proto)p), pt->number, port_state_name(pt->state),
              reason_name(pt->reason), pt->reason_ttl);
      put_service(f, pt);
      if (port_has_scripts(pt))
        put_scripts(f, &pt->x->scripts);
      fputs("</port>\n", f);
    }
  }
  fputs("</ports>\n", f);
  outfmt_portsum_free(&ps);
}

static void put_hostnames(FILE *f, const struct host *h) {
  fputs("<hostnames>\n", f);
  if (h->targetname != NULL) {
    fputs("<hostname name=\"", f);
    outfmt_xmlz(f, h->targetname);
    fputs("\" type=\"user\"/>\n", f);
  }
  if (h->name != NULL && *h->name != '\0') {
    fputs("<hostname name=\"", f);
    outfmt_xmlz(f, h->name);
    fputs("\" type=\"PTR\"/>\n", f);
  }
  fputs("</hostnames>\n", f);
}

static void xml_host(struct writer *w, struct host *h) {
  const struct scan_opts *o = w->ri ? w->ri->opts : NULL;
  FILE *f = w->out;
  if (!outfmt_host_reported(h, o))
    return;
  int scanned =
      h->status == HOST_UP && (o == NULL || (!o->ping_only && !o->list_scan));
  fputs("<host", f);
  if (scanned)
    fprintf(f, " starttime=\"%lld\" endtime=\"%lld\"", (long long)h->start_time,
            (long long)h->end_time);
  static const char *const st[] = {"unknown", "up", "down"};
  fprintf(f,
          "><status state=\"%s\" reason=\"%s\" reason_ttl=\"%d\"/>\n"
          "<address addr=\"%s\" addrtype=\"%s\"/>\n",
          st[h->status], reason_name(h->reason), h->reason_ttl, h->ip,
          outfmt_addrtype(h));
  /* Nmap leaves <hostnames> out of the entries of hosts it did not look
   * at (down, or -sL) unless there is a name to give. */
  if (h->status == HOST_UP || h->targetname != NULL ||
      (h->name != NULL && *h->name != '\0'))
    put_hostnames(f, h);
  if (scanned)
    put_ports(f, h, o);
  if (h->scripts.n > 0) {
    fputs("<hostscript>", f);
    put_scripts(f, &h->scripts);
    fputs("</hostscript>", f);
  }
  if (scanned)
    fprintf(f, "<times srtt=\"%lld\" rttvar=\"%lld\" to=\"%lld\"/>\n",
            (long long)h->srtt_us, (long long)h->rttvar_us,
            (long long)h->timeout_us);
  fputs("</host>\n", f);
  fflush(f);
}

static void xml_end(struct writer *w, const struct run_stats *st) {
  struct xmlw *x = (struct xmlw *)w;
  FILE *f = w->out;
  char when[64];
  if (x->ended)
    return;
  x->ended = 1;
  outfmt_ctime(st->end_time, when, sizeof when);
  fprintf(f,
          "<runstats><finished time=\"%lld\" timestr=\"%s\" "
          "summary=\"Nmap done at %s; ",
          (long long)st->end_time, when, when);
  outfmt_done_summary(f, st);
  fprintf(f, "\" elapsed=\"%.2f\" exit=\"%s\"", st->elapsed,
          st->interrupted ? "error" : "success");
  if (st->interrupted) {
    fputs(" errormsg=\"", f);
    outfmt_xmlz(f, st->exit_reason ? st->exit_reason : "interrupted");
    fputc('"', f);
  }
  fprintf(f,
          "/><hosts up=\"%lu\" down=\"%lu\" total=\"%lu\"/>\n"
          "</runstats>\n</nmaprun>\n",
          st->hosts_up, st->hosts_down, st->hosts_total);
  fflush(f);
}

static void xml_free(struct writer *w) {
  free(w);
}

static const struct writer_ops xml_ops = {
    .begin = xml_begin,
    .prescan = xml_prescan,
    .host = xml_host,
    .postscan = xml_postscan,
    .end = xml_end,
    .free = xml_free,
};

struct writer *writer_xml_new(FILE *out, int owns_out) {
  struct xmlw *x = xcalloc(1, sizeof *x);
  x->w.ops = &xml_ops;
  x->w.out = out;
  x->w.owns_out = owns_out;
  return &x->w;
}
