action = function()
  return 1
