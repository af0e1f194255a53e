description = "A portrule that never matches: runs only when forced with '+'."
categories = {"safe"}
portrule = function() return false end
action = function(host, port) return "forced on " .. port.number end
