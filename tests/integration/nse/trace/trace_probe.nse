-- --script-trace lines of every socket action (NSE-NOTES 10.1): TCP
-- connect, printable, escaped and binary data both ways, receive_buf,
-- close (and a second close, which prints nothing), a refused connect,
-- EOF, UDP sendto/receive, a TLS connect and reconnect_ssl.
-- Servers: sockserv.py echo/hello/UDP echo, `openssl s_server -rev`.
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
  s:send("hello world, this is printable text\n")
  s:receive_lines(1)
  s:send("hello, world, a longer line of text \1 ok\n")
  s:receive_buf("\n", true)
  s:send("bin\1\2\3\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")
  s:receive_bytes(22)
  s:close()
  s:close()

  local r = nmap.new_socket()
  r:set_timeout(5000)
  r:connect("127.0.0.1", port("refused"))
  r:close()

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
  nmap.log_write("stdout", "done")
  return "done"
end
