/* Fuzzes the target spec parser and stream: the input is lines; the first
 * byte picks the family and a shard, each line is added as a spec, lines
 * starting with '!' as exclusions. The stream is walked a bounded number of
 * steps (a /0 is legal input), names are pushed back resolved. Any crash,
 * sanitizer report or overlong message is a bug. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/targets.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(const char *err, size_t cap) {
  size_t n = strnlen(err, cap);
  if (n == cap || memchr(err, '\n', n) != NULL)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  int af = (data[0] & 1) ? AF_INET6 : AF_INET;
  unsigned shard_n = (data[0] >> 1) & 3;
  struct target_stream *ts = target_stream_new(af);
  if (shard_n > 0)
    target_stream_set_shard(ts, (data[0] >> 3) % shard_n, shard_n);
  char *text = xmemdup(data + 1, size - 1);
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line != NULL;
       line = strtok_r(NULL, "\n", &save)) {
    char err[512];
    err[0] = '\0';
    if (line[0] == '!')
      target_stream_exclude(ts, line + 1, err, sizeof err);
    else
      target_stream_add(ts, line, err, sizeof err);
    check_msg(err, sizeof err);
  }
  free(text);
  struct target t;
  for (int steps = 0; steps < 4096 && target_stream_next(ts, &t, NULL, NULL);
       steps++) {
    if (t.kind == TARGET_NAME) {
      struct sockaddr_in in = {.sin_family = AF_INET};
      in.sin_addr.s_addr = htonl(0x7f000001u);
      target_stream_push_resolved(ts, t.name, (struct sockaddr *)&in, sizeof in,
                                  t.prefix);
    } else {
      target_stream_is_excluded(ts, (struct sockaddr *)&t.addr);
    }
    target_clear(&t);
  }
  target_stream_free(ts);
  return 0;
}
