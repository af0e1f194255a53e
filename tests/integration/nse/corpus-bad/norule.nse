-- Fixture for test_corpus_load.sh: a script with no rule function, which
-- the load pass must report.
description = "No rule."
categories = {"safe"}
action = function() return "never" end
