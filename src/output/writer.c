/* Dispatch for struct writer (output.h): each helper calls the writer's op
 * when it has one, so a writer implements only the phases it prints. */
#include "output/output.h"

void writer_begin(struct writer *w, const struct run_info *ri) {
  w->ri = ri;
  if (w->ops->begin != NULL)
    w->ops->begin(w, ri);
}

void writer_prescan(struct writer *w, const struct script_results *rs) {
  if (w->ops->prescan != NULL)
    w->ops->prescan(w, rs);
}

void writer_host(struct writer *w, struct host *h) {
  if (w->ops->host != NULL)
    w->ops->host(w, h);
}

void writer_postscan(struct writer *w, const struct script_results *rs) {
  if (w->ops->postscan != NULL)
    w->ops->postscan(w, rs);
}

void writer_end(struct writer *w, const struct run_stats *st) {
  if (w->ops->end != NULL)
    w->ops->end(w, st);
  if (w->out != NULL)
    fflush(w->out);
}

/* Frees the writer; closes its stream when it owns it. */
void writer_free(struct writer *w) {
  if (w == NULL)
    return;
  if (w->out != NULL) {
    if (w->owns_out)
      fclose(w->out);
    else
      fflush(w->out);
  }
  if (w->ops->free != NULL)
    w->ops->free(w);
}
