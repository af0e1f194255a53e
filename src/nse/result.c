/* A finished thread's return values become one struct script_result
 * (NSE-NOTES §9.1): the string for normal output (format_table of §9.2
 * for tables) and the snode tree for XML/JSON (§9.4).
 *
 * The conversion runs user code (__tostring, __pairs, __index), so it runs
 * under lua_pcall. Every snode is linked into the tree held by the caller's
 * struct conv the moment it is created, so an error half-way leaks
 * nothing. Depth is limited (a table that contains itself would otherwise
 * recurse forever). */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "nse/nse_int.h"

#define MAX_DEPTH 100

struct conv {
  struct snode *root;
  char *text;
  size_t text_len;
  int has_text;
};

/* [-0, +3] The pairs() triple for the table at idx, honouring __pairs. */
static void push_pairs(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (luaL_getmetafield(L, idx, "__pairs") != LUA_TNIL) {
    lua_pushvalue(L, idx);
    lua_call(L, 1, 3);
  } else {
    lua_getglobal(L, "next");
    if (!lua_isfunction(L, -1)) {
      lua_pop(L, 1);
      lua_pushliteral(L, "next");
      lua_rawget(L, LUA_REGISTRYINDEX);
    }
    lua_pushvalue(L, idx);
    lua_pushnil(L);
  }
}

/* [-0, +2 or +0] Advances the triple at top-2..top; pushes k, v and
 * returns 1, or returns 0 at the end. The control variable is updated. */
static int pairs_next(lua_State *L, int trip) {
  lua_pushvalue(L, trip);
  lua_pushvalue(L, trip + 1);
  lua_pushvalue(L, trip + 2);
  lua_call(L, 2, 2);
  if (lua_isnil(L, -2)) {
    lua_pop(L, 2);
    return 0;
  }
  lua_pushvalue(L, -2);
  lua_replace(L, trip + 2);
  return 1;
}

/* [-0, +1] "\n" followed by indent spaces. */
static void push_newline_indent(lua_State *L, int indent) {
  char buf[2 * MAX_DEPTH + 8];
  buf[0] = '\n';
  memset(buf + 1, ' ', (size_t)indent);
  lua_pushlstring(L, buf, (size_t)indent + 1);
}

/* [-0, +1] format_table(v, indent) of §9.2 for the value at idx. */
static void format_table(lua_State *L, int idx, int indent, int depth) {
  idx = lua_absindex(L, idx);
  if (depth > MAX_DEPTH)
    luaL_error(L, "output table nested too deeply");
  luaL_checkstack(L, 10, "format_table");
  if (!lua_istable(L, idx) ||
      luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
    if (lua_istable(L, idx))
      lua_pop(L, 1);
    luaL_tolstring(L, idx, NULL);
    return;
  }
  lua_pushliteral(L, "");
  int acc = lua_gettop(L);
  for (lua_Integer i = 1;; i++) {
    if (lua_geti(L, idx, i) == LUA_TNIL) {
      lua_pop(L, 1);
      break;
    }
    int x = lua_gettop(L);
    push_newline_indent(L, indent);
    format_table(L, x, indent + 2, depth + 1);
    lua_concat(L, 2);
    lua_remove(L, x);
    lua_concat(L, 2); /* acc .. piece */
  }
  push_pairs(L, idx);
  int trip = lua_gettop(L) - 2;
  while (pairs_next(L, trip)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      continue;
    }
    int v = lua_gettop(L);
    lua_pushvalue(L, acc);
    push_newline_indent(L, indent);
    lua_pushvalue(L, v - 1);
    lua_pushliteral(L, ": ");
    format_table(L, v, indent + 2, depth + 1);
    lua_concat(L, 5);
    lua_replace(L, acc);
    lua_pop(L, 2);
  }
  lua_pop(L, 3);
}

static void add_value(lua_State *L, struct snode *parent, const char *key,
                      int idx, int depth);

