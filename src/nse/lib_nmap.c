/* The `nmap` C module (NSE-NOTES §6): engine facts, the port model
 * functions (get_port_state, get_ports, set_port_state, set_port_version),
 * target adding, the socket constructor and nmap.socket / nmap.registry.
 *
 * Host and port arguments are resolved through hostinfo.c (§2.3). Values
 * keep Nmap's integer/float subtypes (§13.8). Raw packets (new_dnet, pcap)
 * raise "not supported yet". nmap.registry is created here once per Lua
 * state; the engine fills registry.args. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/datapath.h"
#include "core/host.h"
#include "core/log.h"
#include "core/options.h"
#include "core/services.h"
#include "core/xalloc.h"
#include "nse/hostinfo.h"
#include "nse/lib_socket.h"
#include "nse/nmap_net.h"
#include "nse/nse_int.h"
#include "nse/sched.h"
#include "nse/sync.h"

int luaopen_nmap(lua_State *L);

/* Registry keys: the count of targets added by scripts, and the cached
 * non-by-name version intensity. */
static const char targets_key = 't';
static const char intensity_key = 'i';

static const struct scan_opts *opts(lua_State *L) {
  struct nse_engine *e = nse_engine_of(L);
  return e != NULL ? e->o : NULL;
}

static int by_name(lua_State *L) {
  struct nse_thread_info info;
  return sched_thread_info(L, &info) && info.script != NULL &&
         info.script->by_name;
}

/* ---- engine facts ---- */

static int nmap_debugging(lua_State *L) {
  const struct scan_opts *o = opts(L);
  lua_pushinteger(L, o != NULL ? o->debugging : log_debugging);
  return 1;
}

static int nmap_verbosity(lua_State *L) {
  const struct scan_opts *o = opts(L);
  lua_pushinteger(L, (o != NULL ? o->verbosity : log_verbosity) + by_name(L));
  return 1;
}

static int nmap_timing_level(lua_State *L) {
  const struct scan_opts *o = opts(L);
  lua_pushinteger(L, o != NULL && o->timing >= 0 ? o->timing : 3);
  return 1;
}

static int nmap_have_ssl(lua_State *L) {
  lua_pushboolean(L, 1);
  return 1;
}

static int nmap_is_privileged(lua_State *L) {
  lua_pushboolean(L, geteuid() == 0);
  return 1;
}

static int nmap_address_family(lua_State *L) {
  const struct scan_opts *o = opts(L);
  lua_pushstring(L, o != NULL && o->af == AF_INET6 ? "inet6" : "inet");
  return 1;
}

/* 9 for by-name scripts; else script-intensity (an integer script
 * argument), else --version-intensity; computed once per run. */
static int nmap_version_intensity(lua_State *L) {
  if (by_name(L)) {
    lua_pushinteger(L, 9);
    return 1;
  }
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &intensity_key) == LUA_TNUMBER)
    return 1;
  lua_pop(L, 1);
  const struct scan_opts *o = opts(L);
  lua_Integer v =
      o != NULL && o->version_intensity >= 0 ? o->version_intensity : 7;
  lua_getfield(L, lua_upvalueindex(1), "registry");
  lua_getfield(L, -1, "args");
  lua_remove(L, -2);
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "script-intensity");
    int isnum = 0;
    lua_Integer a = lua_tointegerx(L, -1, &isnum);
    if (isnum) {
      if (a < 0 || a > 9)
        log_warn("script-intensity must be between 0 and 9; using %lld",
                 (long long)a);
      v = a;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_pushinteger(L, v);
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &intensity_key);
  return 1;
}

static int nmap_clock(lua_State *L) {
  uv_timeval64_t tv;
  uv_gettimeofday(&tv);
  lua_pushnumber(L, (double)tv.tv_sec + (double)tv.tv_usec / 1e6);
  return 1;
}

static int nmap_clock_ms(lua_State *L) {
  uv_timeval64_t tv;
  uv_gettimeofday(&tv);
  lua_pushnumber(L, (double)tv.tv_sec * 1000.0 +
                        ceil((double)tv.tv_usec / 1000.0));
  return 1;
}

