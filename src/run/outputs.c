/* Writer set-up (see outputs.h). Files are opened before anything is sent,
 * so a bad path stops the run before the scan, as Nmap does. */
#include "run/outputs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

static int add(struct outputs *out, const char *path, const char *what,
               int append, struct writer *(*ctor)(FILE *, int), char *err,
               size_t errlen) {
  if (path == NULL)
    return 0;
  if (strcmp(path, "-") == 0) {
    out->w[out->n++] = ctor(stdout, 0);
    return 0;
  }
  FILE *f = fopen(path, append ? "a" : "w");
  if (f == NULL) {
    int e = errno;
    snprintf(err, errlen, "Failed to open %s output file %s for writing: %s",
             what, path, strerror(e));
    return -e;
  }
  out->w[out->n++] = ctor(f, 1);
  return 0;
}

static struct writer *normal_file(FILE *f, int owns) {
  return writer_normal_new(f, owns, 0);
}

int outputs_open(struct outputs *out, const struct scan_opts *o, char *err,
                 size_t errlen) {
  memset(out, 0, sizeof *out);
  const char *paths[] = {o->out_normal, o->out_xml, o->out_grep, o->out_json};
  for (size_t i = 0; i < 4; i++)
    if (paths[i] != NULL && strcmp(paths[i], "-") == 0)
      out->stdout_used = 1;
  /* Stdout-only messages would break a report written there (log.h). */
  log_stdout_muted = out->stdout_used;
  /* -oN - is the screen report itself, without the interactive extras. */
  if (!out->stdout_used)
    out->w[out->n++] = writer_normal_new(stdout, 0, 1);
  int rc = add(out, o->out_normal, "normal", o->append_output, normal_file, err,
               errlen);
  if (rc == 0)
    rc = add(out, o->out_xml, "XML", o->append_output, writer_xml_new, err,
             errlen);
  if (rc == 0)
    rc = add(out, o->out_grep, "grepable", o->append_output,
             writer_grepable_new, err, errlen);
  if (rc == 0)
    rc = add(out, o->out_json, "JSON", o->append_output, writer_json_new, err,
             errlen);
  if (rc != 0)
    outputs_close(out);
  return rc;
}

void outputs_close(struct outputs *out) {
  for (size_t i = 0; i < out->n; i++)
    writer_free(out->w[i]);
  out->n = 0;
}

int outputs_failed(const struct outputs *out) {
  for (size_t i = 0; i < out->n; i++)
    if (out->w[i]->out != NULL && ferror(out->w[i]->out))
      return 1;
  return 0;
}
