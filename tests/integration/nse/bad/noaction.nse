categories = {"safe"}
prerule = function() return true end
