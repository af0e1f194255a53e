description = "Returns values of several shapes, chosen by outtest.mode."
categories = {"safe"}

prerule = function() return true end

action = function()
  local mode = nmap.registry.args["outtest.mode"] or "string"
  if mode == "string" then
    return "single line"
  elseif mode == "lines" then
    return "line one\nline two\n"
  elseif mode == "table" then
    return {"a", "b", {"c", "d", sub = {x = 1}}, n = 5}
  elseif mode == "escape" then
    return "bell\7 tab\t cr\r esc\27 hi\200"
  elseif mode == "pair" then
    return "a", "b"
  elseif mode == "false" then
    return false
  elseif mode == "number" then
    return 42
  elseif mode == "empty" then
    return ""
  elseif mode == "nil" then
    return nil
  elseif mode == "tostring" then
    return setmetatable({k = "v"}, {__tostring = function() return "custom" end})
  elseif mode == "error" then
    error("boom")
  elseif mode == "try" then
    local try = nmap.new_try()
    try(false, "tried and failed")
  elseif mode == "yield" then
    coroutine.yield("not nse")
  elseif mode == "undeclared" then
    return some_undeclared_global
  end
end
