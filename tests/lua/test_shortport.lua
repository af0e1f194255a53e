-- Tests for nselib/shortport.lua (rules on hand-made port tables).
local shortport = require "shortport"
local stdnse = require "stdnse"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for shortport."
categories = {"safe"}

prerule = function() return true end

local function P(number, service, protocol, state, version)
  return {number = number, service = service, protocol = protocol or "tcp",
    state = state or "open", version = version}
end

local cases = {
  {"portnumber", function()
    local r = shortport.portnumber(80)
    H.eq(r(nil, P(80)), true, "match")
    H.eq(r(nil, P(81)), false, "other port")
    H.eq(r(nil, P(80, nil, "udp")), false, "tcp only by default")
    H.eq(r(nil, P(80, nil, "tcp", "open|filtered")), true, "open|filtered")
    H.eq(r(nil, P(80, nil, "tcp", "closed")), false, "closed")
    H.eq(r(nil, P(80, nil, "tcp", "filtered")), false, "filtered")
    r = shortport.portnumber({22, "100-200", "300"}, {"tcp", "udp"}, "closed")
    H.eq(r(nil, P(150, nil, "udp", "closed")), true, "range, udp, closed")
    H.eq(r(nil, P(300, nil, "tcp", "closed")), true, "numeric string")
    H.eq(r(nil, P(201, nil, "tcp", "closed")), false, "outside range")
    H.eq(r(nil, P(22)), false, "state list replaces default")
  end},
  {"portnumber bad ranges raise", function()
    H.raises(function() shortport.portnumber("x")(nil, P(1)) end,
      "Incorrect port range specification.")
    H.raises(function() shortport.portnumber("9-2")(nil, P(1)) end,
      "the starting port should have a smaller value")
    H.raises(function() shortport.portnumber("1-70000")(nil, P(1)) end,
      "Port range number out of range (0-65535).")
  end},
  {"service", function()
    local r = shortport.service({"ftp", "ssh"})
    H.eq(r(nil, P(2121, "ftp")), true, "ftp")
    H.eq(r(nil, P(22, "telnet")), false, "other")
    H.eq(shortport.service("dns", "udp")(nil, P(53, "dns", "udp")), true, "udp")
  end},
  {"port_or_service", function()
    local r = shortport.port_or_service(22, "ssh")
    H.eq(r(nil, P(22, "unknown")), true, "by number")
    H.eq(r(nil, P(2222, "ssh")), true, "by name")
    H.eq(r(nil, P(23, "telnet")), false, "neither")
    H.eq(shortport.port_or_service(nil, "x")(nil, P(1, "x")), true, "nil ports")
  end},
  {"http and ssh", function()
    H.eq(shortport.http(nil, P(8080, "http-proxy")), true, "8080")
    H.eq(shortport.http(nil, P(18080, "unknown")), false, "18080 without -sV")
    H.eq(shortport.http(nil, P(9999, "http")), true, "service http")
    H.eq(shortport.ssh(nil, P(2222, "x")), true, "ssh port")
    H.eq(shortport.LIKELY_HTTP_PORTS[1], 80, "LIKELY_HTTP_PORTS")
    H.eq(shortport.LIKELY_HTTP_SERVICES[1], "http", "LIKELY_HTTP_SERVICES")
  end},
  {"ssl static checks", function()
    H.eq(shortport.ssl(nil, P(443, "https")), true, "443")
    H.eq(shortport.ssl(nil, P(8443, "x")), true, "8443")
    H.eq(shortport.ssl(nil, P(9443, "imaps")), true, "service")
    H.eq(shortport.ssl(nil, P(80, "http")), false, "80")
    H.eq(shortport.ssl(nil, P(81, "x", "tcp", "open", {service_tunnel = "ssl"})),
      true, "tunnel")
    H.eq(shortport.ssl(nil, P(443, "https", "udp")), false, "udp")
    -- Confident version data: no probe even with a host.
    H.eq(shortport.ssl({ip = "127.0.0.1", registry = {}},
      P(80, "http", "tcp", "open", {name_confidence = 10})), false, "confident")
  end},
  {"ssl probes weakly identified ports once", function()
    local host = {ip = "127.0.0.1", registry = {}}
    local function weak(kind)
      local n = tonumber(stdnse.get_script_args("test." .. kind .. "_port"))
      return P(n, "unknown", "tcp", "open", {name_confidence = 3})
    end
    local tls, plain, echo = weak("tls"), weak("banner"), weak("echo")
    H.eq(shortport.ssl(host, tls), true, "TLS server detected")
    H.eq(host.registry.ssl[tls.number .. "tcp"], true, "verdict cached")
    H.eq(shortport.ssl(host, plain), false, "banner service is not TLS")
    H.eq(shortport.ssl(host, echo), nil, "echoed hello is undecided")
    H.eq(host.registry.ssl[echo.number .. "tcp"], false, "false cached")
    H.eq(shortport.ssl(host, echo), false, "then false from the cache")
    host.registry.ssl[tls.number .. "tcp"] = false
    H.eq(shortport.ssl(host, tls), false, "cache is used")
  end},
  {"version_port_or_service", function()
    local r = shortport.version_port_or_service(22, "ssh")
    local want = nmap.version_intensity() >= 7
    H.eq(r(nil, P(22)), want, "intensity gate")
    H.eq(shortport.version_port_or_service(22, nil, nil, nil, 0)(nil, P(22)),
      true, "rarity 0")
    H.eq(shortport.version_port_or_service(22, nil, nil, nil, 10)(nil, P(22)),
      false, "rarity 10")
  end},
  {"port_range", function()
    local r = shortport.port_range("T:80,1-30,U:31337,21-25")
    H.eq(r(nil, P(80)), true, "T:80")
    H.eq(r(nil, P(80, nil, "udp")), false, "80 not udp")
    H.eq(r(nil, P(10)), true, "tcp range")
    H.eq(r(nil, P(31337, nil, "udp")), true, "U:31337")
    H.eq(r(nil, P(22, nil, "udp")), true, "udp range after U:")
    H.eq(r(nil, P(22)), true, "22 in tcp 1-30")
    local both = shortport.port_range("53")
    H.eq(both(nil, P(53, nil, "udp")), true, "no prefix: udp")
    H.eq(both(nil, P(53)), true, "no prefix: tcp")
    H.raises(function() shortport.port_range("") end, "Incorrect port range")
  end},
  {"port_is_excluded", function()
    H.eq(type(shortport.port_is_excluded(80)), "boolean", "boolean")
  end},
}

action = function()
  return H.run(cases)
end
