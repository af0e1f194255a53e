-- Fetches each path of servers/gzip_http.py through Nmap's http.lua and
-- reports how the body was decoded: one line per path with the status, the
-- decoded and undecoded encodings, the body length and its MD5.
local http = require "http"
local openssl = require "openssl"
local stdnse = require "stdnse"

description = "Reports gzip decoding of test bodies."
categories = {"safe"}

portrule = function() return true end

action = function(host, port)
  local out = {}
  for _, path in ipairs({"/small", "/big", "/truncated", "/corrupt", "/empty"}) do
    local r = http.get(host, port, path)
    local body = r.body or ""
    out[#out + 1] = ("%s status=%s decoded=%s undecoded=%s len=%d md5=%s"):format(
      path, tostring(r.status), table.concat(r.decoded or {}, ","),
      table.concat(r.undecoded or {}, ","), #body,
      stdnse.tohex(openssl.md5(body)))
    if path == "/small" then
      out[#out + 1] = "title=" .. (body:match("<title>(.-)</title>") or "none")
    end
  end
  return table.concat(out, "\n")
end
