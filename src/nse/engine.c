/* The engine's public face (engine.h) and the Lua state it runs on
 * (NSE-NOTES §1.3-§1.5, §5.5): standard libraries, the C modules as
 * globals and in package.loaded, the nselib searcher in front of
 * package.searchers, the coroutine replacements that let a script block
 * inside its own coroutines, strict _G, and the stdnse injection.
 *
 * Invariant: the engine pointer is stored in the Lua registry, so every C
 * function reaches the engine (and the scheduler) from any coroutine. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "core/datapath.h"
#include "core/errcode.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "nse/compat53.h"
#include "nse/engine.h"
#include "nse/lib_openssl.h"
#include "nse/lib_zlib.h"
#include "nse/nse_int.h"
#include "nse/watchdog.h"

int luaopen_nmap(lua_State *L);
int luaopen_lpeg(lua_State *L);
int luaopen_lfs(lua_State *L);
#if __has_include(<libssh2.h>)
#define NSE_HAVE_LIBSSH2 1
int luaopen_libssh2(lua_State *L);
#endif

extern const char nse_yield_marker;
const char nse_engine_key = 0;

struct nse_engine *nse_engine_of(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &nse_engine_key);
  struct nse_engine *e = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return e;
}

/* Nmap's print_verbose: shown at -v, and at any -d level too. */
__attribute__((format(printf, 1, 2))) static void print_verbose(const char *fmt,
                                                                ...) {
  if ((log_verbosity < 1 && log_debugging < 1) || log_stdout_muted)
    return;
  va_list ap;
  va_start(ap, fmt);
  printf("NSE: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  fflush(stdout);
}

/* package.searchers[1]: nselib/<a/b>.lua on the data path, loaded in the
 * global environment (§1.5). */
static int nselib_searcher(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  char *rel;
  if (name[0] == '/') {
    rel = xstrdup(name);
  } else {
    char *dotted = xstrdup(name);
    for (char *p = dotted; *p; p++)
      if (*p == '.')
        *p = '/';
    rel = xasprintf("nselib/%s.lua", dotted);
    free(dotted);
  }
  char *path = datapath_find(rel, DATAPATH_FILE);
  if (path == NULL) {
    lua_pushfstring(L, "\n\tNSE failed to find %s in search paths.", rel);
    free(rel);
    return 1;
  }
  free(rel);
  if (luaL_loadfilex(L, path, NULL) != LUA_OK) {
    free(path);
    return lua_error(L);
  }
  lua_pushstring(L, path);
  free(path);
  return 2;
}

static const char CORO[] =
    "local MARK, PREEMPTED, ENTER, LEAVE = ...\n"
    "local resume, yield, create = coroutine.resume, coroutine.yield, "
    "coroutine.create\n"
    "local error, select = error, select\n"
    "local again\n"
    "local function handle(co, ok, ...)\n"
    "  if ok and MARK == ... then\n"
    "    return again(co, yield(MARK))\n"
    "  end\n"
    "  if ok and select('#', ...) == 0 then\n"
    "    local p = PREEMPTED()\n"
    "    if p == 1 then yield(MARK) end\n"
    "    if p then return again(co) end\n"
    "  end\n"
    "  return ok, ...\n"
    "end\n"
    "again = function(co, ...)\n"
    "  return handle(co, LEAVE(ENTER(co), resume(co, ...)))\n"
    "end\n"
    "function coroutine.resume(co, ...)\n"
    "  return again(co, ...)\n"
    "end\n"
    "local nresume = coroutine.resume\n"
    "local function aux_wrap(ok, ...)\n"
    "  if not ok then return error(..., 2) end\n"
    "  return ...\n"
    "end\n"
    "function coroutine.wrap(f)\n"
    "  local co = create(f)\n"
    "  return function(...) return aux_wrap(nresume(co, ...)) end\n"
    "end\n";

/* require(name) under pcall; leaves the module or nothing. */
static int try_require(lua_State *L, const char *name) {
  lua_getglobal(L, "require");
  lua_pushstring(L, name);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    log_debug(1, "NSE: could not load %s: %s", name,
              lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    lua_pop(L, 1);
    return 0;
  }
  return 1;
}

/* lfs.get_path_separator is an Nmap addition to LuaFileSystem that
 * scripts use (http-fetch); Debian's lfs lacks it. */
static int lfs_get_path_separator(lua_State *L) {
  lua_pushliteral(L, "/");
  return 1;
}

static void open_module(lua_State *L, const char *name, lua_CFunction f) {
  luaL_requiref(L, name, f, 1);
  lua_pop(L, 1);
}

/* Every Lua block is preceded by this header (sized for malloc's
 * alignment) naming the account it is charged to (nse_int.h). */
union mem_hdr {
  struct nse_mem_acct *acct;
  max_align_t align;
};

struct nse_mem_acct *nse_mem_acct_new(void) {
  struct nse_mem_acct *a = xcalloc(1, sizeof *a);
  a->users = 1;
  return a;
}

void nse_mem_acct_release(struct nse_mem_acct *a) {
  if (a && --a->users == 0 && a->bytes == 0)
    free(a);
}

static void acct_sub(struct nse_mem_acct *a, size_t n) {
  if (a == NULL)
    return;
  a->bytes -= n;
  if (a->users == 0 && a->bytes == 0)
    free(a);
}

/* lua_Alloc with the per-instance accounting of struct nse_mem. A block
 * grown by a running instance moves to its account; one shrunk, or touched
 * by the engine, keeps its owner. */
static void *mem_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  struct nse_mem *m = ud;
  union mem_hdr *h = ptr ? (union mem_hdr *)ptr - 1 : NULL;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    if (h) {
      acct_sub(h->acct, old);
      m->used -= old;
      free(h);
    }
    return NULL;
  }
  struct nse_mem_acct *cur = m->current, *owner = h ? h->acct : NULL;
  if (cur && nsize > old) {
    size_t had = owner == cur ? old : 0;
    if (m->limit > 0 && cur->bytes - had + nsize > m->limit) {
      /* The first refusal lets Lua run its emergency full collection and
       * retry: much of a busy script's charge can be garbage not yet
       * swept. Still over after that, the instance ends. */
      if (!cur->refused) {
        cur->refused = 1;
        return NULL;
      }
      if (!cur->over)
        m->nover++;
      cur->over = 1;
      watchdog_fire(); /* the hook ends the instance, pcall or not */
      return NULL;
    }
    cur->refused = 0;
    owner = cur;
  }
  union mem_hdr *n = realloc(h, sizeof *n + nsize);
  if (n == NULL)
    return NULL;
  if (h) {
    /* n->acct still holds the old owner (realloc keeps the contents). */
    struct nse_mem_acct *was = n->acct;
    if (was == owner) {
      if (owner)
        owner->bytes = owner->bytes - old + nsize;
      m->used = m->used - old + nsize;
      return n + 1;
    }
    acct_sub(was, old);
    m->used -= old;
  }
  n->acct = owner;
  if (owner)
    owner->bytes += nsize;
  m->used += nsize;
  return n + 1;
}

