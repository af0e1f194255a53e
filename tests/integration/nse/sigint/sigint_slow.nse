-- Sleeps a minute, as a prerule when the script argument "pre" is set and
-- on the port named by the argument "slowport": the script phase is still
-- running when test_sigint_nse.sh sends SIGINT.
description = "slow script for the SIGINT test"
categories = {"safe"}

local stdnse = require "stdnse"

prerule = function() return stdnse.get_script_args("pre") ~= nil end
portrule = function(host, port)
  return port.number == tonumber(stdnse.get_script_args("slowport"))
end

action = function(host, port)
  nmap.log_write("stdout", "slow-started " .. (port and port.number or "pre"))
  stdnse.sleep(60)
  return "slow result"
end
