/* --script-trace output (NSE-NOTES §10.1). Formatting is pure
 * (nse_trace_render); the writers add the "NSE: <head> | " prefix and a
 * newline and flush, one fwrite per line so lines never interleave. */
#include "nse/trace.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

int nse_trace_on(const struct scan_opts *o) {
  return o != NULL && (o->script_trace || o->packet_trace);
}

static void addr_text(char *buf, size_t len, const struct sockaddr *sa) {
  char ip[INET6_ADDRSTRLEN] = "0.0.0.0";
  unsigned port = 0;
  if (sa && sa->sa_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &s->sin_addr, ip, sizeof ip);
    port = ntohs(s->sin_port);
  } else if (sa && sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof ip);
    port = ntohs(s->sin6_port);
  }
  snprintf(buf, len, "%s:%u", ip, port);
}

void nse_trace_head(char *buf, size_t len, const char *proto,
                    const struct sockaddr *local, char dir,
                    const struct sockaddr *remote) {
  char l[INET6_ADDRSTRLEN + 8], r[INET6_ADDRSTRLEN + 8];
  addr_text(l, sizeof l, local);
  addr_text(r, sizeof r, remote);
  snprintf(buf, len, "%s %s %c %s", proto, l, dir, r);
}

static void emit(const char *head, const char *text, size_t n) {
  size_t hl = strlen(head);
  char *line = xmalloc(hl + n + 16);
  memcpy(line, "NSE: ", 5);
  memcpy(line + 5, head, hl);
  memcpy(line + 5 + hl, " | ", 3);
  memcpy(line + 8 + hl, text, n);
  line[8 + hl + n] = '\n';
  fwrite(line, 1, 9 + hl + n, stdout);
  fflush(stdout);
  free(line);
}

void nse_trace_action(const char *head, const char *what) {
  emit(head, what, strlen(what));
}

void nse_trace_data(const char *head, const void *data, size_t len) {
  char *text = nse_trace_render(data, len);
  emit(head, text, strlen(text));
  free(text);
}

char *nse_trace_render(const void *data, size_t len) {
  const unsigned char *p = data;
  size_t printable = 0;
  for (size_t i = 0; i < len; i++)
    printable += isprint(p[i]) != 0;
  if (len > 0 && printable * 100 >= len * 95) {
    char *out = xmalloc(len * 5 + 1), *q = out;
    for (size_t i = 0; i < len; i++) {
      if (isprint(p[i]) || isspace(p[i]))
        *q++ = (char)p[i];
      else
        q += sprintf(q, "%3s%u", "\\", p[i]);
    }
    *q = '\0';
    return out;
  }
  /* 16 bytes a row: 10 + 48 + 16 + newline. */
  size_t rows = (len + 15) / 16;
  char *out = xmalloc(rows * 80 + 1), *q = out;
  for (size_t r = 0; r < rows; r++) {
    q += sprintf(q, "%08zx: ", r * 16);
    for (size_t i = 0; i < 16; i++) {
      if (r * 16 + i < len)
        q += sprintf(q, "%02x ", p[r * 16 + i]);
      else
        q += sprintf(q, "   ");
    }
    for (size_t i = 0; i < 16 && r * 16 + i < len; i++)
      *q++ = isgraph(p[r * 16 + i]) ? (char)p[r * 16 + i] : ' ';
    *q++ = '\n';
  }
  *q = '\0';
  return out;
}
