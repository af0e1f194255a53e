-- Socket setup, errors, ownership, echo, silence, UDP (NSE-NOTES 7.1,
-- 7.2, 7.5, 7.6) against sockserv.py's "echo", "silent" and UDP echo.
-- Prints one "PROBE <step> <values>" line per check.
description = "NSE socket misc probe"
categories = {"safe"}

prerule = function() return true end

local function repr(v)
  if type(v) == "string" then
    return '"' .. v:gsub("\\", "\\\\"):gsub("\r", "\\r"):gsub("\n", "\\n") .. '"'
  end
  return tostring(v)
end

local function show(step, ...)
  local out = {}
  for i = 1, select("#", ...) do
    out[#out + 1] = repr((select(i, ...)))
  end
  io.write("PROBE ", step, " ", table.concat(out, " "), "\n")
  io.flush()
end

-- pcall, keeping only whether it raised and the message without position.
local function raises(f, ...)
  local ok, err = pcall(f, ...)
  if ok then return "no error" end
  return (tostring(err):gsub("^.-:%d+: ", ""))
end

action = function()
  local a = nmap.registry.args
  local echo, silent, refused, udp =
    tonumber(a.echo), tonumber(a.silent), tonumber(a.refused), tonumber(a.udp)

  -- Misuse raises; unconnected TCP sockets cannot do I/O.
  local s = nmap.new_socket()
  show("mt", type(getmetatable(s)), next(getmetatable(s)))
  show("tostring", (tostring(s):gsub("0x%x+", "ADDR")))
  show("send_unconnected", raises(s.send, s, "x"))
  show("recv_unconnected", raises(s.receive, s))
  show("close_unconnected", s:close())
  show("bad_proto", raises(s.connect, s, "127.0.0.1", echo, "foo"))
  show("bad_host", raises(s.connect, s, {name = "x"}, echo))
  show("bad_port", raises(s.connect, s, "127.0.0.1", {number = "80"}))
  show("bind_noport", raises(s.bind, s, "127.0.0.1"))
  show("neg_timeout", raises(s.set_timeout, s, -5))
  show("new_socket_bad", raises(nmap.new_socket, "sctp"))
  show("not_ssl", raises(s.get_ssl_certificate, s))

  -- Refused: nil, "ERROR"; a bad numeric address: false, message.
  show("refused", s:connect("127.0.0.1", refused))
  show("refused_send", raises(s.send, s, "x"))
  show("inet6_on_inet", s:connect("::1", echo))

  -- Echo: send, receive, get_info, host and port tables.
  show("set_timeout", s:set_timeout(2000))
  show("connect_tables", s:connect({ip = "127.0.0.1"}, {number = echo, protocol = "tcp"}))
  show("send", s:send("ping\n"))
  show("recv", s:receive())
  local ok, lip, lport, rip, rport = s:get_info()
  show("info", ok, lip, math.type(lport), lport > 0, rip, rport == echo)
  -- Reconnecting an open socket closes the old connection first.
  show("reconnect", s:connect("127.0.0.1", echo))
  show("send2", s:send("again"))
  show("recv_bytes", s:receive_bytes(5))
  show("send_empty", s:send(""))
  s:close()

  -- Ownership (7.5): a coroutine other than the last user raises, before
  -- anything is queued; the owner carries on unharmed.
  s = nmap.new_socket()
  s:set_timeout(2000)
  s:connect("127.0.0.1", echo)
  s:send("own")
  local co = coroutine.create(function() return raises(s.receive, s) end)
  show("reuse", coroutine.resume(co))
  show("owner_recv", s:receive())
  s:close()

  -- A call that may wait, made where no yield is possible (a gsub
  -- callback), raises before anything is queued; the socket stays usable.
  s = nmap.new_socket()
  s:set_timeout(2000)
  s:connect("127.0.0.1", echo)
  show("no_yield", raises(function()
    return ("x"):gsub("x", function() return s:receive() end)
  end))
  s:send("after")
  show("after_no_yield", s:receive())
  s:close()

  -- Blocking calls work from inside a nested coroutine.
  local nested = coroutine.wrap(function()
    local t = nmap.new_socket()
    t:set_timeout(2000)
    local r1 = t:connect("127.0.0.1", echo)
    t:send("nested")
    local r2, d = t:receive()
    t:close()
    return r1, r2, d
  end)
  show("nested", nested())

  -- Timeouts: silence gives TIMEOUT after about the timeout; 0 at once.
  s = nmap.new_socket()
  s:set_timeout(500)
  s:connect("127.0.0.1", silent)
  local t0 = nmap.clock()
  local st, err = s:receive()
  local dt = nmap.clock() - t0
  show("silent", st, err, dt >= 0.4 and dt < 3)
  s:set_timeout(0)
  show("timeout0", s:receive_lines(1))
  s:set_timeout(500)
  show("silent_lines", s:receive_lines(1))
  show("silent_buf", s:receive_buf("\n", false))
  s:close()

  -- UDP: unconnected sendto/receive, then connect/send/receive.
  local u = nmap.new_socket("udp")
  u:set_timeout(2000)
  show("udp_sendto", u:sendto("127.0.0.1", udp, "dgram1"))
  show("udp_recv", u:receive())
  local uok, ulip = u:get_info()
  show("udp_info", uok, ulip)
  u:close()
  u = nmap.new_socket("udp")
  u:set_timeout(2000)
  show("udp_connect", u:connect("127.0.0.1", udp))
  show("udp_send", u:send("dgram2"))
  show("udp_recv2", u:receive())
  u:send("a")
  u:send("b")
  show("udp_bytes", u:receive_bytes(2))
  u:close()
  -- UDP connect to a closed port: the ICMP error shows up on receive.
  u = nmap.new_socket("udp")
  u:set_timeout(1000)
  u:connect("127.0.0.1", refused)
  u:send("x")
  show("udp_refused", u:receive())
  u:close()

  -- Names are looked up without blocking (here through /etc/hosts).
  s = nmap.new_socket()
  s:set_timeout(2000)
  show("name_connect", s:connect("localhost", echo))
  show("name_info", (select(4, s:get_info())))
  s:close()
  u = nmap.new_socket("udp")
  u:set_timeout(2000)
  show("name_sendto", u:sendto("localhost", udp, "named"))
  show("name_recv", u:receive())
  u:close()

  -- sendto takes host and port tables too.
  u = nmap.new_socket("udp")
  u:set_timeout(2000)
  show("udp_sendto_tables", u:sendto({ip = "127.0.0.1"},
    {number = udp, protocol = "udp"}, "dgram3"))
  show("udp_recv3", u:receive())
  u:close()

  -- bind sets the local address of the next connect.
  s = nmap.new_socket()
  s:set_timeout(2000)
  show("bind", s:bind("127.0.0.2", 0))
  show("bind_connect", s:connect("127.0.0.1", echo))
  local _, blip, _, brip = s:get_info()
  show("bind_info", blip, brip)
  s:close()
  show("bind_wrong_family", s:bind("::1", 0))

  -- IPv6 sockets.
  if a.echo6 then
    s = nmap.new_socket("tcp", "inet6")
    s:set_timeout(2000)
    show("v6_connect", s:connect("::1", tonumber(a.echo6)))
    show("v6_send", s:send("six"))
    show("v6_recv", s:receive())
    local _, l6, _, r6 = s:get_info()
    show("v6_info", l6, r6)
    s:close()
    show("v6_on_v4", s:connect("127.0.0.1", echo))
  end

  -- Raw capture is not supported yet: a clear error, not a crash.
  s = nmap.new_socket()
  show("pcap_open", raises(s.pcap_open, s, "lo", 64, false, ""))
  show("pcap_close", s.pcap_close == s.close, s:pcap_close())

  show("stats", nmap.socket.get_stats().connect_waiting)
  return nil
end
