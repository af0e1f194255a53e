categories = {"safe"}
prerule = function() return true end
action = function() nmap.registry.depa = "seen"; return "a" end
