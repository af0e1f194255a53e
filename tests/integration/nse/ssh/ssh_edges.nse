-- Edge cases of the libssh2 module: a server that accepts and never speaks
-- (port arg `silent`: session_open waits until --script-timeout ends the
-- thread, whose pending wait must then be dropped), a session left open for
-- the garbage collector, set_timeout bounding a wait (a command that
-- sleeps longer than the timeout raises "TIMEOUT"), and calls that cannot
-- yield, and two threads sharing a session. Script args: user, pass,
-- silent.
description = "libssh2 module edge cases"
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

action = function(host, port)
  local args = nmap.registry.args
  -- Left open on purpose: collected at the end of the run.
  local s = libssh2.session_open(host, port.number)
  show("auth", libssh2.userauth_password(s, args.user, args.pass))
  libssh2.set_timeout(s, 500)
  local ch = libssh2.open_channel(s)
  libssh2.channel_exec(s, ch, "sleep 5")
  local ok, err = pcall(libssh2.channel_read, s, ch)
  show("timeout", ok, (tostring(err):gsub("^[^:]*:%d+: ", "")))
  -- Not yieldable: a gsub callback.
  ok, err = pcall(string.gsub, "a", "a", function()
    return libssh2.channel_read(s, ch)
  end)
  show("noyield", ok, (tostring(err):gsub("^[^:]*:%d+: ", "")))
  -- One session, two threads: while one waits, the other's calls that
  -- would wait too, and session_close, raise.
  libssh2.set_timeout(s, 10000)
  local ch2 = libssh2.open_channel(s)
  libssh2.channel_exec(s, ch2, "sleep 1; echo late")
  local got
  stdnse.new_thread(function() got = libssh2.channel_read(s, ch2) end)
  stdnse.sleep(0.2)
  ok, err = pcall(libssh2.channel_read, s, ch2)
  show("busy", ok, (tostring(err):gsub("^[^:]*:%d+: ", "")))
  ok, err = pcall(libssh2.session_close, s)
  show("busy_close", ok, (tostring(err):gsub("^[^:]*:%d+: ", "")))
  for _ = 1, 50 do
    if got then break end
    stdnse.sleep(0.1)
  end
  show("waiter_got", (tostring(got):gsub("\r?\n", "")))
  show("start_silent")
  libssh2.session_open(host, tonumber(args.silent))
  show("not_reached")
end
