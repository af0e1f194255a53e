-- Tests for nselib/comm.lua against the loopback services run.sh starts
-- (tests/lua/server.py): banner, echo, silent and closed ports.
local comm = require "comm"
local nmap = require "nmap"
local stdnse = require "stdnse"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for comm."
categories = {"safe"}

prerule = function() return true end

local HOST = {ip = "127.0.0.1"}
local BANNER = "220 portolan test banner\r\nsecond line\r\n"

local function port(kind)
  local n = tonumber(stdnse.get_script_args("test." .. kind .. "_port"))
  assert(n, "run.sh must pass test." .. kind .. "_port")
  return {number = n, protocol = "tcp", state = "open", service = "unknown"}
end

local cases = {
  {"get_banner", function()
    local ok, banner = comm.get_banner(HOST, port("banner"), {lines = 2})
    H.eq(ok, true, "status")
    H.eq(banner, BANNER, "banner")
  end},
  {"get_banner with a port number and default options", function()
    local ok, banner = comm.get_banner(HOST, port("banner").number)
    H.eq(ok, true, "status")
    H.ok(banner:sub(1, 24) == "220 portolan test banner", "banner start")
  end},
  {"get_banner timeout", function()
    local t0 = stdnse.clock_ms()
    local ok, err = comm.get_banner(HOST, port("silent"), {timeout = 200})
    H.eq(ok, false, "status")
    H.ok(err ~= nil, "message")
    H.ok(stdnse.clock_ms() - t0 < 5000, "bounded by the timeout")
  end},
  {"get_banner refused", function()
    local ok, err = comm.get_banner(HOST, port("closed"), {timeout = 1000})
    H.eq(ok, false, "status")
    H.ok(err ~= nil, "message")
  end},
  {"exchange lines and bytes", function()
    local ok, resp = comm.exchange(HOST, port("echo"), "hello\n", {lines = 1})
    H.eq(ok, true, "status")
    H.eq(resp, "hello\n", "echo")
    ok, resp = comm.exchange(HOST, port("echo").number, "12345678", {bytes = 8})
    H.eq(ok, true, "status bytes")
    H.eq(resp, "12345678", "bytes")
  end},
  {"exchange timeout", function()
    local t0 = stdnse.clock_ms()
    local ok, err = comm.exchange(HOST, port("silent"), "x", {timeout = 200})
    H.eq(ok, nil, "status (the socket's nil)")
    H.eq(tostring(err), "TIMEOUT", "TIMEOUT")
    H.ok(stdnse.clock_ms() - t0 < 3000, "bounded")
  end},
  {"exchange refused", function()
    local ok, err = comm.exchange(HOST, port("closed"), "x", {timeout = 1000})
    H.eq(ok, nil, "status (the socket's nil)")
    H.ok(err ~= nil, "message")
  end},
  {"opencon with recv_before", function()
    local sock, resp, early = comm.opencon(HOST, port("banner"), "ping\n",
      {recv_before = true, lines = 2})
    H.ok(sock, "socket")
    H.eq(early, BANNER, "early response")
    H.eq(resp, "ping\n", "response")
    sock:close()
  end},
  {"opencon without data returns the early response", function()
    local sock, resp, early = comm.opencon(HOST, port("banner"), nil,
      {recv_before = true, lines = 2})
    H.ok(sock, "socket")
    H.eq(resp, BANNER, "response is early")
    H.eq(early, BANNER, "early")
    sock:close()
  end},
  {"opencon refused", function()
    local sock, err = comm.opencon(HOST, port("closed"), "x", {timeout = 1000})
    H.eq(sock, false, "false socket")
    H.ok(err ~= nil, "message")
  end},
  {"tryssl plain service", function()
    local sock, resp, best, early = comm.tryssl(HOST, port("echo"), "x\n")
    H.ok(sock, "socket")
    H.eq(resp, "x\n", "response")
    H.eq(best, "tcp", "tcp first for an unknown port")
    H.eq(early, nil, "no early read")
    sock:close()
  end},
  {"tryssl refused", function()
    local sock, err, best = comm.tryssl(HOST, port("closed"), "x", {timeout = 1000})
    H.eq(sock, false, "no socket")
    H.ok(err ~= nil, "message")
    H.eq(best, "none", "none worked")
  end},
  {"tryssl falls back to SSL", function()
    local sock, resp, best = comm.tryssl(HOST, port("tls"), nil,
      {recv_before = true, timeout = 1000})
    H.ok(sock, "socket")
    H.eq(resp, "220 portolan tls banner\r\n", "banner over TLS")
    H.eq(best, "ssl", "ssl worked")
    sock:close()
  end},
  {"get_banner tries SSL first on an ssl tunnel", function()
    local p = port("tls")
    p.version = {service_tunnel = "ssl"}
    local ok, banner = comm.get_banner(HOST, p, {timeout = 2000})
    H.eq(ok, true, "status")
    H.eq(banner, "220 portolan tls banner\r\n", "banner")
  end},
  {"make_buffer on a real socket", function()
    local sock = nmap.new_socket()
    sock:set_timeout(3000)
    H.ok(sock:connect(HOST.ip, port("banner").number), "connect")
    local read = stdnse.make_buffer(sock, "\r?\n")
    H.eq(read(), "220 portolan test banner", "line 1")
    H.eq(read(), "second line", "line 2")
    sock:close()
  end},
}

action = function()
  return H.run(cases)
end
