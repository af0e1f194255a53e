-- Reads from a hostile server until the stream ends, counting bytes
-- (keeps none: an endless stream stops at 50 MB).
description = "Reader for hostile servers"
categories = {"safe"}
portrule = function(host, port)
  return port.number ~= tonumber(nmap.registry.args.garbage)
end
action = function(host, port)
  local s = nmap.new_socket()
  s:set_timeout(60000)
  local st, err = s:connect(host, port)
  if not st then return "connect: " .. tostring(err) end
  local total = 0
  while total < 50 * 1024 * 1024 do
    local ok, data = s:receive()
    if not ok then
      return ("read %d bytes, then %s"):format(total, tostring(data))
    end
    total = total + #data
  end
  return "read at least 50 MB"
end
