-- Tests for nselib/lpeg-utility.lua.
local lpeg = require "lpeg"
local U = require "lpeg-utility"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for lpeg-utility."
categories = {"safe"}

prerule = function() return true end

-- A fingerprint as version detection writes it, wrapped at "\nSF:".
local FP = 'SF-Port33813-TCP:V=7.93%I=7%D=11/29%Time=6929E1DE%P=x86_64-pc-linux-gnu%r(NU\n' ..
  'SF:LL,1E,"line1\\nline2\\r\\nline3\\npartial")%r(GenericLines,9,"a\\x20\\"q\\"\\\\\\0z")%r(\n' ..
  'SF:GetRequest,3,"\\xc8\\t!");'

local cases = {
  {"caseless", function()
    local p = U.caseless("GeT")
    H.eq(p:match("get"), 4, "lower")
    H.eq(p:match("GET/"), 4, "upper")
    H.eq(p:match("gex"), nil, "mismatch")
    H.eq(U.caseless("a-1"):match("A-1"), 4, "non-letters")
  end},
  {"anywhere", function()
    local p = U.anywhere(lpeg.C("needle"))
    H.eq(p:match("hay needle hay"), "needle", "found")
    H.eq(p:match("hay"), nil, "absent")
  end},
  {"localize", function()
    local p = U.localize {lpeg.C(lpeg.V "digit" ^ 1)}
    H.eq(p:match("123x"), "123", "digit class")
  end},
  {"split", function()
    H.same({U.split("a,b,,c", lpeg.P ",")}, {"a", "b", "", "c"}, "pieces")
    H.same({U.split("one", lpeg.P ",")}, {"one"}, "no separator")
    H.same({U.split("a12b3c", lpeg.R("09") ^ 1)}, {"a", "b", "c"}, "pattern")
  end},
  {"atwordboundary", function()
    local p = U.atwordboundary(lpeg.C("cat"))
    H.eq(p:match("the cat"), "cat", "after space")
    H.eq(p:match("concat"), nil, "inside a word")
    H.eq(p:match("cat"), "cat", "at start")
  end},
  {"escaped_quote", function()
    local q = U.escaped_quote()
    H.eq(q:match('"plain"'), "plain", "plain")
    H.eq(q:match('"a\\"b\\\\c"tail'), 'a"b\\c', "escapes")
    H.eq(q:match('"keep\\n"'), "keep\\n", "other escapes kept")
    H.eq(q:match('"open'), nil, "unterminated")
    H.eq(U.escaped_quote("'", "%"):match("'it%'s'"), "it's", "custom")
  end},
  {"get_response", function()
    H.eq(U.get_response(FP, "NULL"), "line1\nline2\r\nline3\npartial", "NULL")
    -- Quotes and backslashes are unescaped before byte escapes, as in
    -- Nmap, so an escaped backslash before "0" leaves "\0" as two bytes.
    H.eq(U.get_response(FP, "GenericLines"), 'a "q"\\0z', "escapes")
    H.eq(U.get_response(FP, "GetRequest"), "\200\t!", "hex and tab")
    H.eq(U.get_response(FP, "Help"), nil, "absent probe")
  end},
  {"parse_fp", function()
    local t = U.parse_fp(FP)
    H.same(t, {NULL = "line1\nline2\r\nline3\npartial",
      GenericLines = 'a "q"\\0z', GetRequest = "\200\t!"}, "all replies")
    H.eq(U.parse_fp("SF-Port1-TCP:V=7.93%I=7;"), nil, "no replies")
  end},
  -- Nmap 7.93's debug breaks grammars that name their initial rule ([1]).
  {"debug traces rules", function()
    local seen = {}
    local g = U.debug({"top", top = lpeg.P "a" * lpeg.V "b", b = lpeg.P "b"},
      function(fmt, ...) seen[#seen + 1] = string.format(fmt, ...) end)
    H.eq(lpeg.P(g):match("ab"), 3, "still matches")
    H.ok(#seen > 0 and seen[1]:match("^ENTER "), "traced: " .. table.concat(seen, "|"))
  end},
}

action = function()
  return H.run(cases)
end
