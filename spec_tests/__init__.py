"""The refsnn specification suite (pytest + hypothesis)."""
