"""refsnn's product tests: its app and tools (README "The spec suite" gives the rule)."""
