"""Regenerate or verify the golden vectors (the same as ``refsnn golden ...``; docs/golden.md).

    python tools/golden.py generate [--out golden] [--force]
    python tools/golden.py verify RESULTS [--golden golden] [--only GLOB]
"""

from __future__ import annotations

import sys

from refsnn.cli import main

if __name__ == "__main__":
    sys.exit(main(["golden", *sys.argv[1:]]))
