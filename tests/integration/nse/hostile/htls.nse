-- A TLS handshake with a server that answers with random bytes.
description = "TLS against garbage"
categories = {"safe"}
portrule = function(host, port)
  return port.number == tonumber(nmap.registry.args.garbage)
end
action = function(host, port)
  local s = nmap.new_socket()
  local st, err = s:connect(host, port, "ssl")
  s:close()
  return ("ssl connect: %s %s"):format(tostring(st), tostring(err))
end
