/* One-line quoting of untrusted text; see textquote.h. */
#include "core/textquote.h"

#include <stdio.h>

const char *text_quote(const char *in, char *buf, size_t len) {
  size_t w = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
    if (w + 8 >= len || w > 200) {
      snprintf(buf + w, len - w, "...");
      return buf;
    }
    if (*p >= 0x20 && *p < 0x7f)
      buf[w++] = (char)*p;
    else
      w += (size_t)snprintf(buf + w, len - w, "\\x%02x", *p);
  }
  buf[w] = '\0';
  return buf;
}
