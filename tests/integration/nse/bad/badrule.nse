prerule = "yes"
action = function() end
