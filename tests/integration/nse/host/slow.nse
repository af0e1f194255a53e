description = "Sleeps long in a hostrule action (host-timeout probe)."
categories = {"safe"}
hostrule = function() return true end
action = function() nmap.socket.sleep(30) return "woke" end
