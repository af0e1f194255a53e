/* Script results as a C tree, so that every writer (normal, XML, grepable,
 * JSON) renders them without Lua. src/nse converts a finished thread's return
 * values into one struct script_result (NSE-NOTES §9.1); the writers own the
 * escaping (§9.3, §9.4). All strings are byte strings with explicit lengths:
 * results may hold NULs and any non-UTF-8 byte. */
#ifndef PORTOLAN_CORE_SCRIPT_RESULT_H
#define PORTOLAN_CORE_SCRIPT_RESULT_H

#include <stddef.h>

enum snode_kind { SNODE_ELEM, SNODE_TABLE };

/* A node of the structured value: an <elem> (bytes) or a <table> (children).
 * `key` is NULL for array items. Children keep insertion order: array items
 * first, then string keys, as format_xml visits them. */
struct snode {
  enum snode_kind kind;
  char *key;
  char *value; /* SNODE_ELEM: NUL-terminated copy of value_len bytes */
  size_t value_len;
  struct snode *first, *last; /* SNODE_TABLE children */
  struct snode *next;
};

enum sresult_flags {
  SRESULT_ERROR = 1,   /* "ERROR: Script execution failed" */
  SRESULT_TIMEOUT = 2, /* ended by --script-timeout (Portolan reports it) */
};

struct script_result {
  char *id;
  char *output; /* the stored string; NUL-terminated copy of output_len */
  size_t output_len;
  /* NULL: no structured value (empty <script/> element). An SNODE_TABLE
   * root: its children are the XML children. An SNODE_ELEM root without key:
   * text written directly inside <script> (a top-level non-table value). */
  struct snode *structured;
  unsigned flags;
};

struct script_results {
  struct script_result **items;
  size_t n, cap;
};

struct snode *snode_new_elem(const char *key, const char *value, size_t len);
struct snode *snode_new_table(const char *key);
void snode_append(struct snode *table, struct snode *child);
void snode_free(struct snode *n);

/* Copies id and output; takes ownership of `structured`. */
struct script_result *sresult_new(const char *id, const char *output,
                                  size_t output_len, struct snode *structured);
void sresult_free(struct script_result *r);

/* Takes ownership of r. */
void sresults_add(struct script_results *rs, struct script_result *r);
/* Stable sort by script id (NSE-NOTES §9.3: Portolan orders by id). */
void sresults_sort(struct script_results *rs);
void sresults_clear(struct script_results *rs);

#endif
