-- Hostile: an endless loop that never yields. --script-timeout must end it.
description = "Endless computation"
categories = {"safe"}
prerule = function() return true end
action = function()
  local n = 0
  while true do n = n + 1 end
end
