/* Loading, validating and linking scripts (NSE-NOTES §1.1, §1.2, §5.2).
 *
 * A script file is compiled once, wrapped as
 *   return function (_ENV) return function (...) <file> end end
 * with the file's first byte right after the opening text, so that error
 * line numbers are the file's own. Calling the compiled chunk once gives
 * the factory, kept in the registry: factory(env) returns the body bound
 * to env. The load pass runs the body once in a throw-away coroutine to
 * read the metadata and rules; every instance later runs it again in its
 * own environment (sched.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/errcode.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "nse/nse_int.h"

const char *const nse_rule_names[RULE_COUNT] = {"prerule", "hostrule",
                                                "portrule", "postrule"};

static const char *const selection_words[] = {"name", "category", "file path",
                                              "directory"};

/* Nmap's exact wrapper text: the file's first byte follows "(...)". */
static const char HEAD[] = "return function (_ENV) return function (...)";
static const char TAIL[] = " end end";

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 65536, n = 0, got;
  char *buf = xmalloc(cap);
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap)
      buf = xrealloc(buf, cap *= 2);
  }
  fclose(f);
  *len = n;
  return buf;
}

/* [-0, +1] Compiles path and pushes the factory, or returns nonzero with
 * the error message pushed. */
static int compile(lua_State *L, const char *path) {
  size_t flen;
  char *text = read_file(path, &flen);
  if (text == NULL) {
    lua_pushfstring(L, "cannot open %s", path);
    return 1;
  }
  size_t hl = sizeof HEAD - 1, tl = sizeof TAIL - 1;
  char *buf = xmalloc(hl + flen + tl);
  memcpy(buf, HEAD, hl);
  memcpy(buf + hl, text, flen);
  memcpy(buf + hl + flen, TAIL, tl);
  free(text);
  lua_pushfstring(L, "@%s", path);
  int rc = luaL_loadbufferx(L, buf, hl + flen + tl, lua_tostring(L, -1), "t");
  free(buf);
  lua_remove(L, -2);
  if (rc != LUA_OK)
    return 1;
  /* The chunk only creates the factory closure: it cannot fail. */
  lua_call(L, 0, 1);
  return 0;
}

static void names_from_path(struct nse_script *s, const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  s->basename = xstrdup(base);
  size_t n = strlen(base);
  if (n > 4 && strcmp(base + n - 4, ".nse") == 0) {
    s->short_name = xstrndup(base, n - 4);
  } else {
    const char *dot = strrchr(base, '.');
    s->short_name = dot ? xstrndup(base, (size_t)(dot - base)) : xstrdup(base);
  }
  s->id = xstrdup(s->short_name);
}

/* Reads an array of strings from env[field]; returns nonzero on a
 * non-string entry. */
static int string_array(lua_State *L, int env, const char *field, char ***out,
                        size_t *n) {
  lua_pushstring(L, field);
  lua_rawget(L, env);
  *out = NULL;
  *n = 0;
  size_t cap = 0;
  for (lua_Integer i = 1;; i++) {
    if (lua_geti(L, -1, i) == LUA_TNIL) {
      lua_pop(L, 1);
      break;
    }
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 2);
      return 1;
    }
    *out = xgrow(*out, &cap, *n + 1, sizeof **out);
    (*out)[(*n)++] = xstrdup(lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return 0;
}

