/* nmap.resolve, nmap.get_interface_info, nmap.list_interfaces and
 * nmap.get_dns_servers (NSE-NOTES §6).
 *
 * resolve: numeric addresses answer at once; names go through
 * uv_getaddrinfo on the libuv thread pool and the script yields. The
 * request is malloc'd and outlives the thread if need be: a thread that
 * ends first marks it abandoned, and the callback frees it. */
#include "nse/nmap_net.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <lauxlib.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/options.h"
#include "core/xalloc.h"
#include "nse/aresolve.h"
#include "nse/nse_int.h"
#include "nse/sched.h"

static const struct scan_opts *opts(lua_State *L) {
  struct nse_engine *e = nse_engine_of(L);
  return e != NULL ? e->o : NULL;
}

static int scan_family(lua_State *L) {
  const struct scan_opts *o = opts(L);
  return o != NULL && o->af == AF_INET6 ? AF_INET6 : AF_INET;
}

/* ---- resolve ---- */

/* [-0, +2, m] true, {addresses} or false, "Failed to resolve". */
static int push_addrs(lua_State *L, const struct addrinfo *res, int family) {
  int n = 0;
  lua_newtable(L);
  for (const struct addrinfo *a = res; a != NULL; a = a->ai_next) {
    char ip[INET6_ADDRSTRLEN];
    if (family != AF_UNSPEC && a->ai_family != family)
      continue;
    if (a->ai_family == AF_INET)
      uv_ip4_name((const struct sockaddr_in *)a->ai_addr, ip, sizeof ip);
    else if (a->ai_family == AF_INET6)
      uv_ip6_name((const struct sockaddr_in6 *)a->ai_addr, ip, sizeof ip);
    else
      continue;
    int dup = 0; /* one entry per address, not per socket type */
    for (int i = 1; i <= n && !dup; i++) {
      lua_rawgeti(L, -1, i);
      dup = strcmp(lua_tostring(L, -1), ip) == 0;
      lua_pop(L, 1);
    }
    if (!dup) {
      lua_pushstring(L, ip);
      lua_rawseti(L, -2, ++n);
    }
  }
  if (n == 0) {
    lua_pop(L, 1);
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "Failed to resolve");
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, -2);
  return 2;
}

static int k_resolve(lua_State *L, int status, lua_KContext ctx) {
  struct addrinfo *res;
  (void)status;
  aresolve_take((struct aresolve *)ctx, &res);
  int family = (int)lua_tointeger(L, 3); /* pushed before yielding */
  int n = push_addrs(L, res, family);
  uv_freeaddrinfo(res);
  return n;
}

/* nmap.resolve(name[, family]): [-0, +2, e] may yield */
int nmap_resolve(lua_State *L) {
  static const char *const fams[] = {"inet", "inet6", "unspec", NULL};
  static const int afs[] = {AF_INET, AF_INET6, AF_UNSPEC};
  const char *name = luaL_checkstring(L, 1);
  int family = afs[luaL_checkoption(L, 2, "unspec", fams)];
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_family = family;
  hints.ai_flags = AI_NUMERICHOST;
  if (getaddrinfo(name, NULL, &hints, &res) == 0) {
    int n = push_addrs(L, res, family);
    freeaddrinfo(res);
    return n;
  }
  struct aresolve *q;
  lua_settop(L, 2);
  lua_pushinteger(L, family);
  if (aresolve_start(L, name, NULL, family, SOCK_STREAM, &q) < 0) {
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "Failed to resolve");
    return 2;
  }
  return sched_yield(L, (lua_KContext)q, k_resolve);
}

/* ---- interfaces ---- */

struct link_info {
  char name[IF_NAMESIZE + 8];
  unsigned short hatype;
  unsigned char mac[8];
  int maclen;
};

