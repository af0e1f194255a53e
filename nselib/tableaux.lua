---
-- Small table helpers: deep and shallow copies, inversion, membership and
-- key lists. None of them follow metatables beyond what <code>pairs</code>
-- and <code>next</code> do.
--
-- @class module
-- @name tableaux
-- @copyright Same as Portolan

local ipairs = ipairs
local next = next
local pairs = pairs
local type = type

local _ENV = {}

--- Deep copy: nested tables are copied too (keys are not; cycles are not
-- supported).
-- @param t The table.
-- @return A new table.
function tcopy(t)
  local copy = {}
  for k, v in pairs(t) do
    if type(v) == "table" then
      v = tcopy(v)
    end
    copy[k] = v
  end
  return copy
end

--- One-level copy: nested tables are shared with the original.
-- @param t The table (raw keys, through <code>next</code>).
-- @return A new table.
function shallow_tcopy(t)
  local copy = {}
  for k, v in next, t do
    copy[k] = v
  end
  return copy
end

--- Swaps keys and values (meant for one-to-one maps).
-- @param t The table.
-- @return A new table mapping each value to its key.
function invert(t)
  local inverted = {}
  for k, v in pairs(t) do
    inverted[v] = k
  end
  return inverted
end

--- Whether <code>item</code> is one of the values of <code>t</code>.
-- @param t The table.
-- @param item The value sought.
-- @param array If true, only the array part (<code>ipairs</code>) is searched.
-- @return true and the key where it was found, or false and nil.
function contains(t, item, array)
  local walk = pairs
  if array then
    walk = ipairs
  end
  for k, v in walk(t) do
    if v == item then
      return true, k
    end
  end
  return false, nil
end

--- The keys of <code>t</code> as an array, in <code>next</code> order.
-- @param t The table.
-- @return A new array.
function keys(t)
  local list = {}
  for k in next, t do
    list[#list + 1] = k
  end
  return list
end

return _ENV
