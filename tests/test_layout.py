"""The package is laid out by layer, and the command loads only the layer it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import refsnn

FOUNDATION = {"__init__", "__main__", "fastexp", "io", "literals", "surrogates", "tolerances",
              "validation"}
"""The modules allowed at the package root: what every layer builds on (validation, atomic
files, Numba support, the surrogates and the tolerance table). Everything else (the neuron
models, nn, training, conversion, the cross-implementation tools, the CLI) is a subpackage."""

APPLICATION = ("refsnn.training", "refsnn.convert", "refsnn.nn", "refsnn.sweep", "refsnn.golden",
               "refsnn.conformance", "refsnn.nir", "refsnn.fuzz", "tqdm", "dask", "torch")


def test_the_package_root_holds_only_the_foundation():
    root = Path(refsnn.__file__).parent
    modules = {path.stem for path in root.glob("*.py")}
    assert modules <= FOUNDATION, f"move {sorted(modules - FOUNDATION)} into a layer's package"


def loaded_by(argv: list[str]) -> set[str]:
    """The modules a fresh interpreter has imported after running ``refsnn <argv>``."""
    script = ("import json, sys\nfrom refsnn.cli import main\nstatus = main(sys.argv[1:])\n"
              "print(json.dumps(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True,
                            text=True, check=True, cwd=Path(refsnn.__file__).parents[1])
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_refsnn_info_does_not_import_training_or_any_other_application_layer():
    modules = loaded_by(["info"])
    assert "refsnn.cli.info" in modules  # the probe works: it sees the subcommand it ran
    loaded = sorted(m for m in modules if m.startswith(APPLICATION))
    assert not loaded, f"refsnn info imported {loaded}"


def test_refsnn_help_imports_no_subcommand():
    script = ("import sys\nfrom refsnn.cli import main\ntry:\n    main(['--help'])\n"
              "except SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith('refsnn.cli.')))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=Path(refsnn.__file__).parents[1])
    assert "train" in result.stdout and "golden" in result.stdout  # every subcommand listed
    assert result.stdout.splitlines()[-1] == "[]"
