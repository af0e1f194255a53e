-- Fixture for test_corpus_load.sh: a valid script (must not be reported).
description = "Valid."
categories = {"safe"}
prerule = function() return false end
action = function() return "ok" end
