-- The port model functions of the nmap module (NSE-NOTES 2.3, 6):
-- get_port_state, get_ports, set_port_state, set_port_version. Run with
-- -sT -p ECHO,SILENT,REFUSED 127.0.0.1; the portrule fires on ECHO only.
description = "nmap port functions probe"
categories = {"safe"}

portrule = function(host, port)
  return port.number == tonumber(nmap.registry.args.echo)
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

-- pcall, keeping only whether it raised and the message without position.
local function raises(f, ...)
  local ok, err = pcall(f, ...)
  if ok then return "no error" end
  return (tostring(err):gsub("^.-:%d+: ", ""))
end

-- Nmap raises these three as plain errors, Portolan (hostinfo.c) as
-- argument errors; the probe compares the message itself.
local function msg(f, ...)
  return (raises(f, ...):gsub("^bad argument #%d+ to '[^']*' %((.*)%)$", "%1"))
end

action = function(host, port)
  local a = nmap.registry.args
  local echo, silent, refused =
    tonumber(a.echo), tonumber(a.silent), tonumber(a.refused)
  local function st(n)
    local p = nmap.get_port_state(host, {number = n, protocol = "tcp"})
    return p and p.state, p and p.reason
  end
  show("state_echo", st(echo))
  show("state_refused", st(refused))
  show("state_unscanned", nmap.get_port_state(host, {number = 1, protocol = "tcp"}))
  show("state_bad_number", msg(nmap.get_port_state, host, {number = "1", protocol = "tcp"}))
  show("state_bad_proto", msg(nmap.get_port_state, host, {number = 1, protocol = "icmp"}))
  show("state_bad_host", msg(nmap.get_port_state, {}, port))
  show("state_other_host", raises(nmap.get_port_state, {ip = "127.0.0.9"}, port))
  show("state_by_ip", (nmap.get_port_state({ip = host.ip}, port) or {}).state)

  local open = {}
  local p = nmap.get_ports(host, nil, "tcp", "open")
  while p do
    open[#open + 1] = p.number
    p = nmap.get_ports(host, p, "tcp", "open")
  end
  show("open_ports", table.concat(open, ","))
  show("closed_first", nmap.get_ports(host, nil, "tcp", "closed").number)
  show("udp_none", nmap.get_ports(host, nil, "udp", "open"))
  show("ports_bad_state", raises(nmap.get_ports, host, nil, "tcp", "up"))

  show("set_state", nmap.set_port_state(host, {number = refused, protocol = "tcp"}, "open"))
  show("state_refused_after", st(refused))
  show("set_state_bad", raises(nmap.set_port_state, host, port, "filtered"))

  port.version.name = "myproto"
  port.version.product = "MyProduct"
  port.version.version = "1.2.3"
  port.version.extrainfo = "extra"
  port.version.ostype = string.rep("o", 40)
  port.version.hostname = string.rep("h", 100)
  port.version.cpe = {"cpe:/a:portolan:myproduct:1.2.3"}
  show("set_version", nmap.set_port_version(host, port))
  local v = nmap.get_port_state(host, port).version
  show("version", v.name, v.product, v.version, v.extrainfo, v.service_dtype,
    math.type(v.name_confidence), v.name_confidence, v.cpe[1])
  show("version_limits", #v.ostype, #v.hostname)
  show("service", nmap.get_port_state(host, port).service)

  local sp = nmap.get_port_state(host, {number = silent, protocol = "tcp"})
  sp.version.name = nil
  show("set_tcpwrapped", nmap.set_port_version(host, sp, "tcpwrapped"))
  v = nmap.get_port_state(host, sp).version
  show("tcpwrapped", v.name, v.name_confidence, v.service_dtype)

  local bad = {number = echo, protocol = "tcp", version = "x"}
  show("version_not_table", raises(nmap.set_port_version, host, bad))
  bad.version = {cpe = "x"}
  show("cpe_not_table", raises(nmap.set_port_version, host, bad))
  bad.version = {service_tunnel = "tls"}
  show("bad_tunnel", raises(nmap.set_port_version, host, bad))
  show("bad_probestate", raises(nmap.set_port_version, host, port, "maybe"))
  return "done"
end
