-- Fixture for test_corpus_load.sh: a top-level require that fails.
local missing = require "no-such-nselib-module"
description = "Requires a library that does not exist."
categories = {"safe"}
portrule = function() return false end
action = function() return missing end
