---
-- Dates and durations for script output: RFC 3339 timestamps, compact
-- durations ("1h02m03s"), date differences, and clock-skew records.
--
-- @class module
-- @name datetime
-- @copyright Same as Portolan

local math = require "math"
local os = require "os"
local stdnse = require "stdnse"
local string = require "string"

_ENV = stdnse.module("datetime", stdnse.seeall)

local floor = math.floor
local format = string.format

--- Records, in <code>host.registry.datetime_skew</code>, how far the
-- target's clock is from ours: <code>timestamp - received</code> (whole
-- seconds) minus half the smoothed round-trip time.
-- @param host The host table.
-- @param timestamp The target's time, in seconds.
-- @param received Our time when it arrived, in seconds.
function record_skew(host, timestamp, received)
  local skews = host.registry.datetime_skew or {}
  local srtt = host.times and host.times.srtt or 0
  local skew = os.difftime(floor(timestamp), floor(received)) - srtt / 2.0
  skews[#skews + 1] = skew
  stdnse.debug2("record_skew: %s", skew)
  host.registry.datetime_skew = skews
end

-- Seconds to add to os.time(t) when t is a UTC calendar table: the local
-- zone's offset, measured one day after the epoch so that zones east of
-- UTC do not fall before 1970.
local UTC_OFFSET = os.difftime(os.time(os.date("*t", 86400)),
  os.time(os.date("!*t", 86400)))

--- The local zone's offset from UTC in seconds (subtract it from a
-- timestamp before handing it to <code>os.date</code> as local time).
function utc_offset()
  return UTC_OFFSET
end

--- Timestamp of a calendar table read in the zone <code>offset</code>
-- seconds east of UTC (default 0, i.e. the table is UTC).
-- @return The timestamp, or nil if the platform cannot represent it.
function date_to_timestamp(date_t, offset)
  local ok, t = pcall(os.time, date_t)
  if not ok then
    stdnse.debug1("Invalid date for this platform: %s", t)
    return nil
  end
  return t + UTC_OFFSET - (offset or 0)
end

-- "+hh:mm" / "-hh:mm" for an offset in seconds (truncated to minutes); ""
-- without one.
local function zone_suffix(offset)
  if not offset then
    return ""
  end
  local sign = "+"
  if offset < 0 then
    sign, offset = "-", -offset
  end
  local minutes = floor(offset / 60)
  return format("%s%02d:%02d", sign, floor(minutes / 60),
    floor(math.fmod(minutes, 60)))
end

local SECONDS_PER_YEAR = 31556926

--- RFC 3339 text for a timestamp (seconds) or a calendar table.
--
-- With <code>offset</code> (seconds east of UTC; 0 for UTC) the time is
-- shifted into that zone and the zone is appended ("+02:00"); without it
-- the zone is left out. Times the platform cannot format are shifted by
-- whole years and shown as a date followed by "?".
-- @usage datetime.format_timestamp(0, 0) --> "1970-01-01T00:00:00+00:00"
function format_timestamp(t, offset)
  if type(t) == "table" then
    return format("%d-%02d-%02dT%02d:%02d:%02d",
      t.year, t.month, t.day, t.hour, t.min, t.sec)
  end
  local zone = zone_suffix(offset)
  local when = floor(t + (offset or 0))
  local ok, text = pcall(os.date, "!%Y-%m-%dT%H:%M:%S", when)
  if ok then
    return text .. zone
  end
  local years
  if when > 0xffffffff then
    years = (when - 0xffffffff) // SECONDS_PER_YEAR + 1
  elseif when < -UTC_OFFSET then
    years = when // SECONDS_PER_YEAR
  end
  if years then
    local ok2, d = pcall(os.date, "!*t", when - years * SECONDS_PER_YEAR)
    if ok2 then
      -- The year length is approximate, so only the date is shown.
      return format("%d-%02d-%02d?", d.year + years, d.month, d.day) .. zone
    end
  end
  return ("Invalid timestamp: %s"):format(t)
end

--- Compact text for a duration: "[-][Nd][HHh][MMm]SS[.fff]s", leading zero
-- units left out ("0s", "59s", "1m00s", "2d03h04m05s").
-- @param interval The duration.
-- @param unit Units per second (1000 for milliseconds; default 1). Its
--        power of ten sets the number of decimals on the seconds.
function format_time(interval, unit)
  local sign = ""
  if interval < 0 then
    sign, interval = "-", -interval
  end
  unit = unit or 1
  local decimals = floor(math.log(unit, 10))
  local seconds = (interval % (60 * unit)) / unit
  local rest = interval // (60 * unit)
  local minutes = rest % 60
  rest = rest // 60
  local hours = rest % 24
  local days = rest // 24
  local full = format("%.0fd%02.0fh%02.0fm%02." .. decimals .. "fs",
    days, hours, minutes, seconds)
  -- Drop leading zero units: keep from the first non-zero digit on.
  local trimmed = string.match(full, "[1-9].*")
  if trimmed == nil then
    trimmed = format("%0." .. decimals .. "fs", 0)
  end
  return sign .. trimmed
end

--- Text for <code>t2 - t1</code> (two calendar tables), signed, with whole
-- calendar years counted first: "0s", "-4s", "+2m38s", "+1y0d00h00m00s"...
function format_difftime(t2, t1)
  local d = os.difftime(os.time(t2), os.time(t1))
  local sign = ""
  if d > 0 then
    sign = "+"
  elseif d < 0 then
    sign = "-"
    t1, t2 = t2, t1
    d = -d
  end
  -- Count years on the calendar, not as a fixed number of days: move t1
  -- to the latest year in which it is still not after t2.
  local years = 0
  if t2.year > t1.year then
    local start_year = t1.year
    t1.year = t2.year
    d = os.difftime(os.time(t2), os.time(t1))
    if d < 0 then
      t1.year = t2.year - 1
      d = os.difftime(os.time(t2), os.time(t1))
    end
    years = t1.year - start_year
    t1.year = start_year
  end
  local text = format_time(d)
  if years ~= 0 then
    text = format("%dy", years) .. text
  end
  return sign .. text
end

return _ENV
