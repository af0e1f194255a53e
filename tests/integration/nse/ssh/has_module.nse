-- Prints whether the C module named by the script argument `module` can be
-- required ("PROBE module <name> true|false").
description = "module presence probe"
categories = {"safe"}

prerule = function() return true end

action = function()
  local name = nmap.registry.args.module
  local ok = pcall(require, name)
  io.write("PROBE module ", tostring(name), " ", tostring(ok), "\n")
  io.flush()
end
