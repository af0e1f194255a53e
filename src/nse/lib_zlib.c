/* The `zlib` C module (see lib_zlib.h), written over zlib with the Lua API
 * of Nmap's zlib.luadoc: version, adler32, crc32, compress, decompress,
 * inflate(source) -> stream with :read/:lines/:close, and
 * deflate(sink) -> stream with :write/:flush/:close.
 *
 * A stream is a userdata whose z_stream lives inside it; its user values
 * keep alive what zlib points into: 1 = the source or sink, 2 = the input
 * string being inflated, 3 = the preset dictionary. __gc ends the
 * z_stream, so a Lua error anywhere leaks nothing.
 *
 * Inflate defaults to windowBits 15 + 32 (zlib or gzip header, detected),
 * which is what http.lua relies on for "Content-Encoding: gzip". Inflated
 * output held by a stream is bounded (ZLIB_MAX_OUT): a small hostile
 * input cannot make us allocate without limit. */
#include "nse/lib_zlib.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <zlib.h>

#include "core/xalloc.h"

#define INFLATE_MT "portolan.zlib.inflate"
#define DEFLATE_MT "portolan.zlib.deflate"
#define CHUNK 16384
/* Most inflated bytes a stream buffers; "*a" past it raises. */
#define ZLIB_MAX_OUT ((size_t)64 * 1024 * 1024)

enum { UV_IO = 1, UV_INPUT = 2, UV_DICT = 3 };

struct zs {
  z_stream z;
  int open;              /* z is initialised and not yet ended */
  int ended;             /* inflate: Z_STREAM_END seen; deflate: finished */
  int src_done;          /* inflate: the source has nothing more */
  int strict;            /* inflate: truncated input raises (decompress) */
  size_t in_pos, in_len; /* unread part of user value UV_INPUT */
  char *out;             /* inflated bytes not yet read */
  size_t len, cap;
};

static struct zs *check_zs(lua_State *L, int idx, const char *mt) {
  struct zs *s = luaL_checkudata(L, idx, mt);
  if (!s->open)
    luaL_argerror(L, idx, "stream is closed");
  return s;
}

/* Idempotent release shared by close and __gc. */
static void zs_release(struct zs *s, int inflating) {
  if (s->open) {
    if (inflating)
      inflateEnd(&s->z);
    else
      deflateEnd(&s->z);
    s->open = 0;
  }
  free(s->out);
  s->out = NULL;
  s->len = s->cap = 0;
}

/* [-0, +1, m] A closed stream userdata with the metatable mt. */
static struct zs *zs_new(lua_State *L, const char *mt) {
  struct zs *s = lua_newuserdatauv(L, sizeof *s, 3);
  memset(s, 0, sizeof *s);
  luaL_setmetatable(L, mt);
  return s;
}

static int raise_z(lua_State *L, struct zs *s, int r) {
  const char *msg = s->z.msg != NULL ? s->z.msg : zError(r);
  return luaL_error(L, "zlib: %s", msg);
}

/* ---- inflate ---- */

/* [-0, +0, e] Loads the next chunk of compressed input from the source of
 * the stream at idx. Returns 0 when the source is exhausted. */
static int pull_input(lua_State *L, int idx, struct zs *s) {
  if (s->src_done)
    return 0;
  int t = lua_getiuservalue(L, idx, UV_IO);
  if (t == LUA_TSTRING) {
    s->src_done = 1; /* a string source is the whole input */
  } else if (t == LUA_TFUNCTION) {
    lua_call(L, 0, 1);
  } else {
    lua_getfield(L, -1, "read");
    lua_insert(L, -2);
    lua_call(L, 1, 1);
  }
  size_t n = 0;
  if (lua_type(L, -1) == LUA_TSTRING)
    lua_tolstring(L, -1, &n);
  if (n == 0) {
    s->src_done = 1;
    lua_pop(L, 1);
    return 0;
  }
  lua_setiuservalue(L, idx, UV_INPUT);
  s->in_pos = 0;
  s->in_len = n;
  return 1;
}