static int nmap_log_write(lua_State *L) {
  static const char *const files[] = {"stdout", "stderr", NULL};
  int which = luaL_checkoption(L, 1, NULL, files);
  const char *msg = luaL_checkstring(L, 2);
  FILE *f = which == 0 ? stdout : stderr;
  /* Never into the -oN file, and dropped while a report uses stdout:
   * Nmap 7.93 does both (log.h). */
  if (which == 0 && log_stdout_muted)
    return 0;
  fprintf(f, "NSE: %s\n", msg);
  fflush(f);
  return 0;
}

static int nmap_fetchfile(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  char *path = datapath_find(name, DATAPATH_FILE);
  if (path == NULL) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushstring(L, path);
  free(path);
  return 1;
}

/* -e is not an option yet: nil, as Nmap without -e. */
static int nmap_get_interface(lua_State *L) {
  lua_pushnil(L);
  return 1;
}

/* --ttl and --data-length are not options yet: Nmap's defaults. */
static int nmap_get_ttl(lua_State *L) {
  lua_pushinteger(L, 64);
  return 1;
}

static int nmap_get_payload_length(lua_State *L) {
  lua_pushinteger(L, 0);
  return 1;
}

static int nmap_get_random_bytes(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  if (n < 0)
    return luaL_error(L, "Invalid length argument to get_random_bytes.");
  luaL_Buffer b;
  unsigned char *p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
  if (n > 0 && RAND_bytes(p, (int)n) != 1)
    return luaL_error(L, "get_random_bytes: no randomness available");
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/* ---- targets ---- */

static lua_Integer targets_added(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &targets_key);
  lua_Integer n = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return n;
}

static int nmap_add_targets(lua_State *L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) {
    lua_pushinteger(L, targets_added(L));
    return 1;
  }
  for (int i = 1; i <= nargs; i++)
    luaL_checkstring(L, i);
  struct nse_engine *e = nse_engine_of(L);
  lua_Integer added = 0;
  for (int i = 1; i <= nargs; i++)
    if (e != NULL && e->target_fn != NULL &&
        e->target_fn(lua_tostring(L, i), e->target_ud) == 0)
      added++;
  lua_pushinteger(L, targets_added(L) + added);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &targets_key);
  lua_pushinteger(L, added);
  if (added == 0) {
    lua_pushliteral(L, "failed to add new targets.");
    return 2;
  }
  return 1;
}

static int nmap_new_targets_num(lua_State *L) {
  lua_pushinteger(L, targets_added(L));
  return 1;
}

/* Exclude directives of nmap-service-probes apply only with -sV and
 * without --allports; Portolan has no such directive yet. */
static int nmap_port_is_excluded(lua_State *L) {
  static const char *const protos[] = {"tcp", "udp", "sctp", NULL};
  luaL_checkinteger(L, 1);
  luaL_checkoption(L, 2, NULL, protos);
  lua_pushboolean(L, 0);
  return 1;
}

/* ---- the port model ---- */

static int nmap_get_port_state(lua_State *L) {
  struct host *h = nse_check_host(L, 1);
  uint16_t number;
  enum proto p;
  nse_check_port(L, 2, &number, &p);
  struct port *pt = host_port_get(h, p, number);
  if (pt == NULL)
    lua_pushnil(L);
  else
    nse_push_port(L, h, pt);
  return 1;
}

static const char *const state_opts[] = {
    "open",          "filtered",        "unfiltered", "closed",
    "open|filtered", "closed|filtered", NULL};
static const enum port_state state_vals[] = {
    PS_OPEN,   PS_FILTERED,      PS_UNFILTERED,
    PS_CLOSED, PS_OPEN_FILTERED, PS_CLOSED_FILTERED};

static int nmap_get_ports(lua_State *L) {
  static const char *const protos[] = {"tcp", "udp", "sctp", NULL};
  struct host *h = nse_check_host(L, 1);
  lua_Integer after = -1;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "number");
    if (!lua_isinteger(L, -1))
      luaL_argerror(L, 2, "port 'number' field must be an integer");
    after = lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  enum proto p = (enum proto)luaL_checkoption(L, 3, NULL, protos);
  enum port_state st = state_vals[luaL_checkoption(L, 4, NULL, state_opts)];
  size_t n;
  struct port *ports = host_ports(h, p, &n);
  for (size_t i = 0; i < n; i++)
    if (ports[i].number > after && ports[i].state == st) {
      nse_push_port(L, h, &ports[i]);
      return 1;
    }
  lua_pushnil(L);
  return 1;
}

