-- --script-trace lines of every socket action (NSE-NOTES 10.1): TCP
-- connect, empty, printable, escaped and binary data both ways, receive_buf,
-- close (and a second close, which prints nothing), connect on an open
-- socket, a refused connect and a send on it, a connect that times out
-- (the socket stays open: I/O times out, get_info works, close succeeds),
-- EOF, UDP sendto/receive,
-- IPv6, a TLS connect and reconnect_ssl, and the CLOSE of a collected
-- socket and of one left open when the thread ends.
-- Servers: sockserv.py echo/hello/UDP echo/echo on ::1, `openssl s_server
-- -rev`.
description = "NSE socket trace probe"
categories = {"safe"}

prerule = function() return true end

local function port(name)
  return tonumber(nmap.registry.args[name])
end

action = function()
  local s = nmap.new_socket()
  s:set_timeout(5000)
  s:connect("127.0.0.1", port("echo"))
  s:send("")
  s:send("hello world, this is printable text\n")
  s:receive_lines(1)
  s:send("hello, world, a longer line of text \1 ok\n")
  s:receive_buf("\n", true)
  s:send("bin\1\2\3\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")
  s:receive_bytes(22)
  s:close()
  s:close()

  local a = nmap.new_socket()
  a:set_timeout(5000)
  a:connect("127.0.0.1", port("echo"))
  a:connect("127.0.0.1", port("echo"))
  a:close()

  local g = nmap.new_socket()
  g:set_timeout(5000)
  g:connect("127.0.0.1", port("echo"))
  g = nil
  collectgarbage()

  local r = nmap.new_socket()
  r:set_timeout(5000)
  r:connect("127.0.0.1", port("refused"))
  r:send("zz")
  r:close()

  local d = nmap.new_socket()
  d:set_timeout(500)
  d:connect("127.0.0.1", port("dropped"))
  local function show(what, ...)
    local t = table.pack(...)
    for i = 1, t.n do t[i] = tostring(t[i]) end
    nmap.log_write("stdout", what .. " " .. table.concat(t, " "))
  end
  show("stale send", d:send("x"))
  show("stale receive", d:receive())
  local ok, lip, _, rip, rport = d:get_info()
  show("stale get_info", ok, lip, rip, rport)
  show("stale close", d:close())

  local h = nmap.new_socket()
  h:set_timeout(5000)
  h:connect("127.0.0.1", port("hello"))
  h:receive_lines(1)
  h:receive()
  h:close()

  local u = nmap.new_socket("udp")
  u:set_timeout(5000)
  u:sendto("127.0.0.1", port("udp"), "\0\1\2\3")
  u:receive()
  u:close()

  local six = nmap.new_socket("tcp", "inet6")
  six:set_timeout(5000)
  six:connect("::1", port("echo6"))
  six:send("v6\n")
  six:receive_lines(1)
  six:close()

  local t = nmap.new_socket()
  t:set_timeout(5000)
  t:connect("127.0.0.1", port("ssl"), "ssl")
  t:send("abc\n")
  t:receive_lines(1)
  t:close()

  local p = nmap.new_socket()
  p:set_timeout(5000)
  p:connect("127.0.0.1", port("ssl"))
  p:reconnect_ssl()
  p:send("def\n")
  p:receive_lines(1)
  p:close()

  local left = nmap.new_socket()
  left:set_timeout(5000)
  left:connect("127.0.0.1", port("echo"))
  nmap.log_write("stdout", "done")
  return "done"
end
