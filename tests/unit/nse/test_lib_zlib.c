/* The `zlib` module: checksums on published values, compress/decompress
 * round trips in the zlib, gzip and raw formats, inflate streams over a
 * gzip file made by gzip(1) at test time and over function and object
 * sources, deflate streams into function and object sinks, and the errors
 * and bounds bad input must hit. Checks run as Lua in a bare state with
 * only the module loaded (as global `z`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "lua_harness.h"
#include "nse/lib_zlib.h"

static const char prelude[] =
    /* Text with lines, some repetition and a little binary. */
    "TEXT = {}\n"
    "for i = 1, 300 do TEXT[i] = 'line ' .. i .. ' ' .. ('ab'):rep(i % 7) "
    "end\n"
    "TEXT = table.concat(TEXT, '\\n') .. '\\n\\0\\255 tail without newline'\n";

static int setup(void **state) {
  return lua_harness_setup(state, "zlib", luaopen_zlib, "z", prelude);
}

static void test_checksums(void **state) {
  run(state, "EQ(z.adler32(), 1, 'adler initial')\n"
             "EQ(z.crc32(), 0, 'crc initial')\n"
             "EQ(z.adler32(1, 'Wikipedia'), 0x11E60398, 'adler32')\n"
             "EQ(math.type(z.adler32(1, 'x')), 'float', 'float as lzlib')\n"
             "EQ(z.BEST_COMPRESSION, 9, 'constant')\n"
             "EQ(z.GZIP_WINDOWBITS + z.DEFAULT_WINDOWBITS, 31, 'gzip wbits')\n"
             "EQ(z.crc32(0, 'The quick brown fox jumps over the lazy dog'),\n"
             "  0x414FA339, 'crc32')\n"
             "EQ(z.crc32(z.crc32(0, 'The quick brown '),\n"
             "  'fox jumps over the lazy dog'), 0x414FA339, 'crc32 chained')\n"
             "EQ(type(z.version()), 'string', 'version')\n"
             "RAISES('out of range', z.crc32, -1, 'x')\n");
  lua_State *L = *state;
  lua_getglobal(L, "z");
  lua_getfield(L, -1, "version");
  lua_call(L, 0, 1);
  assert_string_equal(lua_tostring(L, -1), zlibVersion());
  lua_pop(L, 2);
}

static void test_compress(void **state) {
  run(state, "local c = (z.compress(TEXT))\n"
             "assert(#c < #TEXT / 2, 'compresses')\n"
             "EQ(c:byte(1), 0x78, 'zlib header')\n"
             "EQ(z.decompress(c), TEXT, 'round trip')\n"
             "EQ(z.decompress((z.compress(TEXT, 9))), TEXT, 'level 9')\n"
             "EQ(z.decompress((z.compress(TEXT, 0))), TEXT, 'stored')\n"
             "local g = (z.compress(TEXT, 6, 8, 31))\n"
             "EQ(g:sub(1, 2), '\\31\\139', 'gzip magic')\n"
             "EQ(z.decompress(g), TEXT, 'gzip detected')\n"
             "local raw = (z.compress(TEXT, 6, 8, -15))\n"
             "EQ(z.decompress(raw, -15), TEXT, 'raw deflate')\n"
             "EQ(z.decompress((z.compress(''))), '', 'empty')\n"
             "EQ(z.decompress(''), '', 'empty input')\n"
             "local bin = ''\n"
             "for i = 0, 255 do bin = bin .. string.char(i) end\n"
             "EQ(z.decompress((z.compress(bin:rep(40), 1, 8, 15, 1, 0))), "
             "bin:rep(40),\n"
             "  'memLevel 1, all bytes')\n"
             "local bad, code = z.compress('x', 6, 7)\n"
             "EQ(bad, nil, 'bad method'); EQ(code, -2.0, 'Z_STREAM_ERROR')\n"
             "EQ(math.type(code), 'float', 'status is a float')\n"
             "EQ(select(2, z.compress('x')), 1.0, 'Z_STREAM_END')\n"
             "RAISES('bad argument', z.compress)\n"
             "RAISES('zlib:', z.decompress, 'not compressed at all')\n"
             "RAISES('unexpected end', z.decompress, c:sub(1, #c - 8))\n"
             "RAISES('invalid windowBits', z.decompress, c, 99)\n"
             "RAISES('invalid windowBits', z.decompress, z.compress('x'))\n");
}

static void test_bomb(void **state) {
  /* 65 MiB of zeros is ~64 KiB compressed: over our bound. */
  run(state, "local c = (z.compress(('\\0'):rep(65 * 1024 * 1024), 9))\n"
             "assert(#c < 200000, 'small')\n"
             "RAISES('larger than', z.decompress, c)\n"
             "local s = z.inflate(c)\n"
             "EQ(#s:read(1000), 1000, 'bounded reads still work')\n"
             "RAISES('larger than', s.read, s, '*a')\n"
             "s:close()\n");
}

/* Runs gzip(1) on data and returns its output (malloc'd) in *out. */
static size_t gzip_file(const char *data, size_t n, char **out) {
  char path[] = "/tmp/test_lib_zlib_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, n), (ssize_t)n);
  close(fd);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "gzip -c -9 %s", path);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t cap = 1 << 20, len = 0, got;
  *out = malloc(cap);
  assert_non_null(*out);
  while ((got = fread(*out + len, 1, cap - len, p)) > 0) {
    len += got;
    assert_true(len < cap);
  }
  assert_int_equal(pclose(p), 0);
  unlink(path);
  return len;
}