/* Children of the table at idx into node (§9.4 format_xml). */
static void add_children(lua_State *L, struct snode *node, int idx, int depth) {
  idx = lua_absindex(L, idx);
  if (depth > MAX_DEPTH)
    luaL_error(L, "output table nested too deeply");
  luaL_checkstack(L, 10, "format_xml");
  for (lua_Integer i = 1;; i++) {
    if (lua_geti(L, idx, i) == LUA_TNIL) {
      lua_pop(L, 1);
      break;
    }
    add_value(L, node, NULL, -1, depth + 1);
    lua_pop(L, 1);
  }
  push_pairs(L, idx);
  int trip = lua_gettop(L) - 2;
  while (pairs_next(L, trip)) {
    if (lua_type(L, -2) == LUA_TSTRING)
      add_value(L, node, lua_tostring(L, -2), -1, depth + 1);
    lua_pop(L, 2);
  }
  lua_pop(L, 3);
}

static void add_value(lua_State *L, struct snode *parent, const char *key,
                      int idx, int depth) {
  idx = lua_absindex(L, idx);
  if (lua_istable(L, idx)) {
    struct snode *t = snode_new_table(key);
    snode_append(parent, t);
    add_children(L, t, idx, depth);
    return;
  }
  size_t len;
  const char *s = luaL_tolstring(L, idx, &len);
  snode_append(parent, snode_new_elem(key, s, len));
  lua_pop(L, 1);
}

/* lua_pcall target: (conv*, structured or nil, has_struct, text value or
 * nil, text_is_tostring) */
static int convert(lua_State *L) {
  struct conv *c = lua_touserdata(L, 1);
  int has_struct = lua_toboolean(L, 3);
  if (has_struct) {
    if (lua_istable(L, 2)) {
      c->root = snode_new_table(NULL);
      add_children(L, c->root, 2, 0);
    } else {
      size_t len;
      const char *s = luaL_tolstring(L, 2, &len);
      c->root = snode_new_elem(NULL, s, len);
      lua_pop(L, 1);
    }
  }
  if (!lua_isnil(L, 4)) {
    if (lua_toboolean(L, 5))
      format_table(L, 4, 2, 0);
    else
      luaL_tolstring(L, 4, NULL);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    c->text = xmemdup(s, len);
    c->text_len = len;
    c->has_text = 1;
  }
  return 0;
}

struct script_result *nse_result_from(lua_State *L, lua_State *co, int n,
                                      const char *id) {
  int base = lua_gettop(co) - n;
  int t1 = n >= 1 ? lua_type(co, base + 1) : LUA_TNIL;
  int r2 = n >= 2 && lua_toboolean(co, base + 2);
  if (t1 == LUA_TNIL && !r2) {
    lua_settop(co, base);
    return NULL;
  }
  struct conv c = {0};
  int top = lua_gettop(L);
  lua_pushcfunction(L, convert);
  lua_pushlightuserdata(L, &c);
  if (r2) {
    /* (structured, text): tostring(text). */
    lua_pushvalue(co, base + 1);
    lua_pushvalue(co, base + 2);
    lua_xmove(co, L, 2);
    lua_pushboolean(L, t1 != LUA_TNIL);
    lua_insert(L, -2);
    lua_pushboolean(L, 0);
  } else if (t1 == LUA_TSTRING) {
    lua_pushnil(L);
    lua_pushboolean(L, 0);
    lua_pushvalue(co, base + 1);
    lua_xmove(co, L, 1);
    lua_pushboolean(L, 0);
  } else {
    /* A table, or false/number/other: structured and its text. */
    lua_pushvalue(co, base + 1);
    lua_xmove(co, L, 1);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, t1 == LUA_TTABLE);
  }
  lua_settop(co, base);
  if (lua_pcall(L, 5, 0, 0) != LUA_OK) {
    log_debug(1, "NSE: %s: could not format the output: %s", id,
              lua_tostring(L, -1) ? lua_tostring(L, -1) : "(error object)");
    lua_settop(L, top);
    snode_free(c.root);
    free(c.text);
    return NULL;
  }
  lua_settop(L, top);
  struct script_result *r =
      sresult_new(id, c.text ? c.text : "", c.text_len, c.root);
  free(c.text);
  return r;
}
