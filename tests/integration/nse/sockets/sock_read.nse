-- Read semantics (NSE-NOTES 7.3, 7.4) against tests/integration/servers/
-- sockserv.py: "lines", "chunks" and "hello" listeners on 127.0.0.1.
-- Prints one "PROBE <step> <values>" line per call.
description = "NSE socket read semantics probe"
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

local function open(port, timeout)
  local s = nmap.new_socket()
  s:set_timeout(timeout)
  show("connect" .. port, s:connect("127.0.0.1", port))
  return s
end

action = function()
  local a = nmap.registry.args
  local lines, chunks, hello = tonumber(a.lines), tonumber(a.chunks), tonumber(a.hello)

  -- 7.3: the server sends 4 lines' worth then waits 2 s and closes.
  local s = open(lines, 1000)
  show("lines1", s:receive_lines(1))
  show("recv_timeout", s:receive())
  show("recv_eof", s:receive())
  show("recv_eof2", s:receive())
  show("close", s:close())
  show("close2", s:close())

  -- 7.4: receive_buf keeps its own buffer.
  s = open(lines, 1000)
  show("buf1", s:receive_buf("\n", false))
  show("buf2", s:receive_buf("\r?\n", true))
  show("buf3", s:receive_buf("\n", false))
  show("buf_timeout", s:receive_buf("ZZZ", false))
  show("buf_eof", s:receive_buf("ZZZ", false))
  s:close()

  -- Delimiter functions, and the errors of receive_buf.
  s = open(lines, 1000)
  show("buffn", s:receive_buf(function(buf)
    local l, r = buf:find("line2")
    return l, r
  end, true))
  show("buf_keep_type", pcall(s.receive_buf, s, "\n", 1))
  show("buf_bad_idx", pcall(s.receive_buf, s, function() return 5, 1 end, true))
  s:close()

  -- 7.1: receive_bytes may return more than asked (chunks 0.3 s apart).
  s = open(chunks, 3000)
  show("bytes6", s:receive_bytes(6))
  show("lines_rest", s:receive_lines(1))
  s:close()

  -- EOF with data is a success; the next read is EOF.
  s = open(hello, 3000)
  show("hello_bytes", s:receive_bytes(100))
  show("hello_eof", s:receive())
  show("hello_buf_eof", s:receive_buf("\n", false))
  -- Sending after the peer closed still succeeds (TCP half-close).
  show("send_after_eof", s:send("late"))
  s:close()
  return nil
end