static void test_gzip_stream(void **state) {
  lua_State *L = *state;
  lua_getglobal(L, "TEXT");
  size_t n;
  const char *text = lua_tolstring(L, -1, &n);
  char *gz;
  size_t gzlen = gzip_file(text, n, &gz);
  lua_pop(L, 1);
  lua_pushlstring(L, gz, gzlen);
  lua_setglobal(L, "GZ");
  free(gz);
  run(state,
      "EQ(GZ:sub(1, 2), '\\31\\139', 'made by gzip')\n"
      "local s = z.inflate(GZ)\n"
      "EQ(s:read('*a'), TEXT, 'read *a')\n"
      "EQ(s:read('*a'), '', 'then empty')\n"
      "EQ(s:read(1), nil, 'then EOF')\n"
      "EQ(s:close(), true, 'close')\n"
      "RAISES('closed', s.read, s)\n"
      "s = z.inflate(GZ)\n"
      "EQ(s:read(), 'line 1 ab', 'default *l')\n"
      "EQ(s:read('*l'), 'line 2 abab', '*l')\n"
      "EQ(s:read('L'), 'line 3 ababab\\n', 'L keeps newline')\n"
      "EQ(s:read(5), 'line ', 'count')\n"
      "local a, b = s:read(1, '*l')\n"
      "EQ(a .. '|' .. b, '4| abababab', 'two formats')\n"
      "EQ(s:read(0), '', 'zero')\n"
      "local n = 4\n"
      "for l in s:lines() do n = n + 1; last = l end\n"
      "EQ(n, 301, 'lines')\n"
      "EQ(last, '\\0\\255 tail without newline', 'last line')\n"
      "EQ(s:read(), nil, 'EOF line')\n"
      "s:close(); EQ(s:close(), true, 'close twice')\n"
      "RAISES('invalid format', z.inflate(GZ).read, z.inflate(GZ), '*x')\n"
      /* http.lua's own vector and its empty-body case. */
      "local h = ('1f8b0800000000000000f348cdc9c9d75108cf2fca49510400d0c34aec0d"
      "000000'):gsub('%x%x', function(x)\n"
      "  return string.char(tonumber(x, 16)) end)\n"
      "EQ(z.inflate(h):read('*a'), 'Hello, World!', 'http vector')\n"
      "EQ(z.inflate(''):read(1000), nil, 'empty body')\n"
      /* A cut stream ends early; a corrupt one raises. */
      "EQ(TEXT:find(z.inflate(GZ:sub(1, #GZ // 2)):read('*a'), 1, true), 1,\n"
      "  'truncated prefix')\n"
      "RAISES('zlib:', z.inflate(('x'):rep(30)).read, "
      "z.inflate(('x'):rep(30)), '*a')\n");
}

static void test_sources_and_sinks(void **state) {
  run(state,
      /* Function source delivering the compressed bytes 7 at a time. */
      "local c = (z.compress(TEXT))\n"
      "local pos = 1\n"
      "local s = z.inflate(function()\n"
      "  local piece = c:sub(pos, pos + 6); pos = pos + 7\n"
      "  if piece ~= '' then return piece end\n"
      "end)\n"
      "EQ(s:read('*a'), TEXT, 'function source')\n"
      "local src = {data = c, read = function(self)\n"
      "  local d = self.data; self.data = nil; return d end}\n"
      "EQ(z.inflate(src):read('*a'), TEXT, 'object source')\n"
      "RAISES('bad argument', z.inflate, 42)\n"
      /* Function sink. */
      "local parts = {}\n"
      "local d = z.deflate(function(p) parts[#parts + 1] = p end, 9)\n"
      "EQ(d:write(TEXT:sub(1, 1000), TEXT:sub(1001)), true, 'write')\n"
      "EQ(d:close(), true, 'close')\n"
      "EQ(z.decompress(table.concat(parts)), TEXT, 'function sink')\n"
      /* Object sink, sync flush midway, gzip format. */
      "local sink = {buf = {}, write = function(self, p)\n"
      "  self.buf[#self.buf + 1] = p end}\n"
      "d = z.deflate(sink, 6, 8, 31)\n"
      "d:write('first half ')\n"
      "d:flush('sync')\n"
      "local so_far = table.concat(sink.buf)\n"
      "EQ(z.inflate(so_far):read('*a'), 'first half ', 'sync flush')\n"
      "d:write('second half')\n"
      "d:flush('finish')\n"
      "RAISES('finished', d.write, d, 'more')\n"
      "d:close()\n"
      "EQ(z.decompress(table.concat(sink.buf)), 'first half second half',\n"
      "  'object sink gzip')\n"
      "RAISES('bad argument', d.flush, z.deflate(print), 'sideways')\n"
      /* A preset dictionary, raw and zlib-wrapped. */
      "local dict = 'line ababab'\n"
      "parts = {}\n"
      "d = z.deflate(function(p) parts[#parts + 1] = p end, 6, 8, 15, 8, 0,\n"
      "  dict)\n"
      "d:write(TEXT); d:close()\n"
      "local cd = table.concat(parts)\n"
      "EQ(z.inflate(cd, 15, dict):read('*a'), TEXT, 'dictionary')\n"
      "RAISES('dictionary', z.inflate(cd).read, z.inflate(cd), '*a')\n"
      "parts = {}\n"
      "d = z.deflate(function(p) parts[#parts + 1] = p end, 6, 8, -15, 8, 0,\n"
      "  dict)\n"
      "d:write(TEXT); d:close()\n"
      "EQ(z.inflate(table.concat(parts), -15, dict):read('*a'), TEXT,\n"
      "  'raw dictionary')\n"
      "RAISES('bad argument', z.deflate, 'not a sink')\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_checksums, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_compress, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_bomb, setup, lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_gzip_stream, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_sources_and_sinks, setup,
                                      lua_harness_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
