categories = {"safe"}
dependencies = {"depa"}
prerule = function() return true end
action = function() return "b saw " .. tostring(nmap.registry.depa) end
