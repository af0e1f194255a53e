-- Sleeps briefly: must finish while a CPU-bound script runs (time slices).
description = "Short sleep"
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  stdnse.sleep(0.05)
  return "woke"
end
