-- nmap.log_write to both logs from a prerule (NSE-NOTES 6):
-- test_nse_stdout.sh checks where the lines land.
description = "log_write probe"
categories = {"safe"}

prerule = function() return true end

action = function()
  local phase = SCRIPT_TYPE or "?"
  nmap.log_write("stdout", "to-stdout " .. phase)
  nmap.log_write("stderr", "to-stderr " .. phase)
  return "logged " .. phase
end
