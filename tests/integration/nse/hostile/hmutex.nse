-- Hostile: a worker takes a mutex and never gives it back (it ticks
-- forever); the base thread blocks in "lock". Both must end at the
-- timeout: no tick may be printed once the post-scan phase starts.
description = "Blocked in a mutex, with an immortal worker"
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  local m = nmap.mutex("hostile-mutex")
  stdnse.new_thread(function()
    m "lock"
    local n = 0
    while true do
      n = n + 1
      io.write("PROBE tick ", n, "\n")
      io.flush()
      stdnse.sleep(0.5)
    end
  end)
  stdnse.sleep(0.1)
  m "lock"
  return "got a mutex that is never released"
end
