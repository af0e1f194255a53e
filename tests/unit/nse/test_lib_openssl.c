/* The `openssl` module on known-answer vectors: RFC 1320/1321, FIPS 180
 * and RFC 2202 digests and MACs, DES/3DES/AES/RC4 ciphers, the LM key
 * schedule through DES_string_to_key, bignum arithmetic, and the errors
 * bad arguments must raise. The checks run as Lua in a bare state with
 * only the module loaded (as global `o`), plus hex helpers H/X. */
#include "lua_harness.h"
#include "nse/lib_openssl.h"

static const char prelude[] =
    "function H(s) return (s:gsub('.', function(c)\n"
    "  return string.format('%02x', c:byte()) end)) end\n"
    "function X(h) return (h:gsub('%x%x', function(x)\n"
    "  return string.char(tonumber(x, 16)) end)) end\n";

static int setup(void **state) {
  return lua_harness_setup(state, "openssl", luaopen_openssl, "o", prelude);
}

static void test_digests(void **state) {
  run(state,
      "EQ(H(o.md5('')), 'd41d8cd98f00b204e9800998ecf8427e', 'md5 empty')\n"
      "EQ(H(o.md5('abc')), '900150983cd24fb0d6963f7d28e17f72', 'md5 abc')\n"
      "EQ(H(o.md5('message digest')), 'f96b697d7cb7938d525a2f31aaf161d0',\n"
      "  'md5 md')\n"
      "EQ(H(o.md4('')), '31d6cfe0d16ae931b73c59d7e0c089c0', 'md4 empty')\n"
      "EQ(H(o.md4('abc')), 'a448017aaf21d8525fc10ae87aa6729d', 'md4 abc')\n"
      "EQ(H(o.md4('message digest')), 'd9130a8164549fe818874806e1c7014b',\n"
      "  'md4 md')\n"
      "EQ(H(o.sha1('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d',\n"
      "  'sha1 abc')\n"
      "EQ(H(o.sha1('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'"
      ")),\n"
      "  '84983e441c3bd26ebaae4aa1f95129e5e54670f1', 'sha1 448 bits')\n"
      "EQ(H(o.ripemd160('abc')), '8eb208f7e05d987a9b044a8e98c6b087f15a0bfc',\n"
      "  'ripemd160')\n"
      "EQ(H(o.digest('sha256', 'abc')),\n"
      "  'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',\n"
      "  'sha256')\n"
      "EQ(o.digest('MD5', 'abc'), o.md5('abc'), 'upper-case name')\n"
      "EQ(o.digest('md4', 'abc'), o.md4('abc'), 'digest md4')\n"
      "EQ(H(o.md5('a\\0b')), H(o.digest('md5', 'a\\0b')), 'binary-safe')\n"
      "RAISES('Unknown digest algorithm: no-such-digest', o.digest, "
      "'no-such-digest', 'x')\n"
      "RAISES('bad argument', o.md5)\n"
      "RAISES('bad argument', o.digest, 'md5')\n");
}

static void test_hmac(void **state) {
  run(state,
      "EQ(H(o.hmac('md5', ('\\11'):rep(16), 'Hi There')),\n"
      "  '9294727a3638bb1c13f48ef8158bfc9d', 'rfc2202 md5 1')\n"
      "EQ(H(o.hmac('md5', 'Jefe', 'what do ya want for nothing?')),\n"
      "  '750c783e6ab0b503eaa86e310a5db738', 'rfc2202 md5 2')\n"
      "EQ(H(o.hmac('MD5', ('\\170'):rep(80),\n"
      "  'Test Using Larger Than Block-Size Key - Hash Key First')),\n"
      "  '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd', 'rfc2202 md5 6')\n"
      "EQ(H(o.hmac('sha1', ('\\11'):rep(20), 'Hi There')),\n"
      "  'b617318655057264e28bc0b6fb378c8ef146be00', 'rfc2202 sha1 1')\n"
      "EQ(H(o.hmac('SHA1', 'Jefe', 'what do ya want for nothing?')),\n"
      "  'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79', 'rfc2202 sha1 2')\n"
      "EQ(H(o.hmac('md5', '', '')), '74e6f7298a9c2d168935f58c001bad88',\n"
      "  'empty key')\n"
      "EQ(#o.hmac('md4', 'k', 'm'), 16, 'hmac md4')\n"
      "RAISES('Unknown digest algorithm: nope', o.hmac, 'nope', 'k', 'm')\n"
      "RAISES('bad argument', o.hmac, 'md5', 'k')\n");
}

