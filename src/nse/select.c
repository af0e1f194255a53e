/* Script selection (NSE-NOTES §3): --script specs, -sC and -sV, matched
 * against scripts/script.db, then resolved as files and directories; and
 * the script.db file itself (reading, and --script-updatedb writing).
 *
 * The result is an ordered list of files (struct nse_picks) with how each
 * was chosen; loading them is script.c's job. A file is picked once, with
 * the selection mode and forced flag of the first spec that chose it. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/datapath.h"
#include "core/errcode.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "nse/nse_int.h"
#include "nse/selexpr.h"

struct rule {
  char *text;
  int forced;
  int used;
};

struct rules {
  struct rule *v;
  size_t n, cap;
};

void nse_picks_free(struct nse_picks *p) {
  for (size_t i = 0; i < p->n; i++)
    free(p->v[i].path);
  free(p->v);
  memset(p, 0, sizeof *p);
}

static void picks_add(struct nse_picks *p, const char *path,
                      enum nse_selection sel, int forced, int by_name) {
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->v[i].path, path) == 0)
      return;
  p->v = xgrow(p->v, &p->cap, p->n + 1, sizeof *p->v);
  p->v[p->n++] = (struct nse_pick){xstrdup(path), sel, forced, by_name};
}

/* Splits on every comma (§3.1), trims, strips a leading '+', doubles a
 * backslash that precedes a non-backslash. */
static void rules_add_spec(struct rules *r, const char *spec) {
  const char *p = spec;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    while (n > 0 && strchr(" \t\r\n\v\f", *p)) {
      p++;
      n--;
    }
    while (n > 0 && strchr(" \t\r\n\v\f", p[n - 1]))
      n--;
    int forced = 0;
    if (n > 0 && *p == '+') {
      forced = 1;
      p++;
      n--;
    }
    if (n > 0) {
      char *t = xmalloc(2 * n + 1);
      size_t k = 0;
      for (size_t i = 0; i < n; i++) {
        t[k++] = p[i];
        if (p[i] == '\\' && i + 1 < n && p[i + 1] != '\\')
          t[k++] = '\\';
      }
      t[k] = '\0';
      r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof *r->v);
      r->v[r->n++] = (struct rule){t, forced, 0};
    }
    if (comma == NULL)
      break;
    p = comma + 1;
  }
}

static void rules_free(struct rules *r) {
  for (size_t i = 0; i < r->n; i++)
    free(r->v[i].text);
  free(r->v);
}

char *nse_scripts_dir(void) {
  char *d = datapath_find("scripts", DATAPATH_DIR);
  if (d == NULL)
    return NULL;
  size_t n = strlen(d);
  if (n > 0 && d[n - 1] == '/')
    return d;
  char *s = xasprintf("%s/", d);
  free(d);
  return s;
}

enum fetch_kind { FETCH_NONE, FETCH_FILE, FETCH_DIR, FETCH_BARE_DIR };

static enum fetch_kind classify(const char *path, int slash) {
  struct stat st;
  if (stat(path, &st) != 0)
    return FETCH_NONE;
  if (S_ISREG(st.st_mode))
    return FETCH_FILE;
  if (S_ISDIR(st.st_mode))
    return slash ? FETCH_DIR : FETCH_BARE_DIR;
  return FETCH_NONE;
}

/* Nmap's fetchscript: absolute, then scripts/<name> on the data path, then
 * relative to the current directory. *path gets a malloc'd path. */
static enum fetch_kind fetchscript(const char *name, char **path) {
  size_t n = strlen(name);
  int slash = n > 0 && name[n - 1] == '/';
  *path = NULL;
  if (name[0] == '/') {
    log_debug(2, "NSE: Trying absolute path %s", name);
    enum fetch_kind k = classify(name, slash);
    if (k != FETCH_NONE)
      *path = xstrdup(name);
    return k;
  }
  char *rel = xasprintf("scripts/%s", name);
  char *found = datapath_find(rel, DATAPATH_ANY);
  free(rel);
  if (found) {
    enum fetch_kind k = classify(found, slash);
    if (k != FETCH_NONE) {
      *path = found;
      return k;
    }
    free(found);
  }
  enum fetch_kind k = classify(name, slash);
  if (k != FETCH_NONE)
    *path = xstrdup(name);
  return k;
}

/* Entry{...} from script.db: appends {filename, categories} to the list
 * in upvalue 1. */
static int db_entry(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushliteral(L, "categories");
  lua_rawget(L, 1);
  lua_pushliteral(L, "filename");
  lua_rawget(L, 1);
  if (!lua_istable(L, -2) || lua_type(L, -1) != LUA_TSTRING) {
    /* assert() wording: no position prefix. */
    lua_pushliteral(
        L, "script database appears corrupt, try `nmap --script-updatedb`");
    return lua_error(L);
  }
  lua_pop(L, 2);
  lua_pushvalue(L, 1);
  lua_rawseti(L, lua_upvalueindex(1),
              (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)) + 1);
  return 0;
}

