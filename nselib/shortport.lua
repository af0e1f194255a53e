---
-- Ready-made port rules: build a <code>portrule</code> from port numbers,
-- service names, protocols and states.
--
-- Every builder takes single values or arrays. The protocol defaults to
-- <code>"tcp"</code> and the states to <code>{"open", "open|filtered"}</code>.
-- Port lists may hold numbers or strings <code>"N"</code> /
-- <code>"N-M"</code> (ranges); a malformed string raises when the rule runs.
--
-- @class module
-- @name shortport
-- @copyright Same as Portolan

local nmap = require "nmap"
local stdnse = require "stdnse"
local string = require "string"

_ENV = stdnse.module("shortport", stdnse.seeall)

local DEFAULT_PROTOS = "tcp"
local DEFAULT_STATES = {"open", "open|filtered"}

local function as_list(v)
  if type(v) == "table" then
    return v
  end
  return {v}
end

local function list_has(list, value)
  for _, x in ipairs(list) do
    if x == value then
      return true
    end
  end
  return false
end

-- Whether number is listed in ports, directly or inside an "N-M" string.
local function ports_include(ports, number)
  for _, entry in ipairs(ports) do
    if entry == number then
      return true
    end
    if type(entry) == "string" then
      local lo, hi = string.match(entry, "^(%d+)%-(%d+)$")
      if lo == nil then
        lo = string.match(entry, "^(%d+)$")
        hi = lo
      end
      lo, hi = tonumber(lo), tonumber(hi)
      assert(lo, "Incorrect port range specification.")
      assert(lo <= hi, "Incorrect port range specification, the starting " ..
        "port should have a smaller value than the ending port.")
      assert(lo >= 0 and hi <= 65535,
        "Port range number out of range (0-65535).")
      if number >= lo and number <= hi then
        return true
      end
    end
  end
  return false
end

--- Whether <code>port</code> (a number) with <code>proto</code> (default
-- "tcp") is in the Exclude directive of the service probes.
function port_is_excluded(port, proto)
  return nmap.port_is_excluded(port, proto or "tcp")
end

-- A rule that holds when match(port) does and the port's protocol and state
-- are among protos and states (the defaults when nil).
local function filtered_rule(match, protos, states)
  protos = as_list(protos or DEFAULT_PROTOS)
  states = as_list(states or DEFAULT_STATES)
  return function(host, port)
    return match(port)
      and list_has(protos, port.protocol)
      and list_has(states, port.state)
  end
end

--- Rule: the port number is one of <code>ports</code>.
-- @usage portrule = shortport.portnumber({80, 443})
function portnumber(ports, protos, states)
  ports = as_list(ports)
  return filtered_rule(function(port)
    return ports_include(ports, port.number)
  end, protos, states)
end

--- Rule: the port's service name (from version detection, or else from the
-- services table) is one of <code>services</code>.
-- @usage portrule = shortport.service("ftp")
function service(services, protos, states)
  services = as_list(services)
  return filtered_rule(function(port)
    return list_has(services, port.service)
  end, protos, states)
end

--- Rule: <code>portnumber</code> or <code>service</code> matches.
-- @usage portrule = shortport.port_or_service(22, "ssh")
function port_or_service(ports, services, protos, states)
  local by_number = portnumber(ports or {}, protos, states)
  local by_name = service(services or {}, protos, states)
  return function(host, port)
    return by_number(host, port) or by_name(host, port)
  end
end

--- Rule for version-category scripts: <code>port_or_service</code>, the port
-- is not excluded from probing, and the version intensity is at least
-- <code>rarity</code> (default 7).
function version_port_or_service(ports, services, protos, states, rarity)
  local matches = port_or_service(ports, services, protos, states)
  return function(host, port)
    return matches(host, port)
      and not port_is_excluded(port.number, port.protocol)
      and nmap.version_intensity() >= (rarity or 7)
  end
end

LIKELY_HTTP_PORTS = {
  80, 443, 631, 7080, 8080, 8443, 8088, 5800, 3872, 8180, 8000,
}

LIKELY_HTTP_SERVICES = {
  "http", "https", "ipp", "http-alt", "https-alt", "vnc-http", "oem-agent",
  "soap", "http-proxy", "caldav", "carddav", "webdav",
}

--- Rule: the port is likely to speak HTTP.
-- @class function
-- @name http
http = port_or_service(LIKELY_HTTP_PORTS, LIKELY_HTTP_SERVICES)

local LIKELY_SSL_PORTS = {
  261, 271, 324, 443, 465, 563, 585, 636, 853, 989, 990, 992, 993, 994, 995,
  2221, 2252, 2376, 3269, 3389, 4433, 4911, 5061, 5986, 6679, 6697, 8443,
  9001, 8883,
}