static int on_panic(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  log_error("PANIC: unprotected error in call to Lua API (%s)",
            msg ? msg : "error object is not a string");
  return 0; /* Lua aborts */
}

lua_State *nse_state_new(struct nse_engine *e, char **err) {
  e->mem.limit = e->o && e->o->script_mem_limit ? e->o->script_mem_limit
                                                : NSE_MEM_LIMIT_DEFAULT;
  lua_State *L = lua_newstate(mem_alloc, &e->mem);
  if (L != NULL)
    lua_atpanic(L, on_panic);
  if (L == NULL) {
    *err = xstrdup("cannot create the Lua state");
    return NULL;
  }
  lua_pushlightuserdata(L, e);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &nse_engine_key);
  luaL_openlibs(L);
  nse_compat53_open(L);
  lua_getglobal(L, "next");
  lua_setfield(L, LUA_REGISTRYINDEX, "next");
  log_debug(1, "NSE: Using Lua %s.", LUA_VERSION_MAJOR "." LUA_VERSION_MINOR);

  open_module(L, "nmap", luaopen_nmap);
  open_module(L, "lpeg", luaopen_lpeg);
  open_module(L, "lfs", luaopen_lfs);
  open_module(L, "openssl", luaopen_openssl);
  open_module(L, "zlib", luaopen_zlib);
#ifdef NSE_HAVE_LIBSSH2
  open_module(L, "libssh2", luaopen_libssh2);
