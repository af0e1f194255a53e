description = "Workers, a FIFO mutex and a LIFO condvar."
categories = {"safe"}

local stdnse = require "stdnse"

prerule = function() return true end

action = function()
  local order = {}
  local m = nmap.mutex("sync-probe")
  local cv = nmap.condvar(order)
  local done = 0
  local function worker(name, delay)
    m "lock"
    order[#order + 1] = name
    nmap.socket.sleep(delay)
    m "done"
    done = done + 1
    cv "signal"
  end
  m "lock"
  for i = 1, 3 do
    stdnse.new_thread(worker, "w" .. i, 0.01)
  end
  nmap.socket.sleep(0.05)
  order[#order + 1] = "main"
  m "done"
  while done < 3 do cv "wait" end
  -- Nested coroutine blocking on sleep.
  local co = coroutine.wrap(function(x)
    nmap.socket.sleep(0.01)
    coroutine.yield(x * 2)
    return "end"
  end)
  local r1 = co(21)
  local r2 = co()
  return table.concat(order, ",") .. " " .. r1 .. " " .. r2
end
