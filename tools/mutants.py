"""The golden mutation test: plant each bug of refsnn.golden.mutants in the NumPy reference,
run the golden cases under it through the verifier (``refsnn golden verify``) until one fails,
and print the first failing case per mutant and the mutation score (docs/golden.md).

    python tools/mutants.py [--golden golden]

Exit status 0 if every mutant is killed, 1 if one survives.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from refsnn.golden.mutants import report, run_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--golden", type=Path, default=Path("golden"),
                        help="golden directory (default golden)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as results:
        verdicts = run_all(args.golden, Path(results))
    print(report(verdicts))
    return 0 if all(v.killed for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
