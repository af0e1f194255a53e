/* NSE socket objects (NSE-NOTES §7) and certificate objects (§7.7), as
 * used by lib_nmap.c. Internal to src/nse. */
#ifndef PORTOLAN_NSE_LIB_SOCKET_H
#define PORTOLAN_NSE_LIB_SOCKET_H

#include <lua.h>
#include <openssl/x509.h>

/* [-0, +0, m] Registers the socket metatable and the socket lock state. */
void nse_socket_init(lua_State *L);
/* nmap.new_socket([proto[, af]]) and nmap.socket.new. [-0..2, +1, v] */
int nse_socket_new(lua_State *L);
/* nmap.socket.get_stats(). [-0, +1, m] */
int nse_socket_stats(lua_State *L);

/* [-0, +1, m] Pushes a certificate object for x, taking over the
 * reference. */
void nse_push_cert(lua_State *L, X509 *x);
/* nmap.socket.parse_ssl_certificate(der): a certificate object or nil. */
int nse_parse_ssl_certificate(lua_State *L);

#endif
