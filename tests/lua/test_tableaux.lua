-- Tests for nselib/tableaux.lua.
local tableaux = require "tableaux"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for tableaux."
categories = {"safe"}

prerule = function() return true end

local cases = {
  {"tcopy is deep", function()
    local inner = {1, 2}
    local t = {a = inner, b = "x", 3}
    local c = tableaux.tcopy(t)
    H.same(c, t, "equal contents")
    H.ok(c ~= t and c.a ~= inner, "new tables")
    c.a[1] = 9
    H.eq(inner[1], 1, "original untouched")
  end},
  {"shallow_tcopy shares nested tables", function()
    local inner = {}
    local c = tableaux.shallow_tcopy({n = inner, k = 1})
    H.eq(c.n, inner, "shared")
    H.eq(c.k, 1, "value")
  end},
  {"invert", function()
    H.same(tableaux.invert({"a", "b", x = "c"}), {a = 1, b = 2, c = "x"}, "inverted")
  end},
  {"contains", function()
    local ok, k = tableaux.contains({"a", "b", x = "c"}, "b")
    H.eq(ok, true, "found")
    H.eq(k, 2, "index")
    ok, k = tableaux.contains({"a", x = "c"}, "c")
    H.eq(k, "x", "hash key")
    ok, k = tableaux.contains({"a", x = "c"}, "c", true)
    H.eq(ok, false, "array only")
    H.eq(k, nil, "no key")
  end},
  {"keys", function()
    local ks = tableaux.keys({a = 1, b = 2, 10})
    table.sort(ks, function(x, y) return tostring(x) < tostring(y) end)
    H.same(ks, {1, "a", "b"}, "all keys")
    H.eq(#tableaux.keys({}), 0, "empty")
  end},
}

action = function()
  return H.run(cases)
end