local LIKELY_SSL_SERVICES = {
  "ftps", "ftps-data", "ftps-control", "https", "https-alt", "imaps", "ircs",
  "ldapssl", "ms-wbt-server", "pop3s", "sip-tls", "smtps", "telnets",
  "tor-orport",
}

local ssl_by_name = port_or_service(LIKELY_SSL_PORTS, LIKELY_SSL_SERVICES,
  {"tcp", "sctp"})

-- A TLS 1.2 ClientHello offering common suites, groups and signature
-- algorithms, so that a default OpenSSL server answers with a ServerHello.
local function client_hello()
  local function u16list(...)
    local n = select("#", ...)
    return string.pack(">I2" .. string.rep("I2", n), 2 * n, ...)
  end
  local function ext(kind, body)
    return string.pack(">I2s2", kind, body)
  end
  local extensions = ext(0x000a, u16list(0x001d, 0x0017, 0x0018))
    .. ext(0x000b, "\1\0")
    .. ext(0x000d, u16list(0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806,
      0x0401, 0x0501, 0x0601, 0x0201))
  local body = "\3\3" .. string.rep("\x5a", 32) .. "\0"
    .. u16list(0xc02f, 0xc030, 0xc02b, 0xc02c, 0x009c, 0x009d, 0x002f,
      0x0035, 0x000a, 0x00ff)
    .. "\1\0" .. string.pack(">s2", extensions)
  local handshake = "\1" .. string.pack(">I3", #body) .. body
  return "\x16\3\1" .. string.pack(">s2", handshake)
end

-- true: a TLS server answered; false: something else answered; nil: no
-- usable answer.
local function probe_tls(host, port)
  local comm = require "comm"
  local ok, resp = comm.exchange(host, port, client_hello())
  if not ok or not resp then
    return nil
  end
  -- ServerHello, or an alert saying handshake_failure/protocol_version.
  if string.match(resp, "^\x16\3[\0-\3]..\2...\3[\0-\3]")
    or string.match(resp, "^\x15\3[\0-\3]\0\2\2[\x28\x46]") then
    return true
  end
  if not string.match(resp, "^[\x15\x16]\3") then
    return false
  end
  return nil
end

--- Rule: the port is likely to speak SSL/TLS. Known ports and service
-- names match at once. When version detection was weak (confidence 3 or
-- less, e.g. no -sV), a TLS probe is sent once per host and port and its
-- verdict cached in <code>host.registry.ssl</code>. With a nil host only
-- the static check is made.
function ssl(host, port)
  if port.version and port.version.service_tunnel == "ssl" then
    return true
  end
  if ssl_by_name(host, port) then
    return true
  end
  if not host then
    return false
  end
  local v = port.version
  if not (v and v.name_confidence and v.name_confidence <= 3
      and host.registry
      and not nmap.port_is_excluded(port.number, port.protocol)) then
    return false
  end
  host.registry.ssl = host.registry.ssl or {}
  local cache = host.registry.ssl
  local key = port.number .. port.protocol
  local mutex = nmap.mutex(cache)
  mutex "lock"
  local verdict = cache[key]
  if verdict == nil then
    -- An undecided probe answers nil this time (as Nmap does) and false
    -- from the cache afterwards.
    verdict = probe_tls(host, port)
    cache[key] = verdict or false
  end
  mutex "done"
  return verdict
end

local LIKELY_SSH_PORTS = {22, 2222, 55554, 22222, 2382, 830}
local LIKELY_SSH_SERVICES = {"ssh", "netconf-ssh"}

--- Rule: the port is likely to speak SSH.
-- @class function
-- @name ssh
ssh = port_or_service(LIKELY_SSH_PORTS, LIKELY_SSH_SERVICES)

--- Rule from a port list in -p syntax, e.g. "T:80,1-30,U:31337,21-25".
-- Ports before any T:/U: apply to both TCP and UDP.
function port_range(range)
  assert(type(range) == "string" and range ~= "",
    "Incorrect port range specification.")
  local lists = {tcp = {}, udp = {}}
  local proto = nil
  for item in string.gmatch(range, "[^,]+") do
    item = string.match(item, "^%s*(.-)%s*$")
    local prefix, rest = string.match(item, "^([TU]):(.*)$")
    if prefix then
      proto = (prefix == "T") and "tcp" or "udp"
      item = rest
    end
    assert(string.match(item, "^[%d%-]+$"), "Incorrect port range specification.")
    local entry = tonumber(item) or item
    if proto == nil then
      lists.tcp[#lists.tcp + 1] = entry
      lists.udp[#lists.udp + 1] = entry
    else
      lists[proto][#lists[proto] + 1] = entry
    end
  end
  local tcp_rule = portnumber(lists.tcp, "tcp")
  local udp_rule = portnumber(lists.udp, "udp")
  return function(host, port)
    return tcp_rule(host, port) or udp_rule(host, port)
  end
end

return _ENV
