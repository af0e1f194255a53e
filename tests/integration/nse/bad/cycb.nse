categories = {"safe"}
dependencies = {"cyca"}
prerule = function() return true end
action = function() end
