description = [[Workers that return values must read as "dead" once done:
scripts such as ssl-enum-ciphers wait on coroutine.status == "dead".]]
categories = {"safe"}
local stdnse = require "stdnse"

prerule = function() return true end

action = function()
  local cv = nmap.condvar({})
  local cos = {}
  for i = 1, 3 do
    cos[i] = stdnse.new_thread(function() cv "signal"; return nil, i end)
  end
  -- Bounded wait: a status that never becomes "dead" ends the probe.
  for _ = 1, 50 do
    local alive = 0
    for _, co in ipairs(cos) do
      if coroutine.status(co) ~= "dead" then alive = alive + 1 end
    end
    if alive == 0 then return "all dead" end
    stdnse.sleep(0.01)
  end
  return "still " .. coroutine.status(cos[1])
end
