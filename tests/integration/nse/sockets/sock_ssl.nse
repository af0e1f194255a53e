-- TLS sockets (NSE-NOTES 7.1, 7.2, 7.7) against `openssl s_server -rev`
-- (sends each line back reversed) with two throwaway certificates: CN
-- default.test, and CN sni.test chosen by SNI. Also "echo" and "silent"
-- from sockserv.py, which never complete a handshake.
description = "NSE TLS socket probe"
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
  local a = nmap.registry.args
  local ssl, echo, silent = tonumber(a.ssl), tonumber(a.echo), tonumber(a.silent)

  local s = nmap.new_socket()
  s:set_timeout(5000)
  show("connect", s:connect("127.0.0.1", ssl, "ssl"))
  local cert = s:get_ssl_certificate()
  show("cn", cert.subject.commonName)
  show("pubkey", cert.pubkey.type, cert.pubkey.bits)
  show("send", s:send("hello\n"))
  show("recv", s:receive_lines(1))
  show("info", (select(2, s:get_info())))
  local sha1 = cert:digest("sha1")
  s:close()

  -- SNI comes from host.targetname (or a string host), not host.name.
  s = nmap.new_socket()
  s:set_timeout(5000)
  show("connect_sni", s:connect({ip = "127.0.0.1", targetname = "sni.test",
    name = "other.test"}, {number = ssl, protocol = "tcp"}, "ssl"))
  show("cn_sni", s:get_ssl_certificate().subject.commonName)
  s:close()
  s:set_timeout(5000)
  s:connect({ip = "127.0.0.1", name = "sni.test"}, ssl, "ssl")
  show("cn_name_ignored", s:get_ssl_certificate().subject.commonName)
  s:close()

  -- reconnect_ssl upgrades a plain connection on the same object.
  s = nmap.new_socket()
  s:set_timeout(5000)
  show("plain", s:connect("127.0.0.1", ssl))
  show("plain_cert", raises(s.get_ssl_certificate, s))
  show("reconnect_ssl", s:reconnect_ssl())
  show("cn_reconnect", s:get_ssl_certificate().subject.commonName)
  show("send2", s:send("abc\n"))
  show("recv2", s:receive_buf("\n", true))
  s:close()

  -- parse_ssl_certificate on the DER file of the default certificate.
  local f = assert(io.open(a.der, "rb"))
  local der = f:read("a")
  f:close()
  local parsed = nmap.socket.parse_ssl_certificate(der)
  show("parsed_cn", parsed.subject.commonName)
  show("parsed_digest", parsed:digest("sha1") == sha1)
  show("parsed_bad", nmap.socket.parse_ssl_certificate("junk"))

  -- Handshakes that cannot complete.
  s = nmap.new_socket()
  s:set_timeout(3000)
  show("ssl_to_echo", s:connect("127.0.0.1", echo, "ssl"))
  s:close()
  s:set_timeout(500)
  show("ssl_to_silent", s:connect("127.0.0.1", silent, "ssl"))
  s:close()
  return nil
end
