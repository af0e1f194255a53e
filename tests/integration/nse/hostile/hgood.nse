-- The control: a well-behaved script in each phase must keep its result.
description = "Well-behaved control"
categories = {"safe"}
prerule = function() return true end
postrule = function() return true end
portrule = function(host, port)
  return port.number == tonumber(nmap.registry.args.ok)
end
action = function(host, port)
  if SCRIPT_TYPE == "postrule" then
    io.write("PROBE post start\n")
    io.flush()
  end
  if port then
    local s = nmap.new_socket()
    s:connect(host, port)
    local st, data = s:receive_lines(1)
    s:close()
    return ("%s says %s"):format(SCRIPT_TYPE, tostring(data):gsub("\n", ""))
  end
  return SCRIPT_TYPE .. " fine"
end
