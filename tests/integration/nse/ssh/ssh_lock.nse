-- libssh2 sessions under the NSE socket lock (NSE-NOTES 5.9), run with
-- --max-parallelism 1: a second thread's session_open parks while this
-- thread holds a session, and proceeds once it is closed; the session of a
-- thread that ends is closed for it, which frees the place. Script args:
-- user, pass.
description = "libssh2 socket lock probe"
categories = {"safe"}

local libssh2 = require "libssh2"
local stdnse = require "stdnse"

portrule = function(host, port)
  return port.number == 22 and port.state == "open"
end

local function show(step, ...)
  local out = {}
  for i = 1, select("#", ...) do
    out[#out + 1] = tostring((select(i, ...)))
  end
  io.write("PROBE ", step, " ", table.concat(out, " "), "\n")
  io.flush()
end

local function waiting()
  return nmap.socket.get_stats().connect_waiting
end

action = function(host, port)
  local args = nmap.registry.args
  local a = libssh2.session_open(host, port.number)
  local worker_done, leaked
  stdnse.new_thread(function()
    local b = libssh2.session_open(host, port.number)
    worker_done = libssh2.userauth_password(b, args.user, args.pass)
    libssh2.session_close(b)
  end)
  stdnse.sleep(0.5)
  show("parked", waiting(), tostring(worker_done))
  libssh2.session_close(a)
  for _ = 1, 50 do
    if worker_done ~= nil then break end
    stdnse.sleep(0.1)
  end
  show("after_close", waiting(), tostring(worker_done))

  -- A thread that ends with its session open.
  local ended = false
  stdnse.new_thread(function()
    leaked = libssh2.session_open(host, port.number)
    ended = true
  end)
  for _ = 1, 50 do
    if ended then break end
    stdnse.sleep(0.1)
  end
  stdnse.sleep(0.2)
  local c = libssh2.session_open(host, port.number)
  show("reopen", libssh2.userauth_password(c, args.user, args.pass))
  libssh2.session_close(c)
  local ok, err = pcall(libssh2.userauth_list, leaked, args.user)
  show("leaked", ok, (tostring(err):gsub("^[^:]*:%d+: ", "")))
  return "done"
end
