/* Fuzzes the report writers with untrusted bytes: script ids, outputs,
 * structured tables, service strings and names come from the input, and
 * every writer renders one host. Invariants checked (abort on violation):
 *   - normal and grepable text holds no control byte but \t and \n
 *     (grepable: not even \t inside a port field's data);
 *   - XML is 7-bit ASCII with no "--" outside the comment's delimiters;
 *   - JSON lines are exactly one record per line, without raw control
 *     bytes.
 *
 * Input language: pieces separated by 0xFE. Piece 0 is a script id, piece
 * 1 its output, piece 2 a product string, piece 3 a host name; later pieces
 * build the structured value: 0xFD as a piece's first byte opens a table
 * (rest of the piece is its key, empty = no key), 0xFC closes one, any
 * other piece is "key=value" (no '=' = array item). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/host.h"
#include "core/options.h"
#include "core/script_result.h"
#include "core/xalloc.h"
#include "output/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *piece(const uint8_t **p, const uint8_t *end, size_t *len) {
  const uint8_t *s = *p;
  const uint8_t *e = memchr(s, 0xfe, (size_t)(end - s));
  if (e == NULL)
    e = end;
  *len = (size_t)(e - s);
  *p = e < end ? e + 1 : end;
  return xmemdup(s, *len);
}

static struct snode *build_tree(const uint8_t **p, const uint8_t *end) {
  struct snode *stack[16];
  int depth = 0;
  stack[0] = snode_new_table(NULL);
  while (*p < end) {
    size_t len;
    char *s = piece(p, end, &len);
    if (len > 0 && (uint8_t)s[0] == 0xfd && depth < 15) {
      struct snode *t = snode_new_table(len > 1 ? s + 1 : NULL);
      snode_append(stack[depth], t);
      stack[++depth] = t;
    } else if (len > 0 && (uint8_t)s[0] == 0xfc) {
      if (depth > 0)
        depth--;
    } else {
      char *eq = memchr(s, '=', len);
      if (eq != NULL) {
        *eq = '\0';
        snode_append(stack[depth],
                     snode_new_elem(s, eq + 1, len - (size_t)(eq - s) - 1));
      } else {
        snode_append(stack[depth], snode_new_elem(NULL, s, len));
      }
    }
    free(s);
  }
  return stack[0];
}

static void check_text(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 && c != '\n' && c != '\t')
      abort();
    if (c >= 0x7f)
      abort();
  }
}

static void check_xml(const char *s, size_t n) {
  const char *body = strstr(s, "-->");
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80 || (s[i] < 0x20 && s[i] != '\n'))
      abort();
  /* After the comment, "--" must never appear (Nmap escapes it). */
  if (body == NULL || strstr(body + 3, "--") != NULL)
    abort();
  if (strstr(s, "</nmaprun>\n") == NULL)
    abort();
}

static void check_json(const char *s, size_t n) {
  size_t lines = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n')
      lines++;
    else if ((unsigned char)s[i] < 0x20)
      abort();
  }
  if (lines != 5 || s[0] != '{')
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *p = data, *end = data + size;
  size_t idlen, outlen, prodlen, namelen;
  char *id = piece(&p, end, &idlen);
  char *out = piece(&p, end, &outlen);
  char *prod = piece(&p, end, &prodlen);
  char *name = piece(&p, end, &namelen);
  struct snode *tree = build_tree(&p, end);

  struct sockaddr_in sin = {.sin_family = AF_INET};
  sin.sin_addr.s_addr = htonl(0x7f000001);
  struct host *h = host_new((struct sockaddr *)&sin, sizeof sin);
  h->status = HOST_UP;
  h->name = xstrdup(name);
  struct port *pt = host_port_set(h, PROTO_TCP, 80, PS_OPEN, RSN_SYN_ACK, 0);
  struct service *svc = port_service(pt);
  service_set_str(&svc->product, prod);
  service_set_str(&svc->name, id);
  sresults_add(port_scripts(pt), sresult_new(id, out, outlen, tree));
  sresults_add(&h->scripts, sresult_new(id, out, outlen, NULL));

  struct scan_opts o;
  opts_init(&o);
  o.reason = 1;
  o.version_detect = 1;
  struct run_info ri = {.opts = &o, .args = out, .start_time = 0};
  struct run_stats st = {.hosts_up = 1, .hosts_total = 1};
  struct script_results pre = {0};
  sresults_add(&pre, sresult_new(id, out, outlen, NULL));

  for (int kind = 0; kind < 4; kind++) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct writer *w = kind == 0   ? writer_normal_new(f, 0, 0)
                       : kind == 1 ? writer_xml_new(f, 0)
                       : kind == 2 ? writer_grepable_new(f, 0)
                                   : writer_json_new(f, 0);
    writer_begin(w, &ri);
    writer_prescan(w, &pre);
    writer_host(w, h);
    writer_postscan(w, &pre);
    writer_end(w, &st);
    writer_free(w);
    fclose(f);
    if (kind == 0 || kind == 2)
      check_text(buf, len);
    else if (kind == 1)
      check_xml(buf, len);
    else
      check_json(buf, len);
    free(buf);
  }
  sresults_clear(&pre);
  opts_free(&o);
  host_free(h);
  free(id);
  free(out);
  free(prod);
  free(name);
  return 0;
}
