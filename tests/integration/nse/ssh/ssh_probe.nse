-- The libssh2 C module against a real OpenSSH server (issue #4). Script
-- args: user, pass (the user's password), key (private key file), pub (its
-- .pub file), other (a .pub file of a key the server does not know).
-- Prints "PROBE <step> <values>" lines that test_libssh2.sh checks; values
-- that depend on the run (host key hashes, uid) are printed for the test to
-- compare with ssh-keygen and id.
description = "libssh2 module probe"
categories = {"safe"}

local libssh2 = require "libssh2"
local stdnse = require "stdnse"

portrule = function(host, port)
  return port.number == 22 and port.state == "open"
end

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

-- Whether f raised, and its message without the position prefix.
local function raises(f, ...)
  local ok, err = pcall(f, ...)
  if ok then
    return false, err
  end
  return true, (tostring(err):gsub("^[^:]*:%d+: ", ""))
end

local function run(session, cmd)
  local channel = libssh2.open_channel(session)
  libssh2.channel_exec(session, channel, cmd)
  libssh2.channel_send_eof(session, channel)
  local out = {}
  local reads = 0
  -- Bounded: a command's output is small; each read waits for data.
  while not libssh2.channel_eof(channel) and reads < 1000 do
    reads = reads + 1
    local data = libssh2.channel_read(session, channel)
    if data then
      out[#out + 1] = data
    end
  end
  libssh2.channel_close(session, channel)
  return table.concat(out)
end

action = function(host, port)
  local args = nmap.registry.args
  local user, pass = args.user, args.pass

  local s = libssh2.session_open(host, port.number)
  show("open", type(s))
  show("sha1", libssh2.hostkey_hash(s))
  show("md5", libssh2.hostkey_hash(s, "md5"))
  show("badhash", raises(libssh2.hostkey_hash, s, "sha256"))
  libssh2.set_timeout(s, 10000)
  local methods = libssh2.userauth_list(s, user)
  table.sort(methods)
  show("list", table.concat(methods, ","))
  show("canauth_good", libssh2.publickey_canauth(s, user, libssh2.read_publickey(args.pub)))
  show("canauth_other", libssh2.publickey_canauth(s, user, libssh2.read_publickey(args.other)))
  show("badpass", libssh2.userauth_password(s, user, pass .. "x"))
  show("goodpass", libssh2.userauth_password(s, user, pass))
  show("exec", run(s, "echo out-$((6*7)); echo err >&2"))
  local ch = libssh2.open_channel(s, true)
  libssh2.channel_exec(s, ch, "cat; echo done >&2")
  show("write", libssh2.channel_write(s, ch, "hello\n"))
  libssh2.channel_send_eof(s, ch)
  local out, err, n = {}, {}, 0
  while not libssh2.channel_eof(ch) and n < 1000 do
    n = n + 1
    out[#out + 1] = libssh2.channel_read(s, ch)
  end
  err[1] = libssh2.channel_read_stderr(s, ch)
  show("nopty", table.concat(out), table.concat(err))
  local s3 = libssh2.session_open(host, port.number)
  show("other_session", raises(libssh2.channel_read, s3, ch))
  libssh2.session_close(s3)
  libssh2.channel_close(s, ch)
  show("closed_channel", raises(libssh2.channel_eof, ch))
  libssh2.session_close(s)
  show("close_twice", pcall(libssh2.session_close, s))
  show("closed_session", raises(libssh2.userauth_list, s, user))

  -- Public key authentication on a second session, then the key's uid.
  local s2 = libssh2.session_open(host, port.number)
  show("pubkey_bad", libssh2.userauth_publickey(s2, user, args.key .. ".missing", ""))
  show("pubkey", libssh2.userauth_publickey(s2, user, args.key, ""))
  show("id", run(s2, "id -un"))
  libssh2.session_close(s2)

  -- Several sessions at once from parallel threads of this script.
  local done, condvar = 0, nmap.condvar({})
  local results = {}
  for i = 1, 3 do
    stdnse.new_thread(function()
      local si = libssh2.session_open(host, port.number)
      results[i] = libssh2.userauth_password(si, user, pass)
        and run(si, "echo par" .. i) or "fail"
      libssh2.session_close(si)
      done = done + 1
      condvar "signal"
    end)
  end
  while done < 3 do
    condvar "wait"
  end
  show("parallel", table.concat(results, ""))

  -- The same server over IPv6, from a host string.
  local s6 = libssh2.session_open("::1", 22)
  show("ipv6", libssh2.hostkey_hash(s6))
  libssh2.session_close(s6)

  -- Misuse and failures.
  show("noport", raises(libssh2.session_open, host, "x"))
  show("refused", raises(libssh2.session_open, host, 23))
  show("readpub_missing", raises(libssh2.read_publickey, args.pub .. ".missing"))
  return "done"
end