/* [-0, +0, e] Runs inflate until the stream at idx holds `want` bytes, or
 * a newline if want_line, or the whole output if want is SIZE_MAX, or the
 * compressed stream ends. */
static void fill(lua_State *L, int idx, struct zs *s, size_t want,
                 int want_line) {
  size_t scanned = 0;
  for (;;) {
    if (want_line) {
      if (s->len > scanned &&
          memchr(s->out + scanned, '\n', s->len - scanned) != NULL)
        return;
      scanned = s->len;
    } else if (s->len >= want) {
      return;
    }
    if (s->ended)
      return;
    if (s->in_pos == s->in_len)
      pull_input(L, idx, s);
    if (s->len + CHUNK > ZLIB_MAX_OUT)
      luaL_error(L, "zlib: inflated data larger than %d bytes",
                 (int)ZLIB_MAX_OUT);
    s->out = xgrow(s->out, &s->cap, s->len + CHUNK, 1);

    /* The input stays referenced by its user value while zlib reads it. */
    lua_getiuservalue(L, idx, UV_INPUT);
    const char *in = lua_tostring(L, -1);
    lua_pop(L, 1);
    size_t avail = in != NULL ? s->in_len - s->in_pos : 0;
    s->z.next_in = in != NULL ? (Bytef *)(in + s->in_pos) : Z_NULL;
    s->z.avail_in = avail > UINT_MAX ? UINT_MAX : (uInt)avail;
    s->z.next_out = (Bytef *)(s->out + s->len);
    s->z.avail_out = CHUNK;
    int r = inflate(&s->z, Z_NO_FLUSH);
    size_t used = (size_t)(avail > UINT_MAX ? UINT_MAX : avail) - s->z.avail_in;
    size_t made = CHUNK - s->z.avail_out;
    s->in_pos += used;
    s->len += made;
    s->z.next_in = Z_NULL;
    s->z.avail_in = 0;
    /* No progress with no input left: the compressed data is cut short.
     * A stream then ends with what it produced (as lzlib's do, and as an
     * empty gzip body must in http.lua); decompress wants it whole. An
     * empty input is an empty output for both. */
    if (r == Z_BUF_ERROR && used == 0 && made == 0 && s->src_done &&
        s->in_pos == s->in_len) {
      if (s->strict && s->z.total_in > 0)
        luaL_error(L, "zlib: unexpected end of compressed data");
      s->ended = 1;
      return;
    }
    if (r == Z_NEED_DICT) {
      size_t dlen;
      if (lua_getiuservalue(L, idx, UV_DICT) != LUA_TSTRING)
        luaL_error(L, "zlib: a preset dictionary is needed");
      const char *d = lua_tolstring(L, -1, &dlen);
      r = inflateSetDictionary(&s->z, (const Bytef *)d, (uInt)dlen);
      lua_pop(L, 1);
    }
    if (r == Z_STREAM_END)
      s->ended = 1;
    else if (r != Z_OK && r != Z_BUF_ERROR)
      raise_z(L, s, r);
  }
}

/* [-0, +1, m] Pushes the first n buffered bytes and drops them. */
static void take(lua_State *L, struct zs *s, size_t n) {
  if (n == 0) {
    lua_pushliteral(L, ""); /* s->out may be NULL */
    return;
  }
  lua_pushlstring(L, s->out, n);
  if (s->len > n)
    memmove(s->out, s->out + n, s->len - n);
  s->len -= n;
}

