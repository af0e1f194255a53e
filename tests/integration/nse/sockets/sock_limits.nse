-- Memory and time bounds (Portolan's caps, see src/nse/sockio.h and
-- lib_socket.c) against sockserv.py's "endless" (64 KiB blocks, never a
-- newline) and "silent" listeners; and the socket lock (NSE-NOTES 5.9)
-- with workers, run with --max-parallelism 2.
description = "NSE socket limits probe"
categories = {"safe"}

local stdnse = require "stdnse"

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
  local endless, silent = tonumber(a.endless), tonumber(a.silent)

  -- One receive pass is capped (1 MiB); the call returns, it never hangs.
  local s = nmap.new_socket()
  s:set_timeout(5000)
  s:connect("127.0.0.1", endless)
  local st, data = s:receive_lines(1)
  show("endless_lines", st, #data > 0 and #data <= 1048576 + 65536)
  st, data = s:receive_bytes(100)
  show("endless_bytes", st, #data >= 100 and #data <= 1048576 + 65536)
  -- receive_buf gives up with ERROR once its 4 MiB buffer is full.
  local t0 = nmap.clock()
  show("endless_buf", s:receive_buf("NEVER", false))
  show("endless_buf_fast", nmap.clock() - t0 < 4.5)
  s:close()

  -- The socket lock: with --max-parallelism 2, at most 2 threads hold
  -- connected sockets; the others wait in connect until one closes.
  local held, maxheld, waiting_seen, done = 0, 0, 0, 0
  local cv = nmap.condvar("lock")
  local n = 6
  for i = 1, n do
    stdnse.new_thread(function()
      local w = nmap.new_socket()
      w:set_timeout(3000)
      local ok = w:connect("127.0.0.1", silent)
      held = held + 1
      if held > maxheld then maxheld = held end
      local waiting = nmap.socket.get_stats().connect_waiting
      if waiting > waiting_seen then waiting_seen = waiting end
      stdnse.sleep(0.2)
      held = held - 1
      w:close()
      done = done + (ok and 1 or 0)
      cv "signal"
    end)
  end
  -- A thread that ends without closing releases its place too.
  stdnse.new_thread(function()
    local w = nmap.new_socket()
    w:connect("127.0.0.1", silent)
    done = done + 1
    cv "signal"
  end)
  local deadline = nmap.clock() + 20
  while done < n + 1 and nmap.clock() < deadline do
    cv "wait"
  end
  show("lock_done", done == n + 1)
  show("lock_max", maxheld <= 2, maxheld)
  show("lock_waited", waiting_seen > 0)
  show("stats_after", nmap.socket.get_stats().connect_waiting)

  -- Garbage collection closes a socket and frees its place (7.6): main
  -- holds one place, w1 the other for 3 s; w2 waits until main's socket
  -- is collected, well before w1 lets go.
  local mine = nmap.new_socket()
  mine:connect("127.0.0.1", silent)
  local w1_done, w2_at = false, nil
  stdnse.new_thread(function()
    local w = nmap.new_socket()
    w:connect("127.0.0.1", silent)
    stdnse.sleep(3)
    w:close()
    w1_done = true
  end)
  stdnse.new_thread(function()
    local w = nmap.new_socket()
    w:connect("127.0.0.1", silent)
    w2_at = nmap.clock()
    w:close()
  end)
  stdnse.sleep(0.3)
  show("gc_waiting", nmap.socket.get_stats().connect_waiting)
  mine = nil
  local t0 = nmap.clock()
  collectgarbage()
  collectgarbage()
  for _ = 1, 50 do
    if w2_at then break end
    stdnse.sleep(0.1)
  end
  show("gc_freed", w2_at ~= nil and w2_at - t0 < 2, w1_done)
  return nil
end
