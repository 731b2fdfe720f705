"""``python -m refsnn``: the ``refsnn`` command (refsnn.cli)."""

import sys

from refsnn.cli import main

sys.exit(main())