#endif
  lua_getglobal(L, "lfs");
  if (lua_getfield(L, -1, "get_path_separator") == LUA_TNIL) {
    lua_pushcfunction(L, lfs_get_path_separator);
    lua_setfield(L, -3, "get_path_separator");
  }
  lua_pop(L, 2);
  /* nmap.socket: in package.loaded only (§1.3). */
  lua_getglobal(L, "nmap");
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -2, "socket") == LUA_TTABLE)
    lua_setfield(L, -2, "nmap.socket");
  else
    lua_pop(L, 1);
  lua_pop(L, 2);

  /* The nselib searcher goes first. */
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "insert");
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchers");
  lua_remove(L, -2);
  lua_pushinteger(L, 1);
  lua_pushcfunction(L, nselib_searcher);
  lua_call(L, 3, 0);
  lua_pop(L, 1);

  if (luaL_loadbuffer(L, CORO, sizeof CORO - 1, "=nse_coroutine") != LUA_OK)
    abort(); /* constant text */
  lua_pushlightuserdata(L, (void *)&nse_yield_marker);
  lua_pushcfunction(L, sched_preempted);
  lua_pushcfunction(L, watchdog_lua_enter);
  lua_pushcfunction(L, watchdog_lua_leave);
  lua_call(L, 4, 0);

  /* Libraries the engine itself uses (§1.5); missing ones are not fatal
   * so that a bare engine runs probe scripts without an nselib. */
  static const char *const libs[] = {"lpeg-utility", "tableaux"};
  for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
    if (try_require(L, libs[i]))
      lua_pop(L, 1);
  e->stdnse_ref = LUA_NOREF;
  if (try_require(L, "stdnse")) {
    nse_stdnse_inject(L, -1);
    e->stdnse_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  /* nmap.registry.args exists even before the arguments are parsed, for
   * libraries that read it at load time (--script-updatedb). */
  int top = lua_gettop(L);
  if (lua_getglobal(L, "nmap") == LUA_TTABLE &&
      lua_getfield(L, -1, "registry") == LUA_TTABLE &&
      lua_getfield(L, -1, "args") != LUA_TTABLE) {
    lua_newtable(L);
    lua_setfield(L, -3, "args");
  }
  lua_settop(L, top);
  if (try_require(L, "strict")) {
    lua_pushglobaltable(L);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK)
      lua_pop(L, 1);
  }
  return L;
}

/* Sets nmap.registry.args. */
static int set_args(lua_State *L, const struct scan_opts *o, char **err) {
  int rc = nse_args_load(L, o, err);
  if (rc != 0)
    return rc;
  lua_getglobal(L, "nmap");
  if (!lua_istable(L, -1)) {
    lua_pop(L, 2);
    return 0;
  }
  if (lua_getfield(L, -1, "registry") != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "registry");
  }
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "args");
  lua_pop(L, 3);
  return 0;
}

static int load_picks(struct nse_engine *e, const struct nse_picks *p,
                      char **err) {
  e->scripts = xcalloc(p->n + 1, sizeof *e->scripts);
  for (size_t i = 0; i < p->n; i++) {
    struct nse_script *s = NULL;
    int rc = nse_script_load(e->L, &p->v[i], &s, err);
    if (rc < 0)
      return rc;
    if (rc == 0)
      e->scripts[e->nscripts++] = s;
  }
  return 0;
}

/* Builds an engine up to loaded scripts; help selects with that spec. */
static int engine_build(struct nse_engine **out, uv_loop_t *loop,
                        const struct scan_opts *o, const char *help,
                        char **err) {
  struct nse_engine *e = xcalloc(1, sizeof *e);
  e->loop = loop;
  e->o = o;
  *out = e;
  *err = NULL;
  e->L = nse_state_new(e, err);
  if (e->L == NULL)
    return PT_EUNSUPPORTED;
  int rc = set_args(e->L, o, err);
  if (rc != 0)
    return rc;
  struct nse_picks picks = {0};
  rc = nse_select(e->L, o, help, &picks, err);
  if (rc == 0)
    rc = load_picks(e, &picks, err);
  nse_picks_free(&picks);
  if (rc == 0)
    rc = nse_scripts_link(e, err);
  return rc;
}

