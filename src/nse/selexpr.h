/* The --script boolean expression of NSE-NOTES §3.2, evaluated against one
 * script.db entry. Pure: no I/O, no Lua. Internal to src/nse. */
#ifndef PORTOLAN_NSE_SELEXPR_H
#define PORTOLAN_NSE_SELEXPR_H

#include <stddef.h>

/* Evaluates spec against the entry whose file name without ".nse" is name
 * and whose categories are cats[0..ncats). Returns 1 (match), 0 (no match)
 * or PT_EPARSE when spec is not a well-formed expression (it then matches
 * no entry). *by_name is set to 1 when a name glob in spec matched name. */
int selexpr_match(const char *spec, const char *name, const char *const *cats,
                  size_t ncats, int *by_name);

/* Glob of §3.2: '*' is any sequence, all else literal, anchored; an
 * optional trailing ".nse" on pat is ignored. */
int selexpr_glob(const char *pat, size_t patlen, const char *name);

#endif
