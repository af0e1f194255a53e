-- Threads dropped by --script-timeout while their socket calls are pending
-- (NSE-NOTES 5.7, 7.6): TCP receive, UDP receive, a TLS handshake, a
-- parked connect (--max-parallelism 1). Nothing may be printed after
-- "start", and the run must end soon after the timeout with everything
-- closed (the sanitizer build checks leaks and the loop's close).
description = "NSE socket cancellation probe"
categories = {"safe"}

local stdnse = require "stdnse"

prerule = function() return true end

action = function()
  local a = nmap.registry.args
  local silent, udp = tonumber(a.silent), tonumber(a.udp)
  io.write("PROBE start\n")
  io.flush()
  local s = nmap.new_socket()
  s:connect("127.0.0.1", silent) -- holds the only place of the lock
  stdnse.new_thread(function()
    local u = nmap.new_socket("udp")
    u:sendto("127.0.0.1", udp + 1, "nobody listens")
    u:receive()
    io.write("PROBE udp returned\n")
  end)
  stdnse.new_thread(function()
    local w = nmap.new_socket()
    w:connect("127.0.0.1", silent, "ssl") -- parks: the place is taken
    io.write("PROBE parked returned\n")
  end)
  s:receive()
  io.write("PROBE receive returned\n")
  return nil
end
