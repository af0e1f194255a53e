-- nmap.add_targets and nmap.new_targets_num (NSE-NOTES 6): a prerule adds
-- 127.0.0.1 (the command line names no target) and the host is scanned,
-- so the portrule prints. A bad spec is refused.
description = "nmap.add_targets probe"
categories = {"safe"}

prerule = function() return true end
portrule = function(host, port) return true end

local function show(step, ...)
  local out = {}
  for i = 1, select("#", ...) do out[#out + 1] = tostring((select(i, ...))) end
  io.write("PROBE ", step, " ", table.concat(out, " "), "\n")
  io.flush()
end

action = function(host, port)
  if not host then
    show("before", nmap.new_targets_num())
    show("add", nmap.add_targets("127.0.0.1"))
    show("add_bad", nmap.add_targets("-bad spec-"))
    show("after", nmap.new_targets_num())
    show("add_type", pcall(nmap.add_targets, {}))
    return nil
  end
  show("portrule", host.ip, port.number)
  return nil
end