static void test_ciphers(void **state) {
  run(state,
      /* The classic DES worked example. */
      "local k = X('133457799bbcdff1')\n"
      "EQ(H(o.encrypt('des-ecb', k, nil, X('0123456789abcdef'))),\n"
      "  '85e813540f0ab405', 'des-ecb')\n"
      "EQ(H(o.decrypt('DES-ECB', k, nil, X('85e813540f0ab405'))),\n"
      "  '0123456789abcdef', 'des-ecb decrypt')\n"
      /* 'DES' is DES-CBC; with no IV (zeros) one block equals ECB. */
      "EQ(H(o.encrypt('DES', k, nil, X('0123456789abcdef'))),\n"
      "  '85e813540f0ab405', 'DES alias')\n"
      /* SP 800-67 three-key TDEA example. */
      "local k3 = X('0123456789abcdef23456789abcdef01456789abcdef0123')\n"
      "EQ(H(o.encrypt('des-ede3', k3, nil, 'The qufck brown fox jump')),\n"
      "  'a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900', '3des')\n"
      "EQ(o.decrypt('des-ede3', k3, nil,\n"
      "  X('a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900')),\n"
      "  'The qufck brown fox jump', '3des decrypt')\n"
      /* FIPS 197 C.1 and SP 800-38A F.2.1. */
      "EQ(H(o.encrypt('aes-128-ecb', X('000102030405060708090a0b0c0d0e0f'),"
      "\n"
      "  '', X('00112233445566778899aabbccddeeff'))),\n"
      "  '69c4e0d86a7b0430d8cdb78070b4c55a', 'aes-128 fips197')\n"
      "local ak = X('2b7e151628aed2a6abf7158809cf4f3c')\n"
      "local iv = X('000102030405060708090a0b0c0d0e0f')\n"
      "EQ(H(o.encrypt('AES-128-CBC', ak, iv,\n"
      "  X('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51'"
      "))),\n"
      "  '7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2',\n"
      "  'aes-128-cbc sp800-38a')\n"
      /* RC4 (variable key length). */
      "EQ(H(o.encrypt('rc4', 'Key', nil, 'Plaintext')),\n"
      "  'bbf316e8d940af0ad3', 'rc4 Key')\n"
      "EQ(H(o.encrypt('RC4', 'Secret', nil, 'Attack at dawn')),\n"
      "  '45a01f645fc35b383552544b9bf5', 'rc4 Secret')\n"
      /* Padding: off by default, so a partial block fails. */
      "local c = o.encrypt('aes-128-cbc', ak, iv, 'hello', true)\n"
      "EQ(#c, 16, 'padded length')\n"
      "EQ(o.decrypt('aes-128-cbc', ak, iv, c, true), 'hello', 'unpad')\n"
      "EQ(#o.decrypt('aes-128-cbc', ak, iv, c), 16, 'no unpad')\n"
      "RAISES('OpenSSL error', o.encrypt, 'aes-128-cbc', ak, iv, 'hi')\n"
      "RAISES('OpenSSL error', o.decrypt, 'aes-128-cbc', ak, iv,\n"
      "  ('x'):rep(16), true)\n"
      /* IV: nil or "" is zeros; any other length must be the cipher's. */
      "EQ(o.encrypt('aes-128-cbc', ak, '', ('z'):rep(16)),\n"
      "  o.encrypt('aes-128-cbc', ak, ('\\0'):rep(16), ('z'):rep(16)),\n"
      "  'empty iv')\n"
      "EQ(o.encrypt('aes-128-cbc', ak, nil, ('z'):rep(16)),\n"
      "  o.encrypt('aes-128-cbc', ak, ('\\0'):rep(16), ('z'):rep(16)),\n"
      "  'nil iv')\n"
      "RAISES('Length of iv is 2; should be 16', o.encrypt, 'aes-128-cbc',\n"
      "  ak, 'ab', ('z'):rep(16))\n"
      "RAISES('Length of iv is 3; should be 0', o.encrypt, 'aes-128-ecb',\n"
      "  ak, 'abc', ('z'):rep(16))\n"
      "RAISES('invalid key length 0', o.encrypt, 'rc4', '', nil, 'abc')\n"
      "RAISES('Unknown cipher algorithm: nope-cbc', o.encrypt, 'nope-cbc', "
      "'k', nil, 'x')\n"
      "RAISES('invalid key length', o.encrypt, 'aes-128-ecb', 'short', nil,\n"
      "  ('x'):rep(16))\n"
      "RAISES('invalid key length', o.encrypt, 'des-ecb', ('k'):rep(9), nil,\n"
      "  ('x'):rep(8))\n"
      "RAISES('bad argument', o.encrypt, 'des-ecb', k, nil)\n"
      "RAISES('bad argument', o.encrypt, 'des-ecb', {}, nil, 'x')\n");
}