static int mask_bits(const struct sockaddr *m) {
  int bits = 0;
  const unsigned char *p;
  size_t n;
  if (m == NULL)
    return 0;
  if (m->sa_family == AF_INET) {
    p = (const unsigned char *)&((const struct sockaddr_in *)m)->sin_addr;
    n = 4;
  } else if (m->sa_family == AF_INET6) {
    p = (const unsigned char *)&((const struct sockaddr_in6 *)m)->sin6_addr;
    n = 16;
  } else {
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    for (int b = 7; b >= 0; b--)
      bits += (p[i] >> b) & 1;
  return bits;
}

static int read_mtu(const char *dev) {
  char path[96];
  int mtu = 0;
  snprintf(path, sizeof path, "/sys/class/net/%s/mtu", dev);
  FILE *f = fopen(path, "r");
  if (f != NULL) {
    if (fscanf(f, "%d", &mtu) != 1)
      mtu = 0;
    fclose(f);
  }
  return mtu;
}

static void set_s(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

/* [-0, +1, m] The §6 table for one address of an interface. */
static void push_iface(lua_State *L, const struct ifaddrs *a,
                       const struct link_info *links, size_t nlinks) {
  char ip[INET6_ADDRSTRLEN] = "";
  const struct link_info *li = NULL;
  char shortname[IF_NAMESIZE + 8];
  for (size_t i = 0; i < nlinks; i++)
    if (strcmp(links[i].name, a->ifa_name) == 0)
      li = &links[i];
  snprintf(shortname, sizeof shortname, "%s", a->ifa_name);
  shortname[strcspn(shortname, ":")] = '\0';
  if (a->ifa_addr->sa_family == AF_INET)
    uv_ip4_name((const struct sockaddr_in *)a->ifa_addr, ip, sizeof ip);
  else
    uv_ip6_name((const struct sockaddr_in6 *)a->ifa_addr, ip, sizeof ip);
  const char *link = "other";
  if (a->ifa_flags & IFF_LOOPBACK)
    link = "loopback";
  else if (a->ifa_flags & IFF_POINTOPOINT)
    link = "p2p";
  else if (li != NULL && li->hatype == ARPHRD_ETHER)
    link = "ethernet";
  lua_newtable(L);
  set_s(L, "device", a->ifa_name);
  set_s(L, "shortname", shortname);
  lua_pushinteger(L, mask_bits(a->ifa_netmask));
  lua_setfield(L, -2, "netmask");
  set_s(L, "address", ip);
  set_s(L, "link", link);
  if (strcmp(link, "ethernet") == 0 && li != NULL && li->maclen == 6) {
    lua_pushlstring(L, (const char *)li->mac, 6);
    lua_setfield(L, -2, "mac");
    if (a->ifa_addr->sa_family == AF_INET && a->ifa_broadaddr != NULL &&
        (a->ifa_flags & IFF_BROADCAST)) {
      char b[INET_ADDRSTRLEN];
      uv_ip4_name((const struct sockaddr_in *)a->ifa_broadaddr, b, sizeof b);
      set_s(L, "broadcast", b);
    }
  }
  set_s(L, "up", (a->ifa_flags & IFF_UP) ? "up" : "down");
  lua_pushinteger(L, read_mtu(shortname));
  lua_setfield(L, -2, "mtu");
}

/* Calls fn for every IPv4/IPv6 address; returns 0 or -errno. */
static int each_iface(lua_State *L, const char *dev, int family,
                      int (*fn)(lua_State *L, void *ud), void *ud) {
  struct ifaddrs *all;
  struct link_info links[64];
  size_t nlinks = 0;
  if (getifaddrs(&all) != 0)
    return -1;
  for (struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
    if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_PACKET ||
        nlinks == sizeof links / sizeof links[0])
      continue;
    const struct sockaddr_ll *ll = (const struct sockaddr_ll *)a->ifa_addr;
    struct link_info *li = &links[nlinks++];
    snprintf(li->name, sizeof li->name, "%s", a->ifa_name);
    li->hatype = ll->sll_hatype;
    li->maclen = ll->sll_halen <= 8 ? ll->sll_halen : 8;
    memcpy(li->mac, ll->sll_addr, (size_t)li->maclen);
  }
  int stop = 0;
  for (struct ifaddrs *a = all; a != NULL && !stop; a = a->ifa_next) {
    if (a->ifa_addr == NULL)
      continue;
    int f = a->ifa_addr->sa_family;
    if ((f != AF_INET && f != AF_INET6) || (family && f != family))
      continue;
    if (dev != NULL && strcmp(dev, a->ifa_name) != 0)
      continue;
    push_iface(L, a, links, nlinks);
    stop = fn(L, ud);
  }
  freeifaddrs(all);
  return 0;
}

static int collect(lua_State *L, void *ud) {
  int *n = ud;
  lua_rawseti(L, -2, ++*n);
  return 0;
}

/* nmap.list_interfaces(): [-0, +1..2, m] */
int nmap_list_interfaces(lua_State *L) {
  int n = 0;
  lua_newtable(L);
  if (each_iface(L, NULL, 0, collect, &n) < 0) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, "getifaddrs failed");
    return 2;
  }
  return 1;
}

static int first(lua_State *L, void *ud) {
  (void)L;
  *(int *)ud = 1;
  return 1; /* keep the table on the stack and stop */
}

/* nmap.get_interface_info(dev): [-0, +1..2, m] */
int nmap_get_interface_info(lua_State *L) {
  const char *dev = luaL_checkstring(L, 1);
  int found = 0;
  int top = lua_gettop(L);
  each_iface(L, dev, scan_family(L), first, &found);
  if (found)
    return 1;
  lua_settop(L, top);
  lua_pushboolean(L, 0);
  lua_pushliteral(L, "failed to find interface");
  return 2;
}

/* ---- DNS servers ---- */

/* nmap.get_dns_servers(): --dns-servers, else resolv.conf's nameservers. */
int nmap_get_dns_servers(lua_State *L) {
  const struct scan_opts *o = opts(L);
  int n = 0;
  lua_newtable(L);
  if (o != NULL && o->dns_servers != NULL && o->dns_servers[0] != '\0') {
    const char *p = o->dns_servers;
    while (*p != '\0') {
      size_t len = strcspn(p, ",");
      if (len > 0) {
        lua_pushlstring(L, p, len);
        lua_rawseti(L, -2, ++n);
      }
      p += len + (p[len] == ',');
    }
    return 1;
  }
  FILE *f = fopen("/etc/resolv.conf", "r");
  if (f == NULL)
    return 1;
  char line[512], addr[256];
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, " nameserver %255s", addr) == 1) {
      lua_pushstring(L, addr);
      lua_rawseti(L, -2, ++n);
    }
  fclose(f);
  return 1;
}
