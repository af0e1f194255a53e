description = "Counts concurrent instances; the post-scan reports count and peak."
categories = {"safe"}

portrule = function() return true end
postrule = function() return true end

action = function(host, port)
  local r = nmap.registry
  if SCRIPT_TYPE == "postrule" then
    return ("count=%d peak=%d"):format(r.count or 0, r.peak or 0)
  end
  r.live = (r.live or 0) + 1
  r.peak = math.max(r.peak or 0, r.live)
  nmap.socket.sleep(0.02)
  r.live = r.live - 1
  r.count = (r.count or 0) + 1
end
