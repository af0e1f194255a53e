/* --script-args and --script-args-file (NSE-NOTES §4.1): the small table
 * language scripts receive as nmap.registry.args.
 *
 * The parser is a hand-written recursive descent equivalent of Nmap's LPeg
 * grammar, including its quirks: unquoted strings may be empty (so an empty
 * item adds ""), values are always strings, and text after the outer table
 * is ignored. It pushes Lua values as it goes; a failure pops everything it
 * pushed, so the stack is balanced either way. Input is bounded by the
 * nesting limit below, so hostile argument text cannot overflow the C stack
 * or the Lua stack. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/datapath.h"
#include "core/errcode.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "nse/nse_int.h"

#define MAX_DEPTH 100

struct cursor {
  const char *s;
  size_t len, pos;
  int depth;
};

static int at(const struct cursor *c, size_t i) {
  return i < c->len ? (unsigned char)c->s[i] : -1;
}

/* Lua's %s under the C locale. */
static int is_space(int ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' ||
         ch == '\r';
}

static int is_hws(int ch) {
  return is_space(ch) && ch != '\n';
}

static void skip_space(struct cursor *c) {
  while (is_space(at(c, c->pos)))
    c->pos++;
}

static void skip_hws(struct cursor *c) {
  while (is_hws(at(c, c->pos)))
    c->pos++;
}

static int is_delim(int ch) {
  return ch == '\n' || ch == ',' || ch == '{' || ch == '}' || ch == '=';
}

/* A quoted string: a backslash before the quote or another backslash is
 * dropped; any other backslash stays. [-0, +1 on success] */
static int parse_qstring(lua_State *L, struct cursor *c) {
  int q = at(c, c->pos);
  if (q != '"' && q != '\'')
    return 0;
  luaL_Buffer b;
  size_t i = c->pos + 1;
  luaL_buffinit(L, &b);
  for (;;) {
    int ch = at(c, i);
    if (ch < 0) {
      luaL_pushresult(&b);
      lua_pop(L, 1);
      return 0;
    }
    if (ch == q)
      break;
    if (ch == '\\') {
      int nx = at(c, i + 1);
      if (nx < 0) { /* a backslash at the end: no closing quote */
        luaL_pushresult(&b);
        lua_pop(L, 1);
        return 0;
      }
      /* Before the quote or a backslash, the backslash is dropped. */
      if (nx != '\\' && nx != q)
        luaL_addchar(&b, '\\');
      luaL_addchar(&b, (char)nx);
      i += 2;
      continue;
    }
    luaL_addchar(&b, (char)ch);
    i++;
  }
  luaL_pushresult(&b);
  c->pos = i + 1;
  return 1;
}

/* Unquoted: everything up to a delimiter, without surrounding horizontal
 * space. Always succeeds (possibly with ""). [-0, +1] */
static void parse_uqstring(lua_State *L, struct cursor *c) {
  skip_hws(c);
  size_t start = c->pos, end = c->pos;
  size_t i = c->pos;
  for (;;) {
    int ch = at(c, i);
    if (ch < 0 || is_delim(ch))
      break;
    i++;
    if (!is_hws(ch))
      end = i;
  }
  /* Trailing horizontal space is consumed but not captured. */
  lua_pushlstring(L, c->s + start, end - start);
  c->pos = i;
}

static int parse_string(lua_State *L, struct cursor *c) {
  if (parse_qstring(L, c))
    return 1;
  parse_uqstring(L, c);
  return 1;
}

static int parse_table(lua_State *L, struct cursor *c);

static int parse_value(lua_State *L, struct cursor *c) {
  size_t save = c->pos;
  if (parse_table(L, c))
    return 1;
  c->pos = save;
  return parse_string(L, c);
}

/* One field into the table at the stack top. */
static int parse_field(lua_State *L, struct cursor *c) {
  size_t save = c->pos;
  if (parse_string(L, c)) {
    skip_hws(c);
    if (at(c, c->pos) == '=') {
      c->pos++;
      skip_hws(c);
      if (parse_value(L, c)) {
        lua_rawset(L, -3);
        return 1;
      }
    }
    lua_pop(L, 1);
  }
  c->pos = save;
  if (!parse_value(L, c))
    return 0;
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  return 1;
}

