/* Allocation that never returns NULL: on exhaustion it prints one line and
 * aborts (STYLE.md: "allocation failure aborts inside xmalloc"). */
#ifndef PORTOLAN_CORE_XALLOC_H
#define PORTOLAN_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array to hold at least `need` items of `size` bytes; *cap is
 * updated. Returns the (possibly moved) array. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Copies `n` bytes and adds a NUL after them (binary-safe). */
void *xmemdup(const void *p, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
