/* Fuzzes the target spec parser and stream: the input is lines; the first
 * byte picks the family and a shard, each line is added as a spec, lines
 * starting with '!' as exclusions. With bit 0x40 of the first byte the
 * rest is instead an -iL file (through a memfd), to fuzz its tokenizer. The
 * stream is walked a bounded number of steps (a /0 is legal input), names are
 * pushed back resolved. Any crash, sanitizer report or overlong message is a
 * bug. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
  int memfd = -1;
  if (data[0] & 0x40) {
    memfd = memfd_create("fuzz-il", 0);
    if (memfd >= 0 && write(memfd, data + 1, size - 1) == (ssize_t)(size - 1)) {
      char path[64];
      snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
      if (target_stream_add_file(ts, path) != 0)
        abort();
    }
    size = 1;
  }
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
  if (memfd >= 0)
    close(memfd);
  return 0;
}
