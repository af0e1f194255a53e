-- Tests for nselib/rand.lua.
local rand = require "rand"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for rand."
categories = {"safe"}

prerule = function() return true end

local cases = {
  {"random_string bytes", function()
    H.eq(#rand.random_string(32), 32, "length")
    H.eq(rand.random_string(0), "", "empty")
  end},
  {"random_string charsets", function()
    local s = rand.random_string(200, "ab")
    H.eq(#s, 200, "length")
    H.ok(s:match("^[ab]+$"), "only charset characters")
    H.ok(s:find("a") and s:find("b"), "both used")
    s = rand.random_string(50, {"xy", "z"})
    H.ok(s:match("^[xyz]+$"), "table entries")
  end},
  {"charset", function()
    H.same(rand.charset("a", "e"), {"a", "b", "c", "d", "e"}, "letters")
    H.same(rand.charset(48, 50), {"0", "1", "2"}, "bytes")
    H.same(rand.charset("z", "a"), {}, "empty range")
    H.same(rand.charset("0", "1", {"x"}), {"x", "0", "1"}, "extends")
  end},
  {"random_alpha", function()
    local s = rand.random_alpha(64)
    H.eq(#s, 64, "length")
    H.ok(s:match("^[a-z]+$"), "lower-case letters")
  end},
}

action = function()
  return H.run(cases)
end
