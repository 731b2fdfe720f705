"""Golden vectors: refsnn's expected outputs, stored so that other implementations can check
themselves without running refsnn (docs/golden.md)."""
