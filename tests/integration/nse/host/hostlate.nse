description = "Runs in runlevel 2: sees host.registry from runlevel 1."
categories = {"safe"}
dependencies = {"hostport"}

hostrule = function(host) return host.registry.seen ~= nil end

action = function(host)
  return ("seen=%d mine=%s"):format(host.registry.seen, tostring(host.mine))
end