static int nmap_set_port_state(lua_State *L) {
  static const char *const states[] = {"open", "closed", NULL};
  struct host *h = nse_check_host(L, 1);
  uint16_t number;
  enum proto p;
  nse_check_port(L, 2, &number, &p);
  enum port_state st =
      luaL_checkoption(L, 3, NULL, states) == 0 ? PS_OPEN : PS_CLOSED;
  struct port *pt = host_port_get(h, p, number);
  if (pt != NULL && pt->state != st) {
    pt->state = (uint8_t)st;
    pt->reason = RSN_SCRIPT_SET;
    pt->reason_ttl = 0;
  }
  return 0;
}

/* port.version fields with Nmap's length limits. */
static const struct {
  const char *key;
  size_t max;
  size_t off;
} ver_fields[] = {
    {"product", 80, offsetof(struct service, product)},
    {"version", 80, offsetof(struct service, version)},
    {"extrainfo", 256, offsetof(struct service, extrainfo)},
    {"hostname", 80, offsetof(struct service, hostname)},
    {"ostype", 32, offsetof(struct service, ostype)},
    {"devicetype", 32, offsetof(struct service, devicetype)},
};
#define NVER (sizeof ver_fields / sizeof ver_fields[0])

static int nmap_set_port_version(lua_State *L) {
  static const char *const probes[] = {"hardmatched", "softmatched", "nomatch",
                                       "tcpwrapped",  "incomplete",  NULL};
  struct host *h = nse_check_host(L, 1);
  uint16_t number;
  enum proto p;
  nse_check_port(L, 2, &number, &p);
  int probe = luaL_checkoption(L, 3, "hardmatched", probes);
  lua_settop(L, 3);
  /* Everything is read and checked before the model changes; the strings
   * stay alive on the stack (slots 4...). */
  if (lua_getfield(L, 2, "version") != LUA_TTABLE)
    return luaL_error(L, "port 'version' field must be a table");
  int v = lua_gettop(L);
  lua_getfield(L, v, "name");
  const char *name = lua_tostring(L, -1);
  const char *vals[NVER];
  for (size_t i = 0; i < NVER; i++) {
    lua_getfield(L, v, ver_fields[i].key);
    vals[i] = lua_tostring(L, -1);
  }
  lua_getfield(L, v, "service_tunnel");
  const char *tunnel = lua_tostring(L, -1);
  if (tunnel != NULL && strcmp(tunnel, "none") != 0 &&
      strcmp(tunnel, "ssl") != 0)
    return luaL_argerror(L, 2, "invalid value for port.version.service_tunnel");
  lua_getfield(L, v, "service_fp");
  const char *fp = lua_tostring(L, -1);
  int cpe_t = lua_getfield(L, v, "cpe");
  int cpe = lua_gettop(L);
  if (cpe_t != LUA_TNIL && cpe_t != LUA_TTABLE)
    return luaL_error(L, "port.version 'cpe' field must be a table");
  size_t ncpe = cpe_t == LUA_TTABLE ? lua_rawlen(L, cpe) : 0;
  luaL_checkstack(L, ncpe < 100000 ? (int)ncpe : 100000, "too many cpe");
  ncpe = ncpe < 100000 ? ncpe : 100000;
  for (size_t i = 1; i <= ncpe; i++)
    lua_rawgeti(L, cpe, (lua_Integer)i);

  struct port *pt = host_port_get(h, p, number);
  if (pt == NULL)
    return 0;
  struct service *s = port_service(pt);
  service_clear(s);
  if (probe == 3 && name == NULL)
    name = "tcpwrapped";
  else if ((probe == 2 || probe == 4) && name == NULL)
    name = services_name(number, p);
  service_set_str(&s->name, name);
  for (size_t i = 0; i < NVER; i++) {
    char **field = (char **)((char *)s + ver_fields[i].off);
    if (vals[i] != NULL)
      *field = xstrndup(vals[i], ver_fields[i].max);
  }
  if (tunnel != NULL && strcmp(tunnel, "ssl") == 0)
    service_set_str(&s->tunnel, "ssl");
  if (probe != 0)
    service_set_str(&s->fingerprint, fp);
  s->probed = probe <= 1 || probe == 3;
  s->name_confidence = probe <= 1 ? 10.0 : probe == 3 ? 8.0 : 3.0;
  if (ncpe > 0) {
    s->cpe = xcalloc(ncpe, sizeof *s->cpe);
    for (size_t i = 0; i < ncpe; i++) {
      const char *c = lua_tostring(L, cpe + 1 + (int)i);
      if (c != NULL)
        s->cpe[s->ncpe++] = xstrdup(c);
    }
  }
  return 0;
}

