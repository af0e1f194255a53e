-- Keeps about 20 MB live across a blocking call (per-instance memory
-- accounting: two of these fit under a 32 MiB cap each).
description = "Holds 20 MB"
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  local t = {}
  -- Distinct lengths make distinct strings without a concatenation, so the
  -- instance's charge is its live data, not garbage awaiting a collection.
  for i = 1, 20 do t[i] = ("h"):rep(1024 * 1024 - 64 + i) end
  stdnse.sleep(0.6)
  return ("held %d MB"):format(#t)
end