int nse_engine_new(struct nse_engine **out, uv_loop_t *loop,
                   const struct scan_opts *o, char **err) {
  struct nse_engine *e;
  int rc = engine_build(&e, loop, o, NULL, err);
  if (rc != 0) {
    nse_engine_free(e);
    *out = NULL;
    return rc;
  }
  if (o->script_scan || e->nscripts > 0)
    print_verbose("Loaded %zu scripts for scanning.", e->nscripts);
  for (size_t i = 0; i < e->nscripts; i++)
    log_debug(2, "NSE: Loaded '%s'.", e->scripts[i]->path);
  e->sched = sched_new(e);
  *out = e;
  return 0;
}

size_t nse_engine_script_count(const struct nse_engine *e) {
  return e ? e->nscripts : 0;
}

void nse_engine_prescan(struct nse_engine *e, struct script_results *out,
                        nse_done_fn done, void *ud) {
  print_verbose("Script Pre-scanning.");
  sched_start_job(e->sched, RULE_PRE, NULL, out, done, ud);
}

void nse_engine_host(struct nse_engine *e, struct host *h, nse_done_fn done,
                     void *ud) {
  print_verbose("Script scanning %s.", h->ip);
  sched_start_job(e->sched, RULE_HOST, h, NULL, done, ud);
}

void nse_engine_postscan(struct nse_engine *e, struct script_results *out,
                         nse_done_fn done, void *ud) {
  print_verbose("Script Post-scanning.");
  sched_start_job(e->sched, RULE_POST, NULL, out, done, ud);
}

void nse_engine_set_target_cb(struct nse_engine *e, nse_add_target_fn fn,
                              void *ud) {
  e->target_fn = fn;
  e->target_ud = ud;
}

void nse_engine_stop(struct nse_engine *e) {
  if (e && e->sched)
    sched_stop_all(e->sched);
}

void nse_engine_free(struct nse_engine *e) {
  if (e == NULL)
    return;
  sched_free(e->sched);
  e->sched = NULL;
  for (size_t i = 0; i < e->nscripts; i++)
    nse_script_free(e->L, e->scripts[i]);
  free(e->scripts);
  if (e->L)
    lua_close(e->L);
  free(e);
}

/* Writes text with two spaces before each non-empty line (§3.6). Only the
 * text's own newlines are written: a description that does not end in one
 * runs into the blank line before the next script, as in Nmap. */
static void print_indented(FILE *f, const char *text) {
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    if (n > 0)
      fprintf(f, "  %.*s", (int)n, p);
    if (nl == NULL)
      break;
    fputc('\n', f);
    p = nl + 1;
  }
}

/* XML text escaping as Nmap's --script-help -oX writes it. */
static void xml_escape(FILE *f, const char *s) {
  for (const char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    /* Nmap's XML writer: "--" never appears (the text may sit in a
     * comment), and every byte outside printable ASCII is a character
     * reference of its own (a UTF-8 character becomes several). */
    if (c == '-' && p > s && p[-1] == '-') {
      fputs("&#45;", f);
      continue;
    }
    if (c < 0x20 || c >= 0x7f) {
      fprintf(f, "&#x%x;", c);
      continue;
    }
    switch (c) {
    case '&':
      fputs("&amp;", f);
      break;
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    case '\'':
      fputs("&apos;", f);
      break;
    default:
      fputc(c, f);
    }
  }
}

/* The <nse-scripts> document of NSE-NOTES §3.6 (not an <nmaprun>). */
static int help_xml(const struct nse_engine *e, const struct scan_opts *o,
                    char **err) {
  int to_stdout = strcmp(o->out_xml, "-") == 0;
  FILE *x =
      to_stdout ? stdout : fopen(o->out_xml, o->append_output ? "a" : "w");
  if (x == NULL) {
    *err =
        xasprintf("Failed to open XML output file %s for writing", o->out_xml);
    return PT_ENOTFOUND;
  }
  char *sdir = nse_scripts_dir();
  char *ldir = datapath_find("nselib", DATAPATH_DIR);
  fputs("<nse-scripts>\n", x);
  fputs("<directory name=\"scripts\" path=\"", x);
  xml_escape(x, sdir ? sdir : "");
  fputs("\"></directory>\n<directory name=\"nselib\" path=\"", x);
  xml_escape(x, ldir ? ldir : "");
  fputs(ldir && ldir[strlen(ldir) - 1] != '/' ? "/" : "", x);
  fputs("\"></directory>\n", x);
  for (size_t i = 0; i < e->nscripts; i++) {
    const struct nse_script *s = e->scripts[i];
    fputs("<script filename=\"", x);
    xml_escape(x, s->path);
    fputs("\">\n<categories>", x);
    for (size_t k = 0; k < s->ncategories; k++) {
      fputs("<category>", x);
      xml_escape(x, s->categories[k]);
      fputs("</category>", x);
    }
    fputs("</categories>\n", x);
    if (s->description) {
      fputs("<description>", x);
      xml_escape(x, s->description);
      fputs("</description>\n", x);
    }
    fputs("</script>\n", x);
  }
  fputs("</nse-scripts>\n", x);
  free(sdir);
  free(ldir);
  if (to_stdout)
    return fflush(x) == 0 ? 0 : PT_ENOTFOUND;
  return fclose(x) == 0 ? 0 : PT_ENOTFOUND;
}

