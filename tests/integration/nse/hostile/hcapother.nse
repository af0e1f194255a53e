-- Control for hcap: another instance connects while hcap holds its
-- sockets, and must get every one of its connections.
description = "Sockets beside a hog"
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  stdnse.sleep(0.8)
  local port = tonumber(nmap.registry.args.hang)
  local ok = 0
  local keep = {}
  for _ = 1, 5 do
    local s = nmap.new_socket()
    if s:connect("127.0.0.1", port) then
      ok = ok + 1
      keep[#keep + 1] = s
    end
  end
  return ("%d of 5 connected"):format(ok)
end
