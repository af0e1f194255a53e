/* Quoting untrusted text (targets, port specs, file lines) inside one-line
 * messages: no input may break a message over lines or flood a terminal. */
#ifndef PORTOLAN_CORE_TEXTQUOTE_H
#define PORTOLAN_CORE_TEXTQUOTE_H

#include <stddef.h>

/* Copies `in` into buf (len bytes): bytes outside printable ASCII become
 * \xNN, and input past about 200 bytes is cut with "...". Returns buf. */
const char *text_quote(const char *in, char *buf, size_t len);

#endif
