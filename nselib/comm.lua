---
-- Simple connect/send/receive helpers for banner grabbing and one-shot
-- exchanges.
--
-- Every function takes an optional options table:
-- * <code>bytes</code>: read at least this many bytes;
-- * <code>lines</code>: read at least this many lines (wins over bytes);
--   with neither, one receive returns whatever arrives;
-- * <code>proto</code>: "tcp" (default), "udp" or "ssl";
-- * <code>timeout</code>: milliseconds, used for both connect and request
--   timeouts unless those are given;
-- * <code>connect_timeout</code>: connect timeout in milliseconds (default
--   <code>stdnse.get_timeout(host)</code>);
-- * <code>request_timeout</code>: extra milliseconds allowed for the answer
--   (default 6000); it is added to the connect timeout;
-- * <code>recv_before</code>: read once before sending anything;
-- * <code>any_af</code>: resolve a host name in any address family.
--
-- Functions return <code>true, data</code> or a false status (false, or the
-- socket's nil) and a message, suitable for <code>nmap.new_try</code>. The message is the socket's
-- error string (e.g. "TIMEOUT", "EOF", "ERROR", "Connection refused"), so
-- scripts can compare it directly.
--
-- @class module
-- @name comm
-- @copyright Same as Portolan

local nmap = require "nmap"
local stdnse = require "stdnse"

_ENV = stdnse.module("comm", stdnse.seeall)

-- Milliseconds a service may take to answer once connected (the service
-- probes' usual total wait).
local REQUEST_TIMEOUT = 6000

-- Connect timeout and total request timeout, in milliseconds.
local function timeouts(host, opts)
  local connect = opts.connect_timeout or opts.timeout
    or stdnse.get_timeout(host)
  local request = opts.request_timeout or opts.timeout or REQUEST_TIMEOUT
  return connect, request + connect
end

-- Opens a connected socket, or returns false and the connect error.
local function connect(host, port, opts)
  local connect_ms, request_ms = timeouts(host, opts)
  local sock = nmap.new_socket()
  sock:set_timeout(connect_ms)
  if type(host) == "string" and opts.any_af then
    local ok, addrs = nmap.resolve(host)
    if ok and addrs[1] then
      host = {ip = addrs[1], targetname = host}
    end
  end
  local ok, err = sock:connect(host, port, opts.proto)
  if not ok then
    sock:close()
    -- The socket's own failure status (nil) passes through, as in Nmap.
    return ok, err
  end
  sock:set_timeout(request_ms)
  return true, sock
end

-- One read following opts.lines / opts.bytes.
local function read(sock, opts)
  if opts.lines then
    return sock:receive_lines(opts.lines)
  elseif opts.bytes then
    return sock:receive_bytes(opts.bytes)
  end
  return sock:receive()
end

--- Connects and returns what the service sends first.
-- @param host Host table or address.
-- @param port Port table or number.
-- @param opts Options (see the module description).
-- @return true and the data, or false and an error message.
function get_banner(host, port, opts)
  opts = opts or {}
  opts.recv_before = true
  local sock, msg, _, banner = tryssl(host, port, nil, opts)
  if not sock then
    return false, msg
  end
  sock:close()
  return true, banner
end

--- Connects, sends <code>data</code>, and returns the answer.
-- @param host Host table or address.
-- @param port Port table or number.
-- @param data Bytes to send.
-- @param opts Options (see the module description).
-- @return true and the answer, or false and an error message.
function exchange(host, port, data, opts)
  opts = opts or {}
  local ok, sock = connect(host, port, opts)
  if not ok then
    return ok, sock
  end
  local sent, err = sock:send(data)
  if not sent then
    sock:close()
    return false, err
  end
  local status, answer = read(sock, opts)
  sock:close()
  return status, answer
end

-- Which transport to try first and which second for this port.
local function transport_order(port)
  if type(port) == "number" then
    port = {number = port, protocol = "tcp", state = "open"}
  end
  if type(port) ~= "table" then
    return "tcp", "ssl"
  end
  if port.protocol == "udp" then
    stdnse.debug2("DTLS (SSL over UDP) is not supported")
    return "udp", "udp"
  end
  local v = port.version
  if v and v.service_tunnel == "ssl" then
    return "ssl", "tcp"
  end
  if v and v.name_confidence and v.name_confidence > 6 then
    return "tcp", "ssl"
  end
  -- Static check only (nil host): no probing from here.
  local shortport = require "shortport"
  local probe = {
    number = port.number,
    service = port.service,
    protocol = port.protocol or "tcp",
    state = port.state or "open",
    version = v,
  }
  if shortport.ssl(nil, probe) then
    return "ssl", "tcp"
  end
  return "tcp", "ssl"
end

--- Connects, optionally reads first (<code>opts.recv_before</code>), sends
-- <code>data</code> if any and reads the answer. The connection is kept
-- open on success.
-- @return The socket (false or nil on failure), the answer or an error
--         message, and the data read before sending (with
--         <code>recv_before</code>).
function opencon(host, port, data, opts)
  opts = opts or {}
  local ok, sock = connect(host, port, opts)
  if not ok then
    return false, sock
  end
  local status, response, early = true, nil, nil
  if opts.recv_before then
    status, early = read(sock, opts)
  end
  if data and #data > 0 then
    sock:send(data)
    status, response = sock:receive()
  else
    response = early
  end
  if not status then
    sock:close()
    -- The read's failure status (nil from the socket) stands in for the
    -- socket, as in Nmap.
    return status, response, early
  end
  return sock, response, early
end

--- Like <code>opencon</code>, trying SSL first on likely-SSL ports and
-- falling back to the other transport (UDP is only tried as plain UDP).
-- @return The socket (false or nil on failure), the answer or an error
--         message, the transport that worked ("tcp", "ssl", "udp" or
--         "none"), and the data read before sending.
function tryssl(host, port, data, opts)
  opts = opts or {}
  if not data and not opts.recv_before then
    stdnse.debug1("Using comm.tryssl without either first data payload or " ..
      "opts.recv_before.\nImpossible to test the connection for the " ..
      "correct protocol!")
  end
  local first, second = transport_order(port)
  if opts.proto == "udp" then
    stdnse.debug2("DTLS (SSL over UDP) is not supported")
  end
  opts.proto = first
  local used = first
  local sock, response, early = opencon(host, port, data, opts)
  if not sock and first ~= "udp" then
    opts.proto = second
    used = second
    sock, response, early = opencon(host, port, data, opts)
  end
  if not sock then
    used = "none"
  end
  return sock, response, used, early
end

return _ENV