/* ---- not supported yet ---- */

static int nmap_unsupported(lua_State *L) {
  return luaL_error(L, "raw packets (dnet): not supported yet");
}

static int nmap_socket_loop(lua_State *L) {
  (void)L;
  return 0; /* the engine drives the loop itself */
}

static const luaL_Reg nmap_funcs[] = {
    {"debugging", nmap_debugging},
    {"verbosity", nmap_verbosity},
    {"timing_level", nmap_timing_level},
    {"have_ssl", nmap_have_ssl},
    {"is_privileged", nmap_is_privileged},
    {"address_family", nmap_address_family},
    {"version_intensity", nmap_version_intensity},
    {"clock", nmap_clock},
    {"clock_ms", nmap_clock_ms},
    {"log_write", nmap_log_write},
    {"fetchfile", nmap_fetchfile},
    {"resolve", nmap_resolve},
    {"get_interface", nmap_get_interface},
    {"get_interface_info", nmap_get_interface_info},
    {"list_interfaces", nmap_list_interfaces},
    {"get_ttl", nmap_get_ttl},
    {"get_payload_length", nmap_get_payload_length},
    {"get_random_bytes", nmap_get_random_bytes},
    {"get_dns_servers", nmap_get_dns_servers},
    {"add_targets", nmap_add_targets},
    {"new_targets_num", nmap_new_targets_num},
    {"port_is_excluded", nmap_port_is_excluded},
    {"get_port_state", nmap_get_port_state},
    {"get_ports", nmap_get_ports},
    {"set_port_state", nmap_set_port_state},
    {"set_port_version", nmap_set_port_version},
    {"new_socket", nse_socket_new},
    {"new_dnet", nmap_unsupported},
    {NULL, NULL},
};

int luaopen_nmap(lua_State *L) {
  nse_socket_init(L);
  lua_newtable(L); /* nmap */
  lua_newtable(L);
  lua_setfield(L, -2, "registry");
  /* Every function gets the nmap table as upvalue 1, so that
   * version_intensity finds nmap.registry.args even if the engine replaced
   * the registry table. */
  lua_pushvalue(L, -1);
  luaL_setfuncs(L, nmap_funcs, 1);
  nse_sync_register(L);

  lua_createtable(L, 0, 6); /* nmap.socket */
  lua_pushcfunction(L, nse_socket_new);
  lua_setfield(L, -2, "new");
  lua_pushcfunction(L, nse_parse_ssl_certificate);
  lua_setfield(L, -2, "parse_ssl_certificate");
  lua_pushcfunction(L, nse_socket_stats);
  lua_setfield(L, -2, "get_stats");
  lua_pushcfunction(L, nmap_socket_loop);
  lua_setfield(L, -2, "loop");
  nse_sleep_register(L);
  lua_setfield(L, -2, "socket");

  lua_createtable(L, 0, 2); /* nmap.dnet */
  lua_pushcfunction(L, nmap_unsupported);
  lua_setfield(L, -2, "new");
  lua_pushcfunction(L, nmap_get_interface_info);
  lua_setfield(L, -2, "get_interface_info");
  lua_setfield(L, -2, "dnet");
  return 1;
}
