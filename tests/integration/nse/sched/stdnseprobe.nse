description = "Engine functions injected into stdnse (NSE-NOTES §1.5, §13.1)."
categories = {"safe"}

local stdnse = require "stdnse"

prerule = function() return true end

action = function()
  local out = stdnse.output_table()
  out.id = stdnse.getid()
  out.info = stdnse.getinfo():match("^stdnseprobe M:%x+$") and "ok" or stdnse.getinfo()
  out.tid = stdnse.gettid() == tostring(stdnse.base()) and "ok" or "bad"
  out.worker = tostring(stdnse.isworker())
  local h, p = stdnse.gethostport()
  out.hostport = tostring(h) .. "," .. tostring(p)
  local inner
  local co, status = stdnse.new_thread(function(x)
    inner = ("%s %s %s"):format(x, tostring(stdnse.isworker()), stdnse.getid())
    error("worker err", 0)
  end, "w")
  local cv = nmap.condvar(out)
  while coroutine.status(co) ~= "dead" do stdnse.sleep(0.01) end
  local st, err = status()
  out.worker_ran = inner
  out.status = st .. " " .. tostring(err)
  out.arg = stdnse.get_script_args("stdnseprobe.a") or "nil"
  out.flag = tostring(stdnse.get_script_args("flag"))
  out.missing = tostring(stdnse.silent_require and "has" or "none")
  stdnse.debug1("debug line %d", 7)
  return out
end