/* §1.1 checks, in Nmap's order, on the load-pass environment at env. */
static int validate(lua_State *L, int env, struct nse_script *s, char **err) {
  static const struct {
    const char *name;
    int type;
  } req[] = {{"action", LUA_TFUNCTION},
             {"categories", LUA_TTABLE},
             {"dependencies", LUA_TTABLE}};
  const char *path = s->path;
  for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
    lua_pushstring(L, req[i].name);
    int t = lua_rawget(L, env);
    lua_pop(L, 1);
    if (t == LUA_TNIL) {
      *err = xasprintf("%s is missing required field: '%s'", path, req[i].name);
      return PT_EPARSE;
    }
    if (t != req[i].type) {
      *err = xasprintf("%s field '%s' is of improper type '%s', expected type "
                       "'%s'",
                       path, req[i].name, lua_typename(L, t),
                       lua_typename(L, req[i].type));
      return PT_EPARSE;
    }
  }
  int any = 0;
  for (int r = 0; r < RULE_COUNT; r++) {
    lua_pushstring(L, nse_rule_names[r]);
    int t = lua_rawget(L, env);
    lua_pop(L, 1);
    if (t != LUA_TNIL && t != LUA_TFUNCTION) {
      /* Nmap omits the file here; we name it (Portolan improvement). */
      *err = xasprintf("%s: %s must be a function!", path, nse_rule_names[r]);
      return PT_EPARSE;
    }
    s->has_rule[r] = t == LUA_TFUNCTION;
    any |= s->has_rule[r];
  }
  if (!any) {
    *err = xasprintf("%s is missing required function: 'rule'", path);
    return PT_EPARSE;
  }
  if (string_array(L, env, "categories", &s->categories, &s->ncategories)) {
    *err =
        xasprintf("%s has non-string entries in the 'categories' array", path);
    return PT_EPARSE;
  }
  if (string_array(L, env, "dependencies", &s->deps, &s->ndeps)) {
    *err = xasprintf("%s has non-string entries in the 'dependencies' array",
                     path);
    return PT_EPARSE;
  }
  lua_pushliteral(L, "description");
  if (lua_rawget(L, env) == LUA_TSTRING)
    s->description = xstrdup(lua_tostring(L, -1));
  lua_pop(L, 1);
  return 0;
}

