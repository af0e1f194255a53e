/* Certificate objects from untrusted DER (nmap.socket.parse_ssl_certificate,
 * NSE-NOTES §7.7): parsing, then every attribute and method a script can
 * reach, must never crash, leak or raise anything but a clean Lua error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lualib.h>

#include "nse/lib_socket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char walk[] =
    "local der = ...\n"
    "local c = parse(der)\n"
    "if not c then return end\n"
    "local function visit(v, depth)\n"
    "  if depth > 8 then return end\n"
    "  if type(v) == 'table' then\n"
    "    for k, x in pairs(v) do visit(k, depth + 1) visit(x, depth + 1) end\n"
    "  elseif type(v) == 'userdata' then\n"
    "    tostring(v) v:todec() v:tobin() v:num_bits() v:is_bit_set(3)\n"
    "  end\n"
    "end\n"
    "for _, k in ipairs({'subject', 'issuer', 'sig_algorithm', 'validity',\n"
    "                    'pem', 'extensions', 'pubkey'}) do\n"
    "  visit(c[k], 0)\n"
    "end\n"
    "c:digest('sha256') c:digest('nope')\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = luaL_newstate();
  if (L == NULL)
    return 0;
  luaL_openlibs(L);
  lua_pushcfunction(L, nse_parse_ssl_certificate);
  lua_setglobal(L, "parse");
  if (luaL_loadstring(L, walk) == LUA_OK) {
    lua_pushlstring(L, (const char *)data, size);
    lua_pcall(L, 1, 0, 0); /* a Lua error is an acceptable outcome */
  }
  lua_close(L);
  return 0;
}
