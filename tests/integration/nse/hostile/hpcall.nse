-- Hostile: an endless loop inside pcall, at the base coroutine.
description = "Endless loop inside pcall"
categories = {"safe"}
prerule = function() return true end
action = function()
  pcall(function() while true do end end)
  return "escaped from the pcall loop"
end