/* [-0, +1, e] One read format; pushes nil at end of stream. */
static int read_one(lua_State *L, struct zs *s, int arg) {
  if (lua_type(L, arg) == LUA_TNUMBER) {
    lua_Integer n = luaL_checkinteger(L, arg);
    luaL_argcheck(L, n >= 0, arg, "negative count");
    size_t want = (lua_Unsigned)n > ZLIB_MAX_OUT ? ZLIB_MAX_OUT : (size_t)n;
    fill(L, 1, s, want > 0 ? want : 1, 0);
    if (s->len == 0) {
      lua_pushnil(L);
      return 0;
    }
    take(L, s, want < s->len ? want : s->len);
    return 1;
  }
  const char *f = luaL_optstring(L, arg, "*l");
  if (*f == '*')
    f++;
  switch (*f) {
  case 'a':
    fill(L, 1, s, SIZE_MAX, 0);
    take(L, s, s->len);
    return 1;
  case 'l':
  case 'L': {
    fill(L, 1, s, 0, 1);
    if (s->len == 0) {
      lua_pushnil(L);
      return 0;
    }
    const char *nl = memchr(s->out, '\n', s->len);
    size_t n = nl != NULL ? (size_t)(nl - s->out) + 1 : s->len;
    take(L, s, *f == 'L' || nl == NULL ? n : n - 1);
    if (*f == 'l' && nl != NULL) {
      /* drop the newline itself */
      memmove(s->out, s->out + 1, s->len - 1);
      s->len--;
    }
    return 1;
  }
  default:
    return luaL_argerror(L, arg, "invalid format");
  }
}

/* [-0, +n, e] stream:read(...) with io-style formats; default "*l". */
static int inflate_read(lua_State *L) {
  struct zs *s = check_zs(L, 1, INFLATE_MT);
  int nargs = lua_gettop(L) - 1;
  if (nargs == 0) {
    read_one(L, s, 2);
    return 1;
  }
  luaL_checkstack(L, nargs, "too many formats");
  int i;
  for (i = 2; i <= nargs + 1; i++)
    if (!read_one(L, s, i))
      return i - 1;
  return nargs;
}

static int lines_step(lua_State *L) {
  lua_settop(L, 0);
  lua_pushvalue(L, lua_upvalueindex(1));
  struct zs *s = check_zs(L, 1, INFLATE_MT);
  read_one(L, s, 2);
  return 1;
}

/* [-0, +1, e] stream:lines() */
static int inflate_lines(lua_State *L) {
  check_zs(L, 1, INFLATE_MT);
  lua_settop(L, 1);
  lua_pushcclosure(L, lines_step, 1);
  return 1;
}

static int inflate_close(lua_State *L) {
  zs_release(luaL_checkudata(L, 1, INFLATE_MT), 1);
  lua_pushboolean(L, 1);
  return 1;
}

static int inflate_gc(lua_State *L) {
  zs_release(luaL_checkudata(L, 1, INFLATE_MT), 1);
  return 0;
}

/* [-0, +1, e] Pushes an open inflate stream over the source at index 1. */
static struct zs *inflate_new(lua_State *L, int wbits, int dict_idx) {
  int t = lua_type(L, 1);
  luaL_argcheck(L,
                t == LUA_TSTRING || t == LUA_TFUNCTION || t == LUA_TTABLE ||
                    t == LUA_TUSERDATA,
                1, "string, function or object with a read method expected");
  struct zs *s = zs_new(L, INFLATE_MT);
  int ud = lua_gettop(L);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, ud, UV_IO);
  if (dict_idx != 0 && !lua_isnoneornil(L, dict_idx)) {
    luaL_checkstring(L, dict_idx);
    lua_pushvalue(L, dict_idx);
    lua_setiuservalue(L, ud, UV_DICT);
  }
  int r = inflateInit2(&s->z, wbits);
  if (r != Z_OK)
    raise_z(L, s, r);
  s->open = 1;
  /* Raw deflate has no header to ask for the dictionary: set it now. */
  if (wbits < 0 && lua_getiuservalue(L, ud, UV_DICT) == LUA_TSTRING) {
    size_t dlen;
    const char *d = lua_tolstring(L, -1, &dlen);
    inflateSetDictionary(&s->z, (const Bytef *)d, (uInt)dlen);
  }
  lua_settop(L, ud);
  return s;
}

