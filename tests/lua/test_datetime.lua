-- Tests for nselib/datetime.lua.
local datetime = require "datetime"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for datetime."
categories = {"safe"}

prerule = function() return true end

local function D(y, mo, d, h, mi, s)
  return {year = y, month = mo, day = d, hour = h or 0, min = mi or 0, sec = s or 0}
end

local cases = {
  {"format_time", function()
    H.eq(datetime.format_time(0), "0s", "zero")
    H.eq(datetime.format_time(59), "59s", "seconds")
    H.eq(datetime.format_time(60), "1m00s", "minute")
    H.eq(datetime.format_time(3661), "1h01m01s", "hour")
    H.eq(datetime.format_time(90061), "1d01h01m01s", "day")
    H.eq(datetime.format_time(-5), "-5s", "negative")
    H.eq(datetime.format_time(1500, 1000), "1.500s", "milliseconds")
    H.eq(datetime.format_time(0, 1000), "0.000s", "zero ms")
    -- Nmap's width 2 counts the decimals too, so seconds lose their zero.
    H.eq(datetime.format_time(61250, 1000), "1m1.250s", "ms minute")
  end},
  {"format_timestamp", function()
    H.eq(datetime.format_timestamp(0, 0), "1970-01-01T00:00:00+00:00", "UTC")
    H.eq(datetime.format_timestamp(0), "1970-01-01T00:00:00", "no zone")
    H.eq(datetime.format_timestamp(0, 7200), "1970-01-01T02:00:00+02:00", "east")
    H.eq(datetime.format_timestamp(0, -5400), "1969-12-31T22:30:00-01:30", "west")
    H.eq(datetime.format_timestamp(1234567890.7, 0), "2009-02-13T23:31:30+00:00", "fraction floored")
    H.eq(datetime.format_timestamp(D(2012, 9, 7, 23, 37, 42)), "2012-09-07T23:37:42", "table")
  end},
  {"date_to_timestamp and utc_offset", function()
    -- Floats, because the offset comes from os.difftime.
    H.eq(datetime.date_to_timestamp(D(1970, 1, 1, 4)), 14400.0, "UTC table")
    H.eq(datetime.date_to_timestamp(D(1970, 1, 1, 5), 3600), 14400.0, "UTC+1")
    H.eq(datetime.date_to_timestamp(D(1970, 1, 1, 4), 3600), 10800.0, "earlier")
    H.eq(type(datetime.utc_offset()), "number", "offset")
  end},
  {"format_difftime", function()
    H.eq(datetime.format_difftime(D(2020, 1, 1), D(2020, 1, 1)), "0s", "same")
    H.eq(datetime.format_difftime(D(2020, 1, 1, 0, 0, 0), D(2020, 1, 1, 0, 0, 4)), "-4s", "behind")
    H.eq(datetime.format_difftime(D(2020, 1, 1, 0, 2, 38), D(2020, 1, 1)), "+2m38s", "ahead")
    H.eq(datetime.format_difftime(D(2009, 2, 10), D(2008, 2, 10)), "+1y0s", "leap year is one year")
    H.eq(datetime.format_difftime(D(2008, 2, 10), D(2009, 2, 11)), "-1y1d00h00m00s", "negative years")
  end},
  {"record_skew", function()
    local host = {registry = {}, times = {srtt = 0.2}}
    datetime.record_skew(host, 1000.9, 990.2)
    datetime.record_skew(host, 1000, 1000)
    H.same(host.registry.datetime_skew, {9.9, -0.1}, "skews")
  end},
}

action = function()
  return H.run(cases)
end
