-- Finishes at once: as a prerule when the script argument "pre" is set,
-- and on every open port. It announces itself on stdout so that
-- test_sigint_nse.sh knows the results exist before it sends SIGINT.
description = "quick result for the SIGINT test"
categories = {"safe"}

local stdnse = require "stdnse"

prerule = function() return stdnse.get_script_args("pre") ~= nil end
portrule = function(host, port) return port.state == "open" end

action = function(host, port)
  local where = port and tostring(port.number) or "pre"
  nmap.log_write("stdout", "quick-done " .. where)
  return "quick result " .. where
end
