categories = {"safe"}
dependencies = {"cycb"}
prerule = function() return true end
action = function() end
