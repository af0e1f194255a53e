-- Hostile: a memory bomb that catches "not enough memory" and retries,
-- from a worker (one instance, one budget: the base must end too).
description = "Memory bomb inside pcall, in a worker"
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  stdnse.new_thread(function()
    while true do
      pcall(function()
        local t = {}
        for i = 1, 1e9 do t[i] = ("y"):rep(1000) .. i end
      end)
    end
  end)
  while true do stdnse.sleep(0.1) end
end
