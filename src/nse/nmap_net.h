/* The network-facing functions of the `nmap` module (NSE-NOTES §6):
 * resolve, interfaces and DNS servers. Split from lib_nmap.c by concern.
 * Internal to src/nse. */
#ifndef PORTOLAN_NSE_NMAP_NET_H
#define PORTOLAN_NSE_NMAP_NET_H

#include <lua.h>

int nmap_resolve(lua_State *L);
int nmap_get_interface_info(lua_State *L);
int nmap_list_interfaces(lua_State *L);
int nmap_get_dns_servers(lua_State *L);

#endif
