/* Defaults and clean-up for struct scan_opts. */
#include "core/options.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/xalloc.h"

void strlist_add(struct strlist *l, const char *s) {
  l->v = xgrow(l->v, &l->cap, l->n + 2, sizeof *l->v);
  l->v[l->n++] = xstrdup(s);
  l->v[l->n] = NULL;
}

void strlist_free(struct strlist *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

void opts_init(struct scan_opts *o) {
  memset(o, 0, sizeof *o);
  o->af = AF_INET;
  o->timing = 3;
  o->version_intensity = 7;
  o->max_retries = -1;
  o->min_rtt_timeout_ms = -1;
  o->max_rtt_timeout_ms = -1;
  o->initial_rtt_timeout_ms = -1;
  o->scan_delay_ms = -1;
  o->max_scan_delay_ms = -1;
}

void opts_free(struct scan_opts *o) {
  strlist_free(&o->targets);
  strlist_free(&o->exclude);
  char **strs[] = {
      &o->input_file,  &o->exclude_file,     &o->dns_servers, &o->shard,
      &o->ports,       &o->exclude_ports,    &o->out_normal,  &o->out_xml,
      &o->out_grep,    &o->out_json,         &o->stylesheet,  &o->script_spec,
      &o->script_args, &o->script_args_file, &o->script_help, &o->datadir};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    free(*strs[i]);
    *strs[i] = NULL;
  }
}
