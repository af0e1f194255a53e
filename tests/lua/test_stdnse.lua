-- Tests for nselib/stdnse.lua (no network: see test_comm for sockets).
local nmap = require "nmap"
local stdnse = require "stdnse"
local H = dofile(SCRIPT_PATH:match("^(.*)/[^/]*$") .. "/harness.lua")

description = "Unit tests for stdnse."
categories = {"safe"}

prerule = function() return true end

-- Also runs on the banner service (run.sh scans it), to check what only a
-- port thread has: a target in the log prefixes and real host tables.
portrule = function(host, port)
  return port.number == tonumber(stdnse.get_script_args("test.banner_port"))
end

-- Runs fn with nmap.registry.args replaced by args.
local function with_args(args, fn)
  local saved = nmap.registry.args
  nmap.registry.args = args
  local ok, err = pcall(fn)
  nmap.registry.args = saved
  if not ok then error(err, 0) end
end

local ARGS = {
  "flag", "argdump.bare",
  foo = "1", ["argdump.foo"] = "2", bar = "b", ["x.list"] = {"a", "b"},
}

-- A stand-in socket whose receive hands out the given chunks, then EOF.
local function fake_socket(chunks)
  local i = 0
  return {
    receive = function()
      i = i + 1
      if chunks[i] then return true, chunks[i] end
      return false, "EOF"
    end,
  }
end

