description = "Allocates until the Lua heap limit stops it."
categories = {"safe"}
prerule = function() return true end
action = function()
  local t = {}
  for i = 1, 1e9 do t[i] = ("x"):rep(1000) .. i end
end
