/* --script-args text (NSE-NOTES §4.1) and --script selection expressions
 * (§3.2): both parse user-supplied text. The input is split at the first
 * NUL byte: before it, script-args; after it, a selection expression. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "nse/nse_int.h"
#include "nse/selexpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t alen = nul ? (size_t)(nul - data) : size;
  lua_State *L = luaL_newstate();
  if (L == NULL)
    return 0;
  int top = lua_gettop(L);
  if (nse_args_parse(L, (const char *)data, alen) == 0) {
    if (!lua_istable(L, -1))
      abort();
    lua_pop(L, 1);
  }
  if (lua_gettop(L) != top)
    abort(); /* the parser must leave the stack balanced */
  lua_close(L);
  if (nul) {
    size_t elen = size - alen - 1;
    char *expr = malloc(elen + 1);
    memcpy(expr, nul + 1, elen);
    expr[elen] = '\0';
    static const char *const cats[] = {"default", "safe", "vuln"};
    int by_name;
    int r = selexpr_match(expr, "http-title", cats, 3, &by_name);
    if (r != 0 && r != 1 && r >= 0)
      abort();
    free(expr);
  }
  return 0;
}
