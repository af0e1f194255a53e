-- Hostile: 5000 workers at once; each sleeps and counts itself.
description = "Thousands of workers"
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  local n, N = 0, 5000
  local cv = nmap.condvar("hostile-workers")
  for _ = 1, N do
    stdnse.new_thread(function()
      stdnse.sleep(0.2)
      n = n + 1
      if n == N then cv "signal" end
    end)
  end
  while n < N do cv "wait" end
  return ("%d workers finished"):format(n)
end