static int opt_wbits(lua_State *L, int idx, int def) {
  lua_Integer w = luaL_optinteger(L, idx, def);
  /* 0 (the header's size), raw -15..-8, and 8..15 plus 16 (gzip) or 32
   * (detect). */
  int ok =
      w == 0 || (w >= -15 && w <= -8) || (w >= 8 && (w & 15) >= 8 && w <= 47);
  luaL_argcheck(L, ok, idx, "invalid windowBits");
  return (int)w;
}

/* [-0, +1, e] zlib.inflate(source [, windowBits [, dictionary]]) */
static int zlib_inflate(lua_State *L) {
  int wbits = opt_wbits(L, 2, MAX_WBITS + 32);
  inflate_new(L, wbits, 3);
  return 1;
}

/* [-0, +1, e] zlib.decompress(buffer [, windowBits]) */
static int zlib_decompress(lua_State *L) {
  luaL_checkstring(L, 1);
  int wbits = opt_wbits(L, 2, MAX_WBITS + 32);
  lua_settop(L, 2);
  struct zs *s = inflate_new(L, wbits, 0);
  int ud = lua_gettop(L);
  s->strict = 1;
  fill(L, ud, s, SIZE_MAX, 0);
  take(L, s, s->len);
  zs_release(s, 1);
  return 1;
}

/* ---- deflate ---- */

/* [-0, +0, e] Hands n compressed bytes to the sink of the stream at 1. */
static void emit(lua_State *L, const char *p, size_t n) {
  if (n == 0)
    return;
  if (lua_getiuservalue(L, 1, UV_IO) == LUA_TFUNCTION) {
    lua_pushlstring(L, p, n);
    lua_call(L, 1, 0);
    return;
  }
  lua_getfield(L, -1, "write");
  lua_insert(L, -2);
  lua_pushlstring(L, p, n);
  lua_call(L, 2, 0);
}

/* [-0, +0, e] Compresses in[0..n) with the given flush, feeding the sink. */
static void pump(lua_State *L, struct zs *s, const char *in, size_t n,
                 int flush) {
  char out[CHUNK];
  for (;;) {
    size_t step = n > UINT_MAX ? UINT_MAX : n;
    s->z.next_in = (Bytef *)in;
    s->z.avail_in = (uInt)step;
    s->z.next_out = (Bytef *)out;
    s->z.avail_out = sizeof out;
    int f = n > step ? Z_NO_FLUSH : flush;
    int r = deflate(&s->z, f);
    size_t used = step - s->z.avail_in;
    size_t made = sizeof out - s->z.avail_out;
    in += used;
    n -= used;
    s->z.next_in = NULL;
    s->z.avail_in = 0;
    if (r == Z_STREAM_END)
      s->ended = 1;
    else if (r != Z_OK && r != Z_BUF_ERROR)
      raise_z(L, s, r);
    emit(L, out, made);
    if (s->ended || (n == 0 && made < sizeof out && f != Z_FINISH))
      return;
  }
}