int nse_script_help(const struct scan_opts *o, FILE *f, char **err) {
  struct nse_engine *e;
  int rc = engine_build(&e, NULL, o, o->script_help ? o->script_help : "", err);
  for (size_t i = 0; rc == 0 && i < e->nscripts; i++) {
    struct nse_script *s = e->scripts[i];
    fprintf(f, "\n%s\nCategories:", s->id);
    for (size_t k = 0; k < s->ncategories; k++)
      fprintf(f, " %s", s->categories[k]);
    fprintf(f, "\nhttps://nmap.org/nsedoc/scripts/%s.html\n", s->id);
    if (s->description)
      print_indented(f, s->description);
  }
  if (rc == 0 && o->out_xml)
    rc = help_xml(e, o, err);
  nse_engine_free(e);
  return rc;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void write_entry(FILE *out, const struct nse_script *s) {
  char **cats = xcalloc(s->ncategories + 1, sizeof *cats);
  for (size_t k = 0; k < s->ncategories; k++)
    cats[k] = s->categories[k];
  qsort(cats, s->ncategories, sizeof *cats, cmp_str);
  fprintf(out, "Entry { filename = \"%s\", categories = {", s->basename);
  for (size_t k = 0; k < s->ncategories; k++) {
    fputs(" \"", out);
    for (const char *c = cats[k]; *c; c++)
      fputc(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c, out);
    fputs("\",", out);
  }
  fputs(" } }\n", out);
  free(cats);
}

int nse_script_updatedb(const struct scan_opts *o, char **err) {
  *err = NULL;
  char *dir = nse_scripts_dir();
  if (dir == NULL) {
    *err = xstrdup("no scripts/ directory on the data path");
    return PT_ENOTFOUND;
  }
  printf("NSE: Updating rule database.\n");
  DIR *d = opendir(dir);
  if (d == NULL) {
    *err = xasprintf("cannot read %s", dir);
    free(dir);
    return PT_ENOTFOUND;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t len = strlen(de->d_name);
    if (len > 4 && strcmp(de->d_name + len - 4, ".nse") == 0) {
      names = xgrow(names, &cap, n + 1, sizeof *names);
      names[n++] = xstrdup(de->d_name);
    }
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);

  struct nse_engine *e = xcalloc(1, sizeof *e);
  e->o = o;
  e->L = nse_state_new(e, err);
  char *dbpath = xasprintf("%sscript.db", dir);
  char *tmp = xasprintf("%s.tmp", dbpath);
  FILE *out = e->L ? fopen(tmp, "w") : NULL;
  int rc = out ? 0 : PT_ENOTFOUND;
  if (out == NULL && *err == NULL)
    *err = xasprintf("cannot write %s", tmp);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    struct nse_pick p = {xasprintf("%s%s", dir, names[i]), SEL_DIRECTORY, 0, 0};
    struct nse_script *s = NULL;
    int lr = nse_script_load(e->L, &p, &s, err);
    free(p.path);
    if (lr < 0)
      rc = lr;
    else if (lr == 0)
      write_entry(out, s);
    nse_script_free(e->L, s);
  }
  if (out && fclose(out) != 0 && rc == 0) {
    *err = xasprintf("cannot write %s", tmp);
    rc = PT_ENOTFOUND;
  }
  if (rc == 0 && rename(tmp, dbpath) != 0) {
    *err = xasprintf("cannot write %s", dbpath);
    rc = PT_ENOTFOUND;
  }
  if (rc != 0)
    remove(tmp);
  else
    printf("NSE: Script Database updated successfully.\n");
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  free(tmp);
  free(dbpath);
  free(dir);
  nse_engine_free(e);
  return rc;
}