/* [-0, +1] Loads script.db as a list of entry tables. */
static int db_load(lua_State *L, const char *path, char **err) {
  lua_newtable(L); /* entries */
  if (luaL_loadfilex(L, path, "t") != LUA_OK) {
    *err = xasprintf("%s", lua_tostring(L, -1));
    lua_pop(L, 2);
    return PT_EPARSE;
  }
  lua_newtable(L); /* env */
  lua_pushvalue(L, -3);
  lua_pushcclosure(L, db_entry, 1);
  lua_setfield(L, -2, "Entry");
  lua_setupvalue(L, -2, 1);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    *err = xasprintf("%s", lua_tostring(L, -1));
    lua_pop(L, 2);
    return PT_EPARSE;
  }
  return 0;
}

/* Tests every db entry against every rule (§3.2). */
static int match_db(lua_State *L, struct rules *r, struct nse_picks *out,
                    char **err) {
  int top = lua_gettop(L);
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, top, i);
    lua_getfield(L, -1, "filename");
    const char *fname = lua_tostring(L, -1);
    lua_getfield(L, -2, "categories");
    size_t ncat = lua_rawlen(L, -1);
    const char **cats = xcalloc(ncat + 1, sizeof *cats);
    for (size_t k = 0; k < ncat; k++) {
      lua_rawgeti(L, -1, (lua_Integer)k + 1);
      cats[k] = lua_tostring(L, -1);
      lua_pop(L, 1); /* the string stays alive in the table */
      if (cats[k] == NULL)
        cats[k] = "";
    }
    char *base = xstrdup(fname);
    size_t bl = strlen(base);
    if (bl > 4 && strcmp(base + bl - 4, ".nse") == 0)
      base[bl - 4] = '\0';
    const char *slash = strrchr(base, '/');
    const char *name = slash ? slash + 1 : base;
    for (size_t k = 0; k < r->n; k++) {
      int by_name;
      if (selexpr_match(r->v[k].text, name, cats, ncat, &by_name) != 1)
        continue;
      r->v[k].used = 1;
      char *path;
      if (fetchscript(fname, &path) != FETCH_FILE) {
        log_error("NSE: Warning: Could not load '%s': %s", fname,
                  "no path to file/directory");
        free(path);
        break;
      }
      picks_add(out, path, by_name ? SEL_NAME : SEL_CATEGORY, r->v[k].forced,
                by_name);
      free(path);
      /* Keep going so that later rules are marked as used too. */
    }
    free(base);
    free(cats);
    lua_settop(L, top);
  }
  (void)err;
  return 0;
}

static int dir_scan(const char *dir, struct nse_picks *out, int forced) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return -errno;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    if (n < 4 || strcmp(de->d_name + n - 4, ".nse") != 0)
      continue;
    char *file = xasprintf("%s/%s", dir, de->d_name);
    picks_add(out, file, SEL_DIRECTORY, forced, 0);
    free(file);
  }
  closedir(d);
  return 0;
}

/* Specs that matched no db entry are files or directories (§3.3). */
static int match_files(const struct scan_opts *o, int help, struct rules *r,
                       struct nse_picks *out, char **err) {
  for (size_t k = 0; k < r->n; k++) {
    if (r->v[k].used)
      continue;
    char *path;
    enum fetch_kind t = fetchscript(r->v[k].text, &path);
    if (t == FETCH_NONE) {
      char *ext = xasprintf("%s.nse", r->v[k].text);
      t = fetchscript(ext, &path);
      free(ext);
    }
    switch (t) {
    case FETCH_NONE:
      if (!help && o->version_detect && strcmp(r->v[k].text, "version") == 0)
        break;
      *err = xasprintf("'%s' did not match a category, filename, or directory",
                       r->v[k].text);
      return PT_ENOTFOUND;
    case FETCH_BARE_DIR:
      *err = xasprintf("directory '%s' found, but will not match without '/'",
                       path);
      free(path);
      return PT_EPARSE;
    case FETCH_FILE:
      picks_add(out, path, SEL_FILE, r->v[k].forced, 1);
      break;
    case FETCH_DIR:
      dir_scan(path, out, r->v[k].forced);
      break;
    }
    free(path);
  }
  return 0;
}

int nse_select(lua_State *L, const struct scan_opts *o, const char *help,
               struct nse_picks *out, char **err) {
  struct rules r = {0};
  if (help) {
    rules_add_spec(&r, help);
  } else {
    if (o->script_spec)
      rules_add_spec(&r, o->script_spec);
    if (o->script_default && r.n == 0)
      rules_add_spec(&r, "default");
    if (o->version_detect)
      rules_add_spec(&r, "version");
  }
  if (r.n == 0) {
    rules_free(&r);
    return 0;
  }
  char *dir = nse_scripts_dir();
  char *db = dir ? xasprintf("%sscript.db", dir) : NULL;
  struct stat st;
  if (db && stat(db, &st) != 0) {
    log_verbose(1, "Script Database missing, will create new one.");
    char *uerr = NULL;
    if (nse_script_updatedb(o, &uerr) != 0) {
      log_debug(1, "NSE: %s", uerr ? uerr : "script.db not written");
      free(uerr);
    }
  }
  int rc = 0;
  if (db && stat(db, &st) == 0) {
    rc = db_load(L, db, err);
    if (rc == 0) {
      rc = match_db(L, &r, out, err);
      lua_pop(L, 1);
    }
  }
  if (rc == 0)
    rc = match_files(o, help != NULL, &r, out, err);
  free(db);
  free(dir);
  rules_free(&r);
  return rc;
}
