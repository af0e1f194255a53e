-- The nmap module's functions that need no host (NSE-NOTES 6).
description = "nmap module probe"
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

-- pcall, keeping only whether it raised and the message without position.
local function raises(f, ...)
  local ok, err = pcall(f, ...)
  if ok then return "no error" end
  return (tostring(err):gsub("^.-:%d+: ", ""))
end

action = function()
  show("debugging", math.type(nmap.debugging()), nmap.debugging())
  -- Selected by file path: verbosity gets +1 (a by-name selection).
  show("verbosity", math.type(nmap.verbosity()), nmap.verbosity())
  show("timing", nmap.timing_level())
  show("have_ssl", nmap.have_ssl())
  show("privileged", nmap.is_privileged())
  show("family", nmap.address_family())
  show("intensity", nmap.version_intensity())
  show("clock", math.type(nmap.clock()), math.abs(nmap.clock() - os.time()) < 2)
  show("clock_ms", math.type(nmap.clock_ms()),
    math.abs(nmap.clock_ms() / 1000 - nmap.clock()) < 1)
  show("random", #nmap.get_random_bytes(16), nmap.get_random_bytes(0),
    nmap.get_random_bytes(16) ~= nmap.get_random_bytes(16))
  show("random_neg", raises(nmap.get_random_bytes, -1))
  show("fetchfile", nmap.fetchfile("nmap-services") ~= nil,
    nmap.fetchfile("nselib"), nmap.fetchfile("no/such/file"))
  show("resolve", (function()
    local ok, t = nmap.resolve("127.0.0.1")
    return ok, #t, t[1]
  end)())
  show("resolve6", nmap.resolve("::1", "inet"))
  show("resolve_name", (function()
    local ok, t = nmap.resolve("localhost", "inet")
    return ok, t[1]
  end)())
  show("resolve_badfam", raises(nmap.resolve, "127.0.0.1", "ipx"))
  show("interface", nmap.get_interface())
  local lo = nmap.get_interface_info("lo")
  show("lo", lo.device, lo.shortname, lo.address, lo.netmask, lo.link,
    lo.up, lo.mtu > 0, lo.mac)
  show("no_iface", nmap.get_interface_info("nosuchif0"))
  local found = false
  for _, i in ipairs(nmap.list_interfaces()) do
    if i.device == "lo" and i.address == "127.0.0.1" then found = true end
  end
  show("list_interfaces", found)
  show("ttl", nmap.get_ttl(), nmap.get_payload_length())
  show("dns_servers", type(nmap.get_dns_servers()))
  show("excluded", nmap.port_is_excluded(9100, "tcp"))
  show("excluded_bad", raises(nmap.port_is_excluded, 9100, "icmp"))
  show("registry", type(nmap.registry), type(nmap.registry.args))
  show("socket_table", type(nmap.socket.new), type(nmap.socket.sleep),
    type(nmap.socket.parse_ssl_certificate), type(nmap.socket.get_stats),
    type(nmap.socket.loop))
  show("sync", type(nmap.mutex), type(nmap.condvar), type(nmap.new_try))
  show("new_targets", nmap.new_targets_num())
  show("dnet", raises(nmap.new_dnet) ~= "no error")
  local t0 = nmap.clock()
  nmap.socket.sleep(0.2)
  show("sleep", nmap.clock() - t0 >= 0.15)
  return nil
end
