/* Host and port tables (NSE-NOTES §2), built fresh from the C model for
 * every script instance, so each instance has its own copy (the deep-copy
 * rule of §2) except host.registry, which is one table per host in flight.
 *
 * The per-host registries live in a registry table keyed by the struct
 * host pointer (light userdata) between nse_host_begin and nse_host_end;
 * that table is also the list of hosts "being processed right now" that
 * §2.3 lookups consult, so a stale _Target never reaches C. */
#include "nse/hostinfo.h"

#include <arpa/inet.h>
#include <string.h>

#include <lauxlib.h>

#include "core/services.h"
#include "nse/nse_int.h"

static const char HOSTS_KEY = 0;

/* [-0, +1] The table of hosts in flight: h -> registry table. */
static void push_hosts(lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &HOSTS_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &HOSTS_KEY);
  }
}

void nse_host_begin(lua_State *L, struct host *h) {
  push_hosts(L);
  if (lua_rawgetp(L, -1, h) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_rawsetp(L, -2, h);
  } else {
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

void nse_host_end(lua_State *L, struct host *h) {
  push_hosts(L);
  lua_pushnil(L);
  lua_rawsetp(L, -2, h);
  lua_pop(L, 1);
}

static void set_str(lua_State *L, const char *k, const char *v) {
  if (v == NULL)
    return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

static void set_num(lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

void nse_push_host(lua_State *L, struct host *h) {
  lua_createtable(L, 0, 12);
  set_str(L, "ip", h->ip);
  set_str(L, "name", h->name ? h->name : "");
  set_str(L, "targetname", h->targetname);
  set_str(L, "reason", reason_name(h->reason));
  set_int(L, "reason_ttl", h->reason_ttl);
  if (h->family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&h->addr;
    lua_pushlstring(L, (const char *)&a->sin6_addr, 16);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)&h->addr;
    lua_pushlstring(L, (const char *)&a->sin_addr, 4);
  }
  lua_setfield(L, -2, "bin_ip");

  lua_createtable(L, 0, 3);
  set_num(L, "srtt", (double)h->srtt_us / 1e6);
  set_num(L, "rttvar", (double)h->rttvar_us / 1e6);
  /* Nmap's initial timeout is 1 s before any RTT sample exists. */
  set_num(L, "timeout", h->timeout_us > 0 ? (double)h->timeout_us / 1e6 : 1.0);
  lua_setfield(L, -2, "times");

  push_hosts(L);
  if (lua_rawgetp(L, -1, h) != LUA_TTABLE) {
    /* Not in flight (a test or a late call): a private registry. */
    lua_pop(L, 1);
    lua_newtable(L);
  }
  lua_remove(L, -2);
  lua_setfield(L, -2, "registry");

  lua_pushlightuserdata(L, h);
  lua_setfield(L, -2, "_Target");
}

void nse_push_port(lua_State *L, struct host *h, const struct port *pt) {
  (void)h;
  const struct service *svc = pt->x && pt->x->has_service ? &pt->x->svc : NULL;
  const char *name = svc && svc->name ? svc->name : NULL;
  if (name == NULL)
    name = services_name(pt->number, (enum proto)pt->proto);
  if (name == NULL)
    name = "unknown";
  lua_createtable(L, 0, 7);
  set_int(L, "number", pt->number);
  set_str(L, "protocol", proto_name((enum proto)pt->proto));
  set_str(L, "state", port_state_name((enum port_state)pt->state));
  set_str(L, "service", name);
  set_str(L, "reason", reason_name((enum reason)pt->reason));
  set_int(L, "reason_ttl", pt->reason_ttl);

  lua_createtable(L, 0, 8);
  set_str(L, "name", name);
  set_num(L, "name_confidence", svc ? svc->name_confidence : 3.0);
  if (svc) {
    set_str(L, "product", svc->product);
    set_str(L, "version", svc->version);
    set_str(L, "extrainfo", svc->extrainfo);
    set_str(L, "hostname", svc->hostname);
    set_str(L, "ostype", svc->ostype);
    set_str(L, "devicetype", svc->devicetype);
    set_str(L, "service_fp", svc->fingerprint);
  }
  set_str(L, "service_tunnel",
          svc && svc->tunnel && strcmp(svc->tunnel, "ssl") == 0 ? "ssl"
                                                                : "none");
  set_str(L, "service_dtype", svc && svc->probed ? "probed" : "table");
  lua_createtable(L, svc ? (int)svc->ncpe : 0, 0);
  for (size_t i = 0; svc && i < svc->ncpe; i++) {
    lua_pushstring(L, svc->cpe[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "cpe");
  lua_setfield(L, -2, "version");
}

/* Looks up a host in flight whose ip (or targetname) equals s. */
static struct host *find_by(lua_State *L, const char *s, int targetname) {
  struct host *found = NULL;
  push_hosts(L);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    struct host *h = lua_touserdata(L, -2);
    lua_pop(L, 1);
    const char *v = targetname ? h->targetname : h->ip;
    if (found == NULL && v && strcmp(v, s) == 0)
      found = h;
  }
  lua_pop(L, 1);
  return found;
}

struct host *nse_check_host(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_getfield(L, idx, "_Target");
  struct host *h = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (h) {
    push_hosts(L);
    int live = lua_rawgetp(L, -1, h) == LUA_TTABLE;
    lua_pop(L, 2);
    if (live)
      return h;
    h = NULL;
  }
  lua_getfield(L, idx, "ip");
  lua_getfield(L, idx, "targetname");
  const char *ip = lua_tostring(L, -2);
  const char *tn = lua_tostring(L, -1);
  if (ip == NULL && tn == NULL) {
    lua_pop(L, 2);
    /* Nmap raises these three as plain errors, not argument errors. */
    luaL_error(L, "host table does not have a 'ip' or 'targetname' field");
    return NULL;
  }
  if (ip)
    h = find_by(L, ip, 0);
  if (h == NULL && tn)
    h = find_by(L, tn, 1);
  lua_pop(L, 2);
  if (h == NULL)
    luaL_argerror(L, idx, "host is not being processed right now");
  return h;
}

void nse_check_port(lua_State *L, int idx, uint16_t *number, enum proto *p) {
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_getfield(L, idx, "number");
  lua_Integer n = lua_tointeger(L, -1);
  if (!lua_isinteger(L, -1) || n < 0 || n > 65535)
    luaL_error(L, "port 'number' field must be an integer");
  lua_getfield(L, idx, "protocol");
  const char *s = lua_tostring(L, -1);
  if (lua_type(L, -1) != LUA_TSTRING || proto_parse(s, p) != 0)
    luaL_error(L, "port 'protocol' field must be \"udp\", \"sctp\" or \"tcp\"");
  lua_pop(L, 2);
  *number = (uint16_t)n;
}