/* [-0, +1] The load-pass environment. */
static void push_load_env(lua_State *L, const struct nse_script *s) {
  lua_createtable(L, 0, 4);
  lua_pushstring(L, s->path);
  lua_setfield(L, -2, "SCRIPT_PATH");
  lua_pushstring(L, s->short_name);
  lua_setfield(L, -2, "SCRIPT_NAME");
  lua_newtable(L);
  lua_setfield(L, -2, "categories");
  lua_newtable(L);
  lua_setfield(L, -2, "dependencies");
  lua_createtable(L, 0, 1);
  lua_pushglobaltable(L);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

int nse_script_load(lua_State *L, const struct nse_pick *p,
                    struct nse_script **out, char **err) {
  int top = lua_gettop(L);
  size_t plen = strlen(p->path);
  if (plen < 4 || strcmp(p->path + plen - 4, ".nse") != 0)
    log_error("NSE: Warning: Loading '%s' -- the recommended file extension "
              "is '.nse'.",
              p->path);
  struct nse_script *s = xcalloc(1, sizeof *s);
  s->path = xstrdup(p->path);
  s->factory_ref = LUA_NOREF;
  s->selection = p->selection;
  s->forced = p->forced;
  s->by_name = p->by_name;
  names_from_path(s, p->path);
  log_debug(2, "NSE: Script %s was selected by %s%s.", s->basename,
            selection_words[p->selection],
            p->forced ? " and forced to run" : "");

  if (compile(L, s->path) != 0) {
    *err = xstrdup(lua_tostring(L, -1));
    lua_settop(L, top);
    nse_script_free(L, s);
    return PT_EPARSE;
  }
  lua_pushvalue(L, -1);
  s->factory_ref = luaL_ref(L, LUA_REGISTRYINDEX);

  /* Load pass in a throw-away coroutine (the body may yield). */
  push_load_env(L, s);
  int env = lua_gettop(L);
  lua_State *co = lua_newthread(L);
  lua_pushvalue(L, env - 1);
  lua_pushvalue(L, env);
  lua_call(L, 1, 1); /* factory(env) -> body */
  lua_xmove(L, co, 1);
  int nres;
  int st = lua_resume(co, L, 0, &nres);
  if (st != LUA_OK && st != LUA_YIELD) {
    if (lua_touserdata(co, -1) == (void *)&nse_require_error_key) {
      if (log_verbosity >= 1 || log_debugging >= 1) /* print_verbose */
        printf("NSE: Failed to load '%s'.\n", s->path);
      lua_settop(L, top);
      nse_script_free(L, s);
      return 1;
    }
    luaL_traceback(L, co, luaL_tolstring(co, -1, NULL), 0);
    log_error("NSE: Failed to load %s:\n%s", s->path, lua_tostring(L, -1));
    *err = xstrdup("could not load script");
    lua_settop(L, top);
    nse_script_free(L, s);
    return PT_EPARSE;
  }
  int rc = validate(L, env, s, err);
  lua_settop(L, top);
  if (rc != 0) {
    nse_script_free(L, s);
    return rc;
  }
  *out = s;
  return 0;
}

void nse_script_free(lua_State *L, struct nse_script *s) {
  if (s == NULL)
    return;
  if (L && s->factory_ref != LUA_NOREF)
    luaL_unref(L, LUA_REGISTRYINDEX, s->factory_ref);
  for (size_t i = 0; i < s->ncategories; i++)
    free(s->categories[i]);
  for (size_t i = 0; i < s->ndeps; i++)
    free(s->deps[i]);
  free(s->categories);
  free(s->deps);
  free(s->description);
  free(s->id);
  free(s->path);
  free(s->basename);
  free(s->short_name);
  free(s);
}

static struct nse_script *by_id(struct nse_engine *e, const char *id) {
  for (size_t i = 0; i < e->nscripts; i++)
    if (strcmp(e->scripts[i]->short_name, id) == 0)
      return e->scripts[i];
  return NULL;
}

/* Depth-first over dependencies; runlevel -1 marks "in progress" (§5.2).
 * chain holds the ids on the current path for the cycle message. */
static int runlevel_of(struct nse_engine *e, struct nse_script *s,
                       const char **chain, size_t depth, char **err) {
  chain[depth++] = s->short_name;
  if (s->runlevel == -1) {
    size_t len = 1;
    for (size_t i = 0; i < depth; i++)
      len += strlen(chain[i]) + 2;
    char *msg = xmalloc(len);
    msg[0] = '\0';
    for (size_t i = 0; i < depth; i++) {
      if (i)
        strcat(msg, "->");
      strcat(msg, chain[i]);
    }
    *err = xasprintf("circular dependency in chain `%s`", msg);
    free(msg);
    return -1;
  }
  s->runlevel = -1;
  int level = 1;
  for (size_t i = 0; i < s->ndeps; i++) {
    struct nse_script *d = by_id(e, s->deps[i]);
    if (d == NULL)
      continue;
    int r =
        d->runlevel > 0 ? d->runlevel : runlevel_of(e, d, chain, depth, err);
    if (r < 0)
      return -1;
    if (r + 1 > level)
      level = r + 1;
  }
  s->runlevel = level;
  return level;
}

int nse_scripts_link(struct nse_engine *e, char **err) {
  for (size_t i = 0; i < e->nscripts; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(e->scripts[i]->short_name, e->scripts[j]->short_name) == 0) {
        *err =
            xasprintf("duplicate script ID: '%s'", e->scripts[i]->short_name);
        return PT_EEXISTS;
      }
  const char **chain = xcalloc(e->nscripts + 2, sizeof *chain);
  e->max_runlevel = e->nscripts ? 1 : 0;
  for (size_t i = 0; i < e->nscripts; i++) {
    struct nse_script *s = e->scripts[i];
    if (s->runlevel == 0 && runlevel_of(e, s, chain, 0, err) < 0) {
      free(chain);
      return PT_EPARSE;
    }
    if (s->runlevel > e->max_runlevel)
      e->max_runlevel = s->runlevel;
  }
  free(chain);
  return 0;
}