static void test_des_key(void **state) {
  /* LM hash of "password", through the 7-byte key spreading and parity. */
  run(state,
      "local function lm(pw)\n"
      "  pw = (pw:upper() .. ('\\0'):rep(14)):sub(1, 14)\n"
      "  local k1 = o.DES_string_to_key(pw:sub(1, 7))\n"
      "  local k2 = o.DES_string_to_key(pw:sub(8, 14))\n"
      "  return o.encrypt('DES', k1, nil, 'KGS!@#$%') ..\n"
      "         o.encrypt('DES', k2, nil, 'KGS!@#$%')\n"
      "end\n"
      "EQ(H(lm('password')), 'e52cac67419a9a224a3b108f3fa6cb6d', 'LM')\n"
      "local k = o.DES_string_to_key(X('ffffffffffffff'))\n"
      "EQ(H(k), 'fefefefefefefefe', 'all ones')\n"
      "k = o.DES_string_to_key('\\1\\2\\3\\4\\5\\6\\7')\n"
      "EQ(H(k), '008080604028180e', 'spread, parity bits clear (as Nmap)')\n"
      "k = o.DES_string_to_key(X('00000000000000'))\n"
      "EQ(H(k), '0000000000000000', 'all zeros')\n"
      "RAISES('String must have length of 7 bytes.', o.DES_string_to_key,\n"
      "  'abc')\n");
}

static void test_rand_and_lists(void **state) {
  run(state,
      "EQ(#o.rand_bytes(32), 32, 'rand_bytes')\n"
      "EQ(o.rand_bytes(0), '', 'zero')\n"
      "EQ(#o.rand_pseudo_bytes(7), 7, 'pseudo')\n"
      "assert(o.rand_bytes(16) ~= o.rand_bytes(16), 'random')\n"
      "RAISES('out of range', o.rand_bytes, -1)\n"
      "RAISES('out of range', o.rand_bytes, 1 << 40)\n"
      "RAISES('bad argument', o.rand_bytes, 'x')\n"
      "local function has(t, n)\n"
      "  for _, v in ipairs(t) do if v == n then return true end end\n"
      "end\n"
      "local d, c = o.supported_digests(), o.supported_ciphers()\n"
      "assert(has(d, 'md5') and has(d, 'ripemd160') and has(d, 'md4'), "
      "'digests')\n"
      "assert(has(d, 'sha256') and has(d, 'RSA-MD5'), 'names and aliases')\n"
      "assert(has(c, 'aes-128-cbc') and has(c, 'des-ede3-cbc'), 'ciphers')\n"
      "assert(has(c, 'rc4') and has(c, 'des-cbc'), 'legacy ciphers')\n"
      "for i = 2, #c do assert(c[i - 1] < c[i], 'sorted, distinct') end\n"
      "EQ(o.digest('RSA-MD5', 'abc'), o.md5('abc'), 'legacy alias')\n");
}

