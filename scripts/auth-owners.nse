local nmap = require "nmap"
local stdnse = require "stdnse"
local string = require "string"

description = [[
Finds the owner of an open TCP port by asking the target's identification
(auth/identd, RFC 1413) service on TCP port 113, which must be open too.

Identd is meant to name the owner of a connection that the target makes
outwards, but many servers also answer for listening services. The script
opens one connection to the port of interest and another to port 113, then
asks about the first: "<service port>, <our local port>". A USERID reply
names the owner; an ERROR reply produces no output. A NO-USER reply is
retried twice after a short pause, because identd cannot name the owner of
a connection that the service has not accepted yet.
]]

---
-- @usage
-- portolan -sT -p 113,21,22 --script auth-owners <target>
--
-- @output
-- 21/tcp   open  ftp
-- |_auth-owners: nobody
-- 22/tcp   open  ssh
-- |_auth-owners: root
-- 113/tcp  open  ident
-- |_auth-owners: oidentd

author = "Portolan"
license = "Same as Portolan"
categories = {"default", "safe"}

-- Run on an open TCP port when the host's auth port was scanned and found
-- open (get_port_state is nil for a port that was not scanned).
portrule = function(host, port)
  local auth = nmap.get_port_state(host, {number = 113, protocol = "tcp"})
  return auth ~= nil
    and auth.state == "open"
    and port.protocol == "tcp"
    and port.state == "open"
end

-- Extracts the user id from one RFC 1413 reply line:
--   <server port> , <client port> : USERID : <os> [, <charset>] : <user id>
-- The user id is everything after the third colon (it may contain colons).
-- Returns nil for ERROR replies and anything malformed.
local function parse_reply(line)
  local kind, rest = string.match(line,
    "^%s*%d+%s*,%s*%d+%s*:%s*([%u%-]+)%s*:(.*)$")
  if kind ~= "USERID" then
    return nil
  end
  local owner = string.match(rest, "^[^:]*:%s*(.-)%s*$")
  if owner == nil or owner == "" then
    return nil
  end
  return owner
end

-- A just-accepted connection has no owning process until the server calls
-- accept(), and identd answers NO-USER meanwhile: ask a few times, briefly.
local ATTEMPTS = 3
local RETRY_DELAY = 0.2

action = function(host, port)
  local service = nmap.new_socket()
  local timeout = stdnse.get_timeout(host, 5000)
  service:set_timeout(timeout)
  local ident

  -- Any failure closes both connections and ends the script quietly.
  local try = nmap.new_try(function()
    if ident then
      ident:close()
    end
    service:close()
  end)

  try(service:connect(host, port))
  -- The query needs our end of the service connection.
  local _, local_port = try(service:get_info())
  local query = string.format("%d, %d\r\n", port.number, local_port)

  local line
  for attempt = 1, ATTEMPTS do
    ident = nmap.new_socket()
    ident:set_timeout(timeout)
    try(ident:connect(host, 113))
    try(ident:send(query))
    local reply = try(ident:receive_lines(1))
    ident:close()
    line = string.match(reply, "^[^\r\n]*")
    if attempt == ATTEMPTS or not string.match(line, ":%s*ERROR%s*:%s*NO%-USER") then
      break
    end
    stdnse.sleep(RETRY_DELAY * attempt)
  end
  service:close()

  local owner = parse_reply(line)
  if owner == nil then
    stdnse.debug1("no owner for port %d: %s", port.number, line)
  end
  return owner
end