local cases = {
  {"get_script_args qualified beats short", function()
    with_args(ARGS, function()
      H.eq(stdnse.get_script_args("argdump.foo"), "2", "qualified")
      H.eq(stdnse.get_script_args("other.foo"), "1", "short fallback")
      H.eq(stdnse.get_script_args("a.b.bar"), "b", "text after last dot")
      H.eq(stdnse.get_script_args("foo"), "1", "plain")
    end)
  end},
  {"get_script_args flags give integer 1", function()
    with_args(ARGS, function()
      H.eq(stdnse.get_script_args("flag"), 1, "bare flag")
      H.eq(stdnse.get_script_args("s.flag"), 1, "short bare flag")
      H.eq(stdnse.get_script_args("argdump.bare"), 1, "qualified flag")
    end)
  end},
  {"get_script_args arity, tables and alternatives", function()
    with_args(ARGS, function()
      H.eq(select("#", stdnse.get_script_args("n1", "n2", "n3")), 3, "arity")
      local a, b, c = stdnse.get_script_args("missing", "bar", "x.list")
      H.eq(a, nil, "missing")
      H.eq(b, "b", "second")
      H.same(c, {"a", "b"}, "table value")
      H.eq(stdnse.get_script_args({"nope", "s.nope", "bar", "foo"}), "b",
        "first alternative found")
      H.eq(select("#", stdnse.get_script_args()), 0, "no args")
    end)
  end},
  {"get_script_args reads the real --script-args", function()
    local port = stdnse.get_script_args("test.echo_port")
    H.ok(type(port) == "string" and port:match("^%d+$"), "echo_port is a string")
  end},
  {"output_table order and removal", function()
    local t = stdnse.output_table()
    H.eq(t(), false, "empty")
    t.zeta = 1; t.alpha = 2; t.mid = 3
    t.zeta = 10
    local keys = {}
    for k, v in pairs(t) do keys[#keys + 1] = k .. "=" .. v end
    H.eq(table.concat(keys, ","), "zeta=10,alpha=2,mid=3", "insertion order")
    t.alpha = nil
    t.alpha = 4
    keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    H.eq(table.concat(keys, ","), "zeta,mid,alpha", "re-added goes last")
    H.eq(#t, 3, "length counts keys")
    H.eq(t(), true, "non-empty")
    H.eq(rawget(t, "zeta"), nil, "proxy holds nothing")
  end},
  {"output_table integer keys", function()
    local t = stdnse.output_table()
    t[1] = "a"; t[2] = "b"; t.k = "v"
    local seen = {}
    for _, v in ipairs(t) do seen[#seen + 1] = v end
    H.eq(table.concat(seen), "ab", "ipairs")
    H.eq(#t, 3, "length")
  end},
  {"format_output nested", function()
    local domains = {name = "DOMAINS", "Domain 1", "Domain 2"}
    local names = {name = "NAMES", warning = "w!", "Name 1"}
    local out
    H.capture_log(0, 0, function()
      out = stdnse.format_output(true, {"Apple pie", domains, names})
    end)
    H.eq(out, "\n  Apple pie\n  DOMAINS\n    Domain 1\n    Domain 2\n" ..
      "  NAMES\n    Name 1\n", "d0 rendering")
    H.capture_log(1, 0, function()
      out = stdnse.format_output(true, {names})
    end)
    H.eq(out, "\n  NAMES (WARNING: w!)\n    Name 1\n", "warning at d1")
  end},
  {"format_output strings, errors, empty", function()
    H.capture_log(0, 0, function()
      H.eq(stdnse.format_output(true, "one\ntwo"), "\n  one\n  two\n", "string")
      H.eq(stdnse.format_output(true, {}), nil, "empty table")
      H.eq(stdnse.format_output(true, ""), nil, "empty string")
      H.eq(stdnse.format_output(false, {"bad"}), nil, "error hidden at d0")
      H.raises(function() stdnse.format_output(true, nil) end,
        "No data was passed to format_output()")
    end)
    H.capture_log(1, 0, function()
      H.eq(stdnse.format_output(false, {"bad", {"worse"}}),
        "\n  ERROR: bad\n    ERROR: worse\n", "error shown at d1")
    end)
  end},
  {"debug prefixes and levels", function()
    local lines = H.capture_log(1, 0, function()
      stdnse.debug1("one %d", 1)
      stdnse.debug("default %s", "level")
      stdnse.debug(1, "explicit")
      stdnse.debug2("hidden")
    end)
    H.eq(#lines, 3, "count at d1")
    H.eq(lines[1], "stdout|[test_stdnse] one 1", "debug1 line")
    H.eq(lines[2], "stdout|[test_stdnse] default level", "default level")
    H.eq(lines[3], "stdout|[test_stdnse] explicit", "explicit level")
    lines = H.capture_log(2, 0, function()
      stdnse.debug2("two")
      stdnse.debug3("hidden")
    end)
    H.eq(#lines, 1, "count at d2")
    H.ok(lines[1]:match("^stdout|%[test_stdnse M:%x+%] two$"),
      "d2 thread info: " .. tostring(lines[1]))
  end},
  {"verbose prefixes and levels", function()
    local lines = H.capture_log(0, 1, function()
      stdnse.verbose1("v%d", 1)
      stdnse.verbose("plain")
      stdnse.verbose2("hidden")
    end)
    H.eq(#lines, 2, "count at v1")
    H.eq(lines[1], "stdout|[test_stdnse] v1", "verbose1")
    H.eq(lines[2], "stdout|[test_stdnse] plain", "default level")
    lines = H.capture_log(0, 2, function() stdnse.verbose2("two") end)
    H.eq(lines[1], "stdout|[test_stdnse] two", "no target in prerule")
  end},
  {"print_debug and print_verbose have no prefix", function()
    local lines = H.capture_log(1, 1, function()
      stdnse.print_debug(1, "a %s", "b")
      stdnse.print_debug("c %s", "d")
      stdnse.print_debug(2, "hidden")
      stdnse.print_verbose(1, "e")
      stdnse.print_verbose("f %d", 6)
    end)
    H.eq(table.concat(lines, ";"),
      "stdout|a b;stdout|c d;stdout|e;stdout|f 6", "lines")
    lines = H.capture_log(0, 0, function()
      stdnse.print_debug("x")
      stdnse.print_verbose("y")
      stdnse.debug("z")
      stdnse.verbose("w")
    end)
    H.eq(#lines, 0, "silent at level 0")
  end},
  {"tohex, fromhex and friends", function()
    H.eq(stdnse.tohex("abc"), "616263", "string")
    H.eq(stdnse.tohex("\0\255"), "00ff", "bytes")
    H.eq(stdnse.tohex(123456), "1e240", "number")
    H.eq(stdnse.tohex("abc", {separator = ":"}), "616263", "7.93 ignores separator")
    H.eq(stdnse.format_mac("\0\17\34\51\68\85"), "001122334455", "format_mac as 7.93")
    H.raises(function() stdnse.tohex({}) end, "Type not supported in tohex(): table")
    H.eq(stdnse.fromhex("61 62\n63"), "abc", "whitespace ignored")
    H.eq(stdnse.fromhex("00FFab"), "\0\255\171", "mixed case")
    local v, err = stdnse.fromhex("abc")
    H.eq(v, nil, "odd")
    H.eq(err, "Odd number of hexadecimal digits", "odd message")
    v, err = stdnse.fromhex("a-b")
    H.eq(err, "Invalid hexadecimal digits at position 2", "bad digit")
    H.eq(stdnse.tobinary(12), "1100", "tobinary")
    H.eq(stdnse.tobinary(1), "0001", "tobinary keeps nibble zeros")
    H.eq(stdnse.tooctal(12), "14", "tooctal")
  end},
  {"string_or_blank and get_hostname", function()
    H.eq(stdnse.string_or_blank(nil), "<blank>", "nil")
    H.eq(stdnse.string_or_blank(""), "<blank>", "empty")
    H.eq(stdnse.string_or_blank("", "-"), "-", "custom")
    H.eq(stdnse.string_or_blank("x"), "x", "kept")
    H.eq(stdnse.get_hostname({ip = "1.2.3.4", name = "", targetname = "t"}), "t", "targetname")
    H.eq(stdnse.get_hostname({ip = "1.2.3.4", name = "n"}), "n", "name")
    H.eq(stdnse.get_hostname({ip = "1.2.3.4", name = ""}), "1.2.3.4", "ip")
    H.eq(stdnse.get_hostname("str"), "str", "string")
  end},
  {"parse_timespec", function()
    H.eq(stdnse.parse_timespec("10"), 10, "bare")
    H.eq(stdnse.parse_timespec("10ms"), 0.01, "ms")
    H.eq(stdnse.parse_timespec("1.5"), 1.5, "fraction")
    H.eq(stdnse.parse_timespec("10s"), 10, "s")
    H.eq(stdnse.parse_timespec("10m"), 600, "m")
    H.eq(stdnse.parse_timespec("2h"), 7200, "h")
    local v, err = stdnse.parse_timespec("10z")
    H.eq(v, nil, "bad unit")
    H.eq(err, 'Can\'t parse time specification "10z" (bad unit "z")', "unit msg")
    v, err = stdnse.parse_timespec("10S")
    H.eq(v, nil, "units are case-sensitive")
    v, err = stdnse.parse_timespec("x")
    H.eq(err, 'Can\'t parse time specification "x"', "garbage msg")
    v, err = stdnse.parse_timespec("1.2.3")
    H.eq(err, 'Can\'t parse time specification "1.2.3" (bad number "1.2.3")', "number msg")
    v, err = stdnse.parse_timespec(nil)
    H.eq(err, "Can't parse nil timespec", "nil msg")
  end},
  {"get_timeout", function()
    H.eq(stdnse.get_timeout(), 8000, "default max")
    H.eq(stdnse.get_timeout(nil, 5000), 5000, "given max")
    local host = {times = {timeout = 1.3}}
    H.eq(stdnse.get_timeout(host), 2600.0, "scaled")
    H.eq(stdnse.get_timeout(host, 10000, 3000), 3000, "min clamp")
    H.eq(stdnse.get_timeout({times = {timeout = 100}}), 8000, "max clamp")
    H.eq(stdnse.get_timeout({times = {timeout = 0.1}}), 1000, "default min")
    H.eq(stdnse.get_timeout({times = {}}), 8000, "no timeout field")
  end},
  {"clocks and sleep", function()
    H.eq(stdnse.sleep, nmap.socket.sleep, "sleep is nmap.socket.sleep")
    local a = stdnse.clock_ms()
    H.ok(math.abs(a - nmap.clock() * 1000) < 1000, "clock_ms near nmap.clock")
    H.ok(math.abs(stdnse.clock_us() / 1000 - a) < 1000, "clock_us")
    stdnse.sleep(0.05)
    H.ok(stdnse.clock_ms() - a >= 40, "slept")
  end},
  {"registry helpers", function()
    local key = "stdnse-test-" .. tostring(stdnse.clock_us())
    H.eq(stdnse.registry_get({key, "a"}), nil, "absent")
    H.eq(stdnse.registry_exists({key, "a"}, nil, "v"), false, "exists absent")
    stdnse.registry_add_array({key, "a"}, "v")
    stdnse.registry_add_array({key, "a"}, "v")
    stdnse.registry_add_array({key, "a"}, "w", true)
    H.same(nmap.registry[key], {a = {"v", "w"}}, "array without duplicates")
    H.eq(stdnse.registry_exists({key, "a"}, nil, "w"), true, "exists")
    H.eq(stdnse.registry_exists({key, "a"}, 1, "w"), false, "key must match")
    stdnse.registry_add_table({key, "t"}, "k", "v1")
    stdnse.registry_add_table({key, "t"}, "k", "v2")
    H.eq(stdnse.registry_get({key, "t", "k"}), "v2", "table key replaced")
    nmap.registry[key] = nil
  end},
  {"module and seeall", function()
    local order = {}
    local env = stdnse.module("pkg.sub", function(e) order[#order + 1] = e._NAME end,
      stdnse.seeall)
    H.eq(env._NAME, "pkg.sub", "_NAME")
    H.eq(env._PACKAGE, "pkg", "_PACKAGE")
    H.eq(env._M, env, "_M")
    H.eq(order[1], "pkg.sub", "options run with env")
    H.eq(env.print, print, "seeall sees _G")
    local plain = stdnse.module("top")
    H.eq(plain._PACKAGE, nil, "no package")
    H.eq(getmetatable(plain), nil, "no options, no metatable")
  end},
  {"make_buffer splits across chunks", function()
    local read = stdnse.make_buffer(fake_socket({"a\r\nb", "c\nd", "e"}), "\r?\n")
    H.eq(read(), "a", "first")
    H.eq(read(), "bc", "joined across chunks")
    H.eq(read(), "de", "tail without separator")
    local v, err = read()
    H.eq(v, nil, "then nil")
    H.eq(err, "EOF", "with the socket error")
    read = stdnse.make_buffer(fake_socket({}), "\n")
    v, err = read()
    H.eq(v, false, "immediate EOF status")
    H.eq(err, "EOF", "immediate EOF message")
  end},
  {"pretty_printer", function()
    local out = {}
    stdnse.pretty_printer({k = "v"}, function(s) out[#out + 1] = s end)
    H.eq(table.concat(out), '{\n\t["k"] = "v",\n}', "table dump")
    out = {}
    stdnse.pretty_printer(5, function(s) out[#out + 1] = s end)
    H.eq(table.concat(out), "5", "scalar")
  end},
  {"engine-provided thread functions", function()
    H.eq(stdnse.getid(), "test_stdnse", "getid")
    H.ok(stdnse.getinfo():match("^test_stdnse M:%x+$"), "getinfo")
    H.eq(type(stdnse.base()), "thread", "base")
    H.eq(stdnse.gettid(), tostring(stdnse.base()), "gettid")
    H.eq(stdnse.isworker(), false, "isworker")
    H.eq(stdnse.gethostport(), nil, "no host in prerule")
    H.eq(type(stdnse.new_thread), "function", "new_thread")
    H.eq(stdnse.silent_require("string"), string, "silent_require")
  end},
}

local port_cases = {
  {"log prefixes carry ip:port", function()
    local host, port = stdnse.gethostport()
    H.eq(host.ip, "127.0.0.1", "gethostport host")
    local where = " 127.0.0.1:" .. port.number
    local lines = H.capture_log(1, 1, function()
      stdnse.debug1("d")
      stdnse.verbose1("v")
    end)
    H.eq(lines[1], "stdout|[test_stdnse" .. where .. "] d", "debug at d1")
    H.eq(lines[2], "stdout|[test_stdnse] v", "verbose at v1: no target")
    lines = H.capture_log(2, 2, function()
      stdnse.debug2("d")
      stdnse.verbose2("v")
    end)
    H.ok(lines[1]:match("^stdout|%[test_stdnse M:%x+ 127%.0%.0%.1:%d+%] d$"),
      "debug at d2: " .. tostring(lines[1]))
    H.eq(lines[2], "stdout|[test_stdnse" .. where .. "] v", "verbose at v2")
  end},
  {"real host tables", function()
    local host = stdnse.gethostport()
    H.eq(stdnse.get_hostname(host), "127.0.0.1", "get_hostname")
    local t = stdnse.get_timeout(host)
    H.ok(t >= 1000 and t <= 8000, "get_timeout within bounds: " .. t)
  end},
}

action = function(host, port)
  if SCRIPT_TYPE == "portrule" then
    return H.run(port_cases)
  end
  return H.run(cases)
end
