description = "Needs a library that does not exist: skipped quietly."
categories = {"safe"}
local stdnse = require "stdnse"
local missing = stdnse.silent_require "portolan_no_such_library"
prerule = function() return true end
action = function() return "should not run" end