/* [-0, +1 on success] */
static int parse_table(lua_State *L, struct cursor *c) {
  if (at(c, c->pos) != '{' || c->depth >= MAX_DEPTH)
    return 0;
  if (!lua_checkstack(L, 8))
    return 0;
  c->depth++;
  c->pos++;
  lua_newtable(L);
  skip_space(c);
  size_t save = c->pos;
  if (parse_field(L, c)) {
    for (;;) {
      size_t before = c->pos;
      skip_hws(c);
      int ch = at(c, c->pos);
      if (ch != '\n' && ch != ',') {
        c->pos = before;
        break;
      }
      c->pos++;
      skip_space(c);
      if (!parse_field(L, c)) {
        c->pos = before;
        break;
      }
    }
  } else {
    c->pos = save;
  }
  skip_space(c);
  c->depth--;
  if (at(c, c->pos) != '}') {
    lua_pop(L, 1);
    return 0;
  }
  c->pos++;
  return 1;
}

int nse_args_parse(lua_State *L, const char *text, size_t len) {
  struct cursor c = {text, len, 0, 0};
  skip_space(&c);
  if (!parse_table(L, &c))
    return PT_EPARSE;
  return 0;
}

/* Reads the whole file; NULL on failure. */
static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = xmalloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap)
      buf = xrealloc(buf, cap *= 2);
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* Pretty-prints the parsed table for -d2. */
static void dump_table(lua_State *L, int idx, int indent) {
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pushvalue(L, -2);
    const char *k = lua_tostring(L, -1);
    if (lua_istable(L, -2)) {
      log_debug(2, "%*s%s = {", indent, "", k);
      dump_table(L, -2, indent + 2);
      log_debug(2, "%*s}", indent, "");
    } else {
      log_debug(2, "%*s%s = %s", indent, "", k, lua_tostring(L, -2));
    }
    lua_pop(L, 2);
  }
}

int nse_args_load(lua_State *L, const struct scan_opts *o, char **err) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  int parts = 0;
  if (o->script_args_file) {
    char *path = datapath_find(o->script_args_file, DATAPATH_ANY);
    size_t flen = 0;
    char *text = NULL;
    if (path == NULL || (text = read_all(path, &flen)) == NULL) {
      /* Nmap's wording: relative names are looked up on the data path
       * only, so say where we looked. */
      *err = xasprintf("no path to file/directory: %s is not a file",
                       o->script_args_file);
      free(path);
      luaL_pushresult(&b);
      lua_pop(L, 1);
      return PT_ENOTFOUND;
    }
    log_debug(1, "NSE: Loading script-args from file `%s'",
              o->script_args_file);
    while (flen > 0 && text[flen - 1] == ',')
      flen--;
    luaL_addlstring(&b, text, flen);
    free(text);
    free(path);
    parts++;
  }
  /* Nmap always has command-line text ("" when none was given), so a file
   * alone still gains a trailing "," (the quirk of §4.1). */
  const char *cli = o->script_args ? o->script_args : "";
  log_debug(1, "NSE: Arguments from CLI: %s", cli);
  if (parts)
    luaL_addchar(&b, ',');
  luaL_addstring(&b, cli);
  luaL_pushresult(&b);
  if (o->script_timeout_ms > 0)
    log_debug(1, "NSE: Set script-timeout as: %lld seconds",
              (long long)(o->script_timeout_ms / 1000));

  size_t len;
  const char *all = lua_tolstring(L, -1, &len);
  if (len == 0) {
    lua_pop(L, 1);
    lua_newtable(L);
    return 0;
  }
  log_debug(1, "NSE: Arguments parsed: %s", all);
  lua_pushfstring(L, "{%s}", all);
  size_t wlen;
  const char *wrapped = lua_tolstring(L, -1, &wlen);
  if (nse_args_parse(L, wrapped, wlen) != 0) {
    printf("NSE: args = %s\n", all);
    fflush(stdout);
    lua_pop(L, 2);
    *err = xstrdup("arguments did not parse!");
    return PT_EPARSE;
  }
  lua_remove(L, -2);
  lua_remove(L, -2);
  if (log_debugging >= 2)
    dump_table(L, -1, 0);
  return 0;
}