static void test_bignum(void **state) {
  run(state,
      "local dec = o.bignum_dec2bn\n"
      "local two100 = dec('1267650600228229401496703205376')\n"
      "EQ(o.bignum_num_bits(two100), 101, 'num_bits')\n"
      "EQ(two100:num_bytes(), 13, 'num_bytes method')\n"
      "EQ(two100:tohex(), '10000000000000000000000000', 'tohex')\n"
      "EQ(o.bignum_bn2hex(o.bignum_hex2bn('00ff')), 'FF', 'hex2bn')\n"
      "EQ(o.bignum_hex2bn('ff'):todec(), '255', 'todec')\n"
      "EQ(o.bignum_bn2dec(o.bignum_bin2bn('\\1\\0')), '256', 'bin2bn')\n"
      "EQ(o.bignum_bn2bin(dec('65537')), '\\1\\0\\1', 'bn2bin')\n"
      "EQ(dec('65537'):tobin(), '\\1\\0\\1', 'tobin')\n"
      "EQ(o.bignum_mod_exp(dec('4'), dec('13'), dec('497')):todec(), '445',\n"
      "  'mod_exp')\n"
      "local big = o.bignum_mod_exp(dec('2'), dec('100'), dec('1' .. ('0'):"
      "rep(40)))\n"
      "EQ(big:todec(), two100:todec(), '2^100 by mod_exp')\n"
      "local q, r = o.bignum_div(dec('100'), dec('7'))\n"
      "EQ(q:todec() .. ',' .. r:todec(), '14,2', 'div')\n"
      "EQ(o.bignum_add(two100, dec('1')):todec(),\n"
      "  '1267650600228229401496703205377', 'add')\n"
      "local b = dec('5')\n"
      "EQ(o.bignum_is_bit_set(b, 0), true, 'bit 0')\n"
      "EQ(o.bignum_is_bit_set(b, 1), false, 'bit 1')\n"
      "o.bignum_set_bit(b, 1); EQ(b:todec(), '7', 'set_bit')\n"
      "o.bignum_clear_bit(b, 0); EQ(b:todec(), '6', 'clear_bit')\n"
      "EQ(o.bignum_is_prime(dec('2305843009213693951')), true, 'M61')\n"
      "EQ(o.bignum_is_prime(dec('2305843009213693953')), false, 'M61+2')\n"
      "local s, p = o.bignum_is_safe_prime(dec('23'))\n"
      "EQ(s and p, true, 'safe 23')\n"
      "s, p = o.bignum_is_safe_prime(dec('13'))\n"
      "EQ(s, false, '13 not safe'); EQ(p, true, '13 prime')\n"
      "s, p = o.bignum_is_safe_prime(dec('15'))\n"
      "EQ(s or p, false, '15')\n"
      "local r1 = o.bignum_rand(64)\n"
      "assert(r1:num_bits() <= 64, 'rand bits')\n"
      "assert(o.bignum_pseudo_rand(16):num_bits() <= 16, 'pseudo_rand')\n"
      "EQ(o.bignum_rand(0):todec(), '0', 'rand 0')\n"
      "RAISES('division by zero', o.bignum_div, b, dec('0'))\n"
      "RAISES('modulus is zero', o.bignum_mod_exp, b, b, dec('0'))\n"
      "RAISES('not a number', dec, 'xyz')\n"
      "RAISES('not a hexadecimal number', o.bignum_hex2bn, '')\n"
      "RAISES('bad argument', o.bignum_add, b, 'x')\n"
      "RAISES('bad argument', o.bignum_num_bits, {})\n"
      "RAISES('out of range', o.bignum_set_bit, b, -1)\n"
      "RAISES('out of range', o.bignum_rand, 1 << 40)\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_digests, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_hmac, setup, lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_ciphers, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_des_key, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_rand_and_lists, setup,
                                      lua_harness_teardown),
      cmocka_unit_test_setup_teardown(test_bignum, setup, lua_harness_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
