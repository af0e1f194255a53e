/* Script result trees; see script_result.h. */
#include "core/script_result.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct snode *snode_new_elem(const char *key, const char *value, size_t len) {
  struct snode *n = xcalloc(1, sizeof *n);
  n->kind = SNODE_ELEM;
  n->key = key ? xstrdup(key) : NULL;
  n->value = xmemdup(value ? value : "", value ? len : 0);
  n->value_len = value ? len : 0;
  return n;
}

struct snode *snode_new_table(const char *key) {
  struct snode *n = xcalloc(1, sizeof *n);
  n->kind = SNODE_TABLE;
  n->key = key ? xstrdup(key) : NULL;
  return n;
}

void snode_append(struct snode *table, struct snode *child) {
  child->next = NULL;
  if (table->last)
    table->last->next = child;
  else
    table->first = child;
  table->last = child;
}

void snode_free(struct snode *n) {
  /* Iterative over siblings, recursive over depth: depth is bounded by the
   * converter in src/nse, sibling lists are not. */
  while (n) {
    struct snode *next = n->next;
    snode_free(n->first);
    free(n->key);
    free(n->value);
    free(n);
    n = next;
  }
}

struct script_result *sresult_new(const char *id, const char *output,
                                  size_t output_len, struct snode *structured) {
  struct script_result *r = xcalloc(1, sizeof *r);
  r->id = xstrdup(id);
  r->output = xmemdup(output ? output : "", output ? output_len : 0);
  r->output_len = output ? output_len : 0;
  r->structured = structured;
  return r;
}

void sresult_free(struct script_result *r) {
  if (r == NULL)
    return;
  free(r->id);
  free(r->output);
  snode_free(r->structured);
  free(r);
}

void sresults_add(struct script_results *rs, struct script_result *r) {
  rs->items = xgrow(rs->items, &rs->cap, rs->n + 1, sizeof *rs->items);
  rs->items[rs->n++] = r;
}

void sresults_sort(struct script_results *rs) {
  /* Insertion sort: stable, and sections hold a handful of results. */
  for (size_t i = 1; i < rs->n; i++) {
    struct script_result *r = rs->items[i];
    size_t j = i;
    while (j > 0 && strcmp(rs->items[j - 1]->id, r->id) > 0) {
      rs->items[j] = rs->items[j - 1];
      j--;
    }
    rs->items[j] = r;
  }
}

void sresults_clear(struct script_results *rs) {
  for (size_t i = 0; i < rs->n; i++)
    sresult_free(rs->items[i]);
  free(rs->items);
  rs->items = NULL;
  rs->n = rs->cap = 0;
}
