description = "condvar: signal wakes the newest waiter; a waiter's end broadcasts."
categories = {"safe"}

local stdnse = require "stdnse"

prerule = function() return true end

action = function()
  local key = {}
  local cv = nmap.condvar(key)
  local order, waiting = {}, 0
  local function w(name)
    local mycv = nmap.condvar(key)
    waiting = waiting + 1
    mycv "wait"
    order[#order + 1] = name
  end
  for i = 1, 3 do
    stdnse.new_thread(w, "w" .. i)
    stdnse.sleep(0.01)
  end
  while waiting < 3 do stdnse.sleep(0.01) end
  cv "signal"
  for i = 1, 100 do
    if #order == 3 then break end
    stdnse.sleep(0.01)
  end
  return table.concat(order, ",")
end
