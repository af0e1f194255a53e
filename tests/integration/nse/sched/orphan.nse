description = "The base thread ends while its worker still sleeps: an orphan."
categories = {"safe"}
local stdnse = require "stdnse"
prerule = function() return true end
action = function()
  stdnse.new_thread(function()
    stdnse.sleep(30)
    nmap.registry.orphan_woke = true
  end)
  return "left"
end
