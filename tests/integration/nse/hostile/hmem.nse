-- Hostile: a memory bomb.
description = "Allocates without end"
categories = {"safe"}
prerule = function() return true end
action = function()
  local t = {}
  for i = 1, 1e9 do t[i] = ("x"):rep(1000) .. i end
  return "allocated everything"
end
