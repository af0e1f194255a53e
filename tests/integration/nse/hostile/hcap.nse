-- Hostile: one instance (the base thread and 10 workers) tries to open
-- 260 connections to a server that never answers and keeps them all.
-- The per-instance socket cap (socklock.h) must stop it; the message of
-- the first refused connect is reported.
description = "Socket hog"
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  local port = tonumber(nmap.registry.args.hang)
  local ok, tried, msg = 0, 0, "none"
  local keep = {}
  local function open(k)
    for _ = 1, k do
      local s = nmap.new_socket()
      local st, err = s:connect("127.0.0.1", port)
      tried = tried + 1
      if st then
        ok = ok + 1
        keep[#keep + 1] = s
      elseif msg == "none" then
        msg = tostring(st) .. ", " .. tostring(err)
      end
    end
  end
  -- A worker's sockets close when it ends (§5.9): the workers hold
  -- theirs until the report is written.
  local function hold(k)
    open(k)
    stdnse.sleep(3)
  end
  for _ = 1, 10 do stdnse.new_thread(hold, 25) end
  open(10)
  for _ = 1, 100 do
    if tried >= 260 then break end
    stdnse.sleep(0.05)
  end
  -- Hold them while hcapother connects.
  stdnse.sleep(1.5)
  return ("%d of %d connected; first refusal: %s"):format(ok, tried, msg)
end
