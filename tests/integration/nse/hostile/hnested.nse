-- Hostile: a nested coroutine that catches every error in a loop, called
-- again and again from a pcall loop at the base.
description = "Endless loop that swallows errors in a nested coroutine"
categories = {"safe"}
prerule = function() return true end
action = function()
  local co = coroutine.wrap(function()
    while true do pcall(function() while true do end end) end
  end)
  while true do pcall(co) end
  return "escaped from the nested loop"
end
