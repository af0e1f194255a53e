/* The zlib module on untrusted compressed data (HTTP gzip bodies, deluge
 * replies): inflate streams read with every format, fed whole and in
 * small pieces, and one-shot decompress, must never crash, leak or raise
 * anything but a clean Lua error. The first byte picks the windowBits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "nse/lib_zlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char walk[] =
    "local data, wbits = ...\n"
    "pcall(zlib.decompress, data, wbits)\n"
    "local s = zlib.inflate(data, wbits)\n"
    "pcall(function()\n"
    "  s:read(3) s:read('*l') s:read(0) s:read('L') s:read(1, 2, '*l')\n"
    "  for _ in s:lines() do end\n"
    "  s:read('*a')\n"
    "end)\n"
    "s:close()\n"
    "local pos = 1\n"
    "s = zlib.inflate(function()\n"
    "  local p = data:sub(pos, pos + 6); pos = pos + 7\n"
    "  if p ~= '' then return p end\n"
    "end, wbits)\n"
    "pcall(s.read, s, '*a')\n"
    "local out = {}\n"
    "local d = zlib.deflate(function(p) out[#out + 1] = p end)\n"
    "d:write(data) d:close()\n"
    "assert(zlib.decompress(table.concat(out)) == data)\n";

static const int wbits[] = {47, 15, 31, -15, 0, 9};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  lua_State *L = luaL_newstate();
  if (L == NULL)
    return 0;
  luaL_openlibs(L);
  luaL_requiref(L, "zlib", luaopen_zlib, 1);
  lua_pop(L, 1);
  if (luaL_loadstring(L, walk) == LUA_OK) {
    lua_pushlstring(L, (const char *)data + 1, size - 1);
    lua_pushinteger(L, wbits[data[0] % (sizeof wbits / sizeof wbits[0])]);
    /* Only the round trip at the end may not fail: a wrong result there
     * is a bug, reported as an abort. */
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
      const char *e = lua_tostring(L, -1);
      if (e != NULL && strstr(e, "assertion failed") != NULL)
        abort();
    }
  }
  lua_close(L);
  return 0;
}
