action = function() end
