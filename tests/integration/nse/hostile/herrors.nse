-- Hostile: an error storm: 2000 workers that raise, 100000 errors caught
-- by pcall; the instance itself survives and reports.
description = "Error storm"
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  local status = {}
  for i = 1, 2000 do
    local _, st = stdnse.new_thread(function() error("worker " .. i) end)
    status[i] = st
  end
  local caught = 0
  for i = 1, 100000 do
    if not pcall(error, {i}) then caught = caught + 1 end
  end
  local dead = 0
  for _ = 1, 100 do
    dead = 0
    for i = 1, #status do
      local s, e = status[i]()
      if s == "dead" and e then dead = dead + 1 end
    end
    if dead == #status then break end
    stdnse.sleep(0.05)
  end
  return ("caught %d errors; %d workers dead with an error"):format(caught, dead)
end