/* [-0, +1, e] stream:write(...) */
static int deflate_write(lua_State *L) {
  struct zs *s = check_zs(L, 1, DEFLATE_MT);
  luaL_argcheck(L, !s->ended, 1, "stream is finished");
  int top = lua_gettop(L);
  for (int i = 2; i <= top; i++)
    luaL_checkstring(L, i);
  for (int i = 2; i <= top; i++) {
    size_t n;
    const char *p = lua_tolstring(L, i, &n);
    pump(L, s, p, n, Z_NO_FLUSH);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* [-0, +1, e] stream:flush(["sync"|"full"|"finish"]) */
static int deflate_flush(lua_State *L) {
  static const char *const kinds[] = {"sync", "full", "finish", NULL};
  static const int modes[] = {Z_SYNC_FLUSH, Z_FULL_FLUSH, Z_FINISH};
  struct zs *s = check_zs(L, 1, DEFLATE_MT);
  int k = luaL_checkoption(L, 2, "sync", kinds);
  if (!s->ended)
    pump(L, s, "", 0, modes[k]);
  lua_pushboolean(L, 1);
  return 1;
}

/* [-0, +1, e] stream:close(): finishes the stream, then ends it. */
static int deflate_close(lua_State *L) {
  struct zs *s = luaL_checkudata(L, 1, DEFLATE_MT);
  if (s->open && !s->ended)
    pump(L, s, "", 0, Z_FINISH);
  zs_release(s, 0);
  lua_pushboolean(L, 1);
  return 1;
}

static int deflate_gc(lua_State *L) {
  zs_release(luaL_checkudata(L, 1, DEFLATE_MT), 0);
  return 0;
}

struct dparams {
  int level, method, wbits, memlevel, strategy;
};

static void check_dparams(lua_State *L, int idx, struct dparams *p) {
  lua_Integer v[5];
  static const lua_Integer def[5] = {Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                                     MAX_WBITS, 8, Z_DEFAULT_STRATEGY};
  for (int i = 0; i < 5; i++) {
    v[i] = luaL_optinteger(L, idx + i, def[i]);
    luaL_argcheck(L, v[i] >= -64 && v[i] <= 64, idx + i, "out of range");
  }
  p->level = (int)v[0];
  p->method = (int)v[1];
  p->wbits = (int)v[2];
  p->memlevel = (int)v[3];
  p->strategy = (int)v[4];
}

/* [-0, +1, e] zlib.deflate(sink [, level, method, windowBits, memLevel,
 * strategy, dictionary]) */
static int zlib_deflate(lua_State *L) {
  int t = lua_type(L, 1);
  luaL_argcheck(L, t == LUA_TFUNCTION || t == LUA_TTABLE || t == LUA_TUSERDATA,
                1, "function or object with a write method expected");
  struct dparams p;
  check_dparams(L, 2, &p);
  size_t dlen = 0;
  const char *dict = luaL_optlstring(L, 7, NULL, &dlen);
  luaL_argcheck(L, dlen <= UINT_MAX, 7, "dictionary too long");
  struct zs *s = zs_new(L, DEFLATE_MT);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, UV_IO);
  int r =
      deflateInit2(&s->z, p.level, p.method, p.wbits, p.memlevel, p.strategy);
  if (r != Z_OK)
    return raise_z(L, s, r);
  s->open = 1;
  if (dict != NULL) {
    r = deflateSetDictionary(&s->z, (const Bytef *)dict, (uInt)dlen);
    if (r != Z_OK)
      return raise_z(L, s, r);
  }
  return 1;
}

/* [-0, +2, e] zlib.compress(buffer [, level, method, windowBits, memLevel,
 * strategy]) -> compressed, status; or nil, status for bad parameters. */
static int zlib_compress(lua_State *L) {
  size_t n;
  const char *in = luaL_checklstring(L, 1, &n);
  struct dparams p;
  check_dparams(L, 2, &p);
  luaL_argcheck(L, n <= UINT_MAX / 2, 1, "buffer too long");
  /* Above deflateBound() for any parameters: stored blocks plus the
   * largest (gzip) wrapper. */
  size_t bound = n + (n >> 3) + (n >> 6) + 64;
  luaL_Buffer b;
  char *out = luaL_buffinitsize(L, &b, bound);
  z_stream z;
  memset(&z, 0, sizeof z);
  int r = deflateInit2(&z, p.level, p.method, p.wbits, p.memlevel, p.strategy);
  if (r != Z_OK) {
    /* lzlib's shape: nil and zlib's status, as a float. */
    lua_pushnil(L);
    lua_pushnumber(L, r);
    return 2;
  }
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)bound;
  r = deflate(&z, Z_FINISH);
  size_t made = bound - z.avail_out;
  deflateEnd(&z);
  if (r != Z_STREAM_END)
    return luaL_error(L, "zlib: %s", zError(r));
  luaL_pushresultsize(&b, made);
  lua_pushnumber(L, r); /* Z_STREAM_END, as lzlib returns it */
  return 2;
}

/* ---- checksums and version ---- */

