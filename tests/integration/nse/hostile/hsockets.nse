-- Hostile: opens 300 connections to a server that never answers, from
-- the instance and 100 workers, and closes none of them.
description = "Sockets never closed"
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  local port = tonumber(nmap.registry.args.hang)
  local ok = 0
  local keep = {}
  local function open(k)
    for _ = 1, k do
      local s = nmap.new_socket()
      if s:connect("127.0.0.1", port) then
        ok = ok + 1
        keep[#keep + 1] = s
      end
    end
  end
  for _ = 1, 100 do stdnse.new_thread(open, 2) end
  open(100)
  for _ = 1, 100 do
    if ok >= 300 then break end
    stdnse.sleep(0.05)
  end
  return ("%d connections left open"):format(ok)
end
