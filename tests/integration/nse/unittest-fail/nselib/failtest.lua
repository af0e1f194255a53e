-- Fixture for test_nselib_unittest.sh: a library whose suite has one
-- passing and one failing test, so the unittest run must report it.
local stdnse = require "stdnse"
local unittest = require "unittest"
_ENV = stdnse.module("failtest", stdnse.seeall)

function double(x) return 2 * x end

if not unittest.testing() then
  return _ENV
end
test_suite = unittest.TestSuite:new()
test_suite:add_test(unittest.equal(double(2), 4), "double(2) is 4")
test_suite:add_test(unittest.equal(double(2), 5), "double(2) is 5 (fails)")
return _ENV