/* [-0, +1, e] adler32([adler, buffer]) and crc32([crc, buffer]): with no
 * buffer, the initial value (or the one given). */
static int checksum(lua_State *L, int crc) {
  uLong init = crc ? crc32(0L, Z_NULL, 0) : adler32(0L, Z_NULL, 0);
  lua_Integer v = luaL_optinteger(L, 1, (lua_Integer)init);
  luaL_argcheck(L, v >= 0 && v <= 0xffffffffLL, 1, "checksum out of range");
  size_t n;
  const char *p = luaL_optlstring(L, 2, NULL, &n);
  uLong r = (uLong)v;
  if (p != NULL)
    r = crc ? crc32_z(r, (const Bytef *)p, n)
            : adler32_z(r, (const Bytef *)p, n);
  lua_pushnumber(L, (lua_Number)r); /* a float, as lzlib's */
  return 1;
}

static int zlib_adler32(lua_State *L) {
  return checksum(L, 0);
}

static int zlib_crc32(lua_State *L) {
  return checksum(L, 1);
}

static int zlib_getversion(lua_State *L) {
  lua_pushstring(L, zlibVersion());
  return 1;
}

static const luaL_Reg inflate_methods[] = {
    {"read", inflate_read},
    {"lines", inflate_lines},
    {"close", inflate_close},
    {NULL, NULL},
};

static const luaL_Reg deflate_methods[] = {
    {"write", deflate_write},
    {"flush", deflate_flush},
    {"close", deflate_close},
    {NULL, NULL},
};

static const luaL_Reg zlib_funcs[] = {
    {"version", zlib_getversion},    {"adler32", zlib_adler32},
    {"crc32", zlib_crc32},           {"compress", zlib_compress},
    {"decompress", zlib_decompress}, {"inflate", zlib_inflate},
    {"deflate", zlib_deflate},       {NULL, NULL},
};

static void new_mt(lua_State *L, const char *name, const luaL_Reg *methods,
                   lua_CFunction gc) {
  luaL_newmetatable(L, name);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, gc);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
}

/* lzlib's constants; the two *_WINDOWBITS are what is added to a window
 * size to ask for a gzip wrapper or raw deflate. */
static const struct {
  const char *name;
  int value;
} zlib_consts[] = {
    {"BEST_COMPRESSION", Z_BEST_COMPRESSION},
    {"BEST_SPEED", Z_BEST_SPEED},
    {"DEFAULT_COMPRESSION", Z_DEFAULT_COMPRESSION},
    {"DEFAULT_MEMLEVEL", 8},
    {"DEFAULT_STRATEGY", Z_DEFAULT_STRATEGY},
    {"DEFAULT_WINDOWBITS", MAX_WBITS},
    {"FILTERED", Z_FILTERED},
    {"FIXED", Z_FIXED},
    {"GZIP_WINDOWBITS", 16},
    {"HUFFMAN_ONLY", Z_HUFFMAN_ONLY},
    {"MAXIMUM_MEMLEVEL", 9},
    {"MAXIMUM_WINDOWBITS", MAX_WBITS},
    {"MINIMUM_MEMLEVEL", 1},
    {"MINIMUM_WINDOWBITS", 8},
    {"NO_COMPRESSION", Z_NO_COMPRESSION},
    {"RAW_WINDOWBITS", -1},
    {"RLE", Z_RLE},
};

int luaopen_zlib(lua_State *L) {
  new_mt(L, INFLATE_MT, inflate_methods, inflate_gc);
  new_mt(L, DEFLATE_MT, deflate_methods, deflate_gc);
  luaL_newlib(L, zlib_funcs);
  for (size_t i = 0; i < sizeof zlib_consts / sizeof zlib_consts[0]; i++) {
    lua_pushinteger(L, zlib_consts[i].value);
    lua_setfield(L, -2, zlib_consts[i].name);
  }
  lua_pushliteral(L, "lzlib 0.4-work3"); /* the API level we implement */
  lua_setfield(L, -2, "_VERSION");
  return 1;
}
