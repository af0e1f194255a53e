-- Tests for nselib/stringaux.lua.
local stringaux = require "stringaux"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for stringaux."
categories = {"safe"}

prerule = function() return true end

local cases = {
  {"strsplit", function()
    H.same(stringaux.strsplit(",%s*", "Anna, Bob,Charlie"), {"Anna", "Bob", "Charlie"}, "pattern")
    H.same(stringaux.strsplit(",", ",a,,b,"), {"", "a", "", "b", ""}, "empty pieces kept")
    H.same(stringaux.strsplit(",", ""), {""}, "empty text")
    H.same(stringaux.strsplit("%.", "1.2.3.4"), {"1", "2", "3", "4"}, "escaped dot")
    H.raises(function() stringaux.strsplit("", "x") end, "delimiter matches empty string!")
  end},
  {"strjoin", function()
    H.eq(stringaux.strjoin(", ", {"a", "b", "c"}), "a, b, c", "join")
    H.eq(stringaux.strjoin("-", {}), "", "empty list")
    H.raises(function() stringaux.strjoin({"a"}, ",") end, "wrong type")
  end},
  {"filename_escape", function()
    H.eq(stringaux.filename_escape("filename.ext"), "filename.ext", "safe")
    H.eq(stringaux.filename_escape("input/output"), "input%2foutput", "slash")
    H.eq(stringaux.filename_escape("."), "%2e", "dot")
    H.eq(stringaux.filename_escape(".."), "%2e%2e", "dotdot")
    H.eq(stringaux.filename_escape("a b%\255"), "a%20b%25%ff", "others")
  end},
  {"ipattern", function()
    H.eq(stringaux.ipattern("user"), "[uU][sS][eE][rR]", "letters")
    H.eq(stringaux.ipattern("a%d[xy]b"), "[aA]%d[xy][bB]", "escapes and sets kept")
    H.ok(("Set-Cookie"):match(stringaux.ipattern("set%-cookie")), "matches")
  end},
}

action = function()
  return H.run(cases)
end
