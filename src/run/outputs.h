/* Opens the report writers that the options ask for: -oN/-oX/-oG/-oJ files
 * (or "-" for standard output) and the screen. The screen gets the normal
 * report unless some -o option already writes to standard output. */
#ifndef PORTOLAN_RUN_OUTPUTS_H
#define PORTOLAN_RUN_OUTPUTS_H

#include <stddef.h>

#include "core/options.h"
#include "output/output.h"

struct outputs {
  struct writer *w[5];
  size_t n;
  int stdout_used; /* a -o option writes to stdout (no screen report) */
};

/* Returns 0, or -errno with a one-line message in err naming the file
 * ("Failed to open XML output file x for writing: ..."). On error nothing
 * stays open. */
int outputs_open(struct outputs *out, const struct scan_opts *o, char *err,
                 size_t errlen);
void outputs_close(struct outputs *out);

/* True when a write to any writer's stream has failed (full disk, closed
 * pipe): the pipeline then stops rather than scan for nobody. */
int outputs_failed(const struct outputs *out);

#endif
