categories = "safe"
prerule = function() end
action = function() end
