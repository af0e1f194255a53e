-- Tests for the openssl and zlib C modules as scripts see them: globals and
-- require, the protocol recipes nselib builds on them (LM and NT hashes as
-- smbauth computes them, CRAM-MD5 as sasl does, a Diffie-Hellman exchange
-- with bignums, gzip bodies as http decodes them), and clean errors.
local stdnse = require "stdnse"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for the openssl and zlib modules."
categories = {"safe"}

prerule = function() return true end

local function hex(s)
  return stdnse.tohex(s)
end

local function utf16le(s)
  return (s:gsub(".", "%0\0"))
end

local cases = {
  {"globals and require", function()
    H.eq(type(openssl), "table", "openssl global")
    H.eq(type(zlib), "table", "zlib global")
    H.eq(require "openssl", openssl, "require openssl")
    H.eq(require "zlib", zlib, "require zlib")
    local ok, z = pcall(require, "zlib")
    H.eq(ok and z == zlib, true, "pcall(require) as http.lua does")
  end},
  {"LM and NT hashes", function()
    local function lm(pw)
      pw = (pw:upper() .. string.rep("\0", 14)):sub(1, 14)
      local k1 = openssl.DES_string_to_key(pw:sub(1, 7))
      local k2 = openssl.DES_string_to_key(pw:sub(8, 14))
      return openssl.encrypt("DES", k1, nil, "KGS!@#$%") ..
        openssl.encrypt("DES", k2, nil, "KGS!@#$%")
    end
    H.eq(hex(lm("password")), "e52cac67419a9a224a3b108f3fa6cb6d", "LM")
    H.eq(hex(openssl.md4(utf16le("password"))),
      "8846f7eaee8fb117ad06bdd830b7586c", "NT")
  end},
  {"CRAM-MD5 (RFC 2195)", function()
    local d = openssl.hmac("md5", "tanstaaftanstaaf",
      "<1896.697170952@postoffice.reston.mci.net>")
    H.eq(hex(d), "b913a602c7eda7a495b4e6e7334d3890", "digest")
  end},
  {"digests by name", function()
    H.eq(hex(openssl.sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d",
      "sha1")
    H.eq(hex(openssl.digest("sha256", "")),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "sha256 empty")
    H.raises(function() openssl.digest("no-such", "x") end,
      "Unknown digest algorithm: no-such", "unknown digest")
  end},
  {"Diffie-Hellman with bignums", function()
    local p = openssl.bignum_dec2bn("4294967291") -- the largest 32-bit prime
    local g = openssl.bignum_dec2bn("5")
    local a = openssl.bignum_dec2bn("123456789")
    local b = openssl.bignum_dec2bn("987654321")
    local A = openssl.bignum_mod_exp(g, a, p)
    local B = openssl.bignum_mod_exp(g, b, p)
    local s1 = openssl.bignum_mod_exp(B, a, p):todec()
    local s2 = openssl.bignum_mod_exp(A, b, p):todec()
    H.eq(s1, s2, "shared secret")
    H.eq(type(A), "userdata", "bignum type")
    H.eq(openssl.bignum_is_prime(p), true, "p prime")
    H.eq(openssl.bignum_bn2hex(openssl.bignum_bin2bn("\1\0")), "0100", "hex")
    local q, r = openssl.bignum_div(p, g)
    H.eq(openssl.bignum_add(openssl.bignum_dec2bn("4294967290"), r):todec(),
      "4294967291", "add")
    H.eq(q:todec() .. "/" .. r:todec(), "858993458/1", "div")
  end},
  {"ciphers round trip", function()
    local key = openssl.rand_bytes(16)
    local iv = openssl.rand_pseudo_bytes(16)
    local c = openssl.encrypt("aes-128-cbc", key, iv, "attack at dawn", true)
    H.eq(#c, 16, "one padded block")
    H.eq(openssl.decrypt("aes-128-cbc", key, iv, c, true), "attack at dawn",
      "decrypt")
    H.eq(hex(openssl.encrypt("rc4", "Key", nil, "Plaintext")),
      "bbf316e8d940af0ad3", "rc4")
    H.raises(function() openssl.encrypt("aes-128-cbc", key, iv, "odd") end,
      "OpenSSL error", "partial block without padding")
    H.raises(function() openssl.encrypt("aes-128-cbc", key, "short", "x") end,
      "Length of iv is 5; should be 16", "iv length")
  end},
  {"gzip body as http decodes it", function()
    local body = string.rep("Hello, World!\n", 50)
    local gz = zlib.compress(body, 9, 8, 31)
    H.eq(gz:sub(1, 2), "\31\139", "gzip magic")
    local stream = zlib.inflate(gz)
    local ok, out = pcall(stream.read, stream, "*a")
    stream:close()
    H.eq(ok and out, body, "inflate *a")
    stream = zlib.inflate(gz)
    H.eq(stream:read(14), "Hello, World!\n", "counted read")
    local n = 1
    for line in stream:lines() do
      H.eq(line, "Hello, World!", "line")
      n = n + 1
    end
    H.eq(n, 50, "all lines")
    stream:close()
    stream = zlib.inflate("this is not gzip")
    H.eq(pcall(stream.read, stream, "*a"), false, "corrupt body raises")
    stream:close()
  end},
  {"compress and deflate streams", function()
    local data = string.rep("abc", 1000)
    -- compress returns the data and zlib's status, as lzlib does.
    local c, status = zlib.compress(data)
    H.eq(status, 1.0, "Z_STREAM_END")
    H.eq(zlib.decompress(c), data, "compress")
    local parts = {}
    local d = zlib.deflate(function(p) parts[#parts + 1] = p end)
    d:write(data:sub(1, 1500), data:sub(1501))
    d:close()
    H.eq(zlib.decompress(table.concat(parts)), data, "deflate stream")
    H.eq(zlib.crc32(0, "The quick brown fox jumps over the lazy dog"),
      1095738169.0, "crc32 (a float, as lzlib's)")
    H.raises(function() zlib.decompress("garbage") end, nil, "garbage")
    H.eq(zlib.GZIP_WINDOWBITS, 16, "constant")
  end},
}

action = function()
  return H.run(cases)
end
