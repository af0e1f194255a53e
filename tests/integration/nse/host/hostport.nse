description = "Host and port tables, per-instance copies, shared host.registry."
categories = {"safe"}

hostrule = function(host) return true end
portrule = function(host, port) return port.protocol == "tcp" end

action = function(host, port)
  host.mine = true
  if port then
    host.registry.seen = (host.registry.seen or 0) + 1
    return ("%s %d %s %s %s %s %s"):format(SCRIPT_TYPE, port.number,
      port.state, port.reason, port.version.service_dtype,
      tostring(port.version.name_confidence), math.type(port.number))
  end
  return ("%s %s %q %s %s"):format(SCRIPT_TYPE, host.ip, host.name,
    tostring(host.times.timeout), #host.bin_ip)
end
