"""Targets from anywhere (refsnn.targets.load): a built-in name, an entry point of the group
``refsnn.targets``, a ``.py`` file and a dotted module path; and a target that cannot be used
is one line, in the loader, in ``refsnn conformance`` and in the installed suite's plugin.

The adapters written here are what an outside implementer writes: a module defining the
protocol's six names (here by re-exporting the NumPy reference's target, so that it passes).
.ci/external-target proves the same routes from a fresh, non-editable install.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest

from refsnn import targets
from refsnn.cli import main
from refsnn.conformance.cases import CASES, SURROGATE_CASES, SURROGATE_X
from refsnn.targets import TargetError, _protocol, refsnn_numpy

ADAPTER = """\
from refsnn.targets.refsnn_numpy import (NAME, VERSION, backward, forward, supports,
                                         surrogate_derivative)
"""


def write(directory, name, source=ADAPTER):
    path = directory / name
    path.write_text(textwrap.dedent(source))
    return path


def test_builtin_name():
    assert targets.load("refsnn_numpy") is refsnn_numpy


def test_dotted_module_path(tmp_path, monkeypatch):
    package = tmp_path / "mypkg"
    package.mkdir()
    write(package, "__init__.py", "")
    write(package, "refsnn_target.py")
    monkeypatch.syspath_prepend(tmp_path)
    assert targets.load("mypkg.refsnn_target").__name__ == "mypkg.refsnn_target"


def test_file_path(tmp_path):
    target = targets.load(str(write(tmp_path, "adapter.py")))
    assert target.forward is refsnn_numpy.forward


def test_entry_point(tmp_path, monkeypatch):
    """A distribution on sys.path registering ``mine = my_adapter`` in ``refsnn.targets``."""
    write(tmp_path, "my_adapter.py")
    info = tmp_path / "my_adapter-1.0.dist-info"
    info.mkdir()
    write(info, "METADATA", "Metadata-Version: 2.1\nName: my-adapter\nVersion: 1.0\n")
    write(info, "entry_points.txt", "[refsnn.targets]\nmine = my_adapter\n")
    monkeypatch.syspath_prepend(tmp_path)
    assert targets.load("mine").__name__ == "my_adapter"


@pytest.mark.parametrize("source, message", [
    ("import no_such_framework\n", r"^target: '.*bad.py' cannot be imported: "
                                   r"ModuleNotFoundError: No module named 'no_such_framework'$"),
    ("NAME = VERSION = 'x'\n", r"^target: .*bad.py: missing supports, forward, backward, "
                               r"surrogate_derivative \(a target defines NAME, VERSION, "),
    (ADAPTER + "forward = 3\n", r"^target: .*bad.py: forward: expected a function, got int$"),
])
def test_unusable_file_is_one_line(tmp_path, source, message):
    with pytest.raises(TargetError, match=message) as error:
        targets.load(str(write(tmp_path, "bad.py", source)))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("spec, message", [
    ("tensorflow", r"^target: expected a built-in name \(refsnn, refsnn_numpy, .*\), an entry "
                   r"point of group refsnn.targets \(.*\), a dotted module path or a \.py file, "
                   r"got 'tensorflow'$"),
    ("json.nothing", r"^target: 'json.nothing' cannot be imported: ModuleNotFoundError: "),
    ("missing.py", r"^target: expected an existing \.py file, got 'missing.py'$"),
])
def test_unknown_spec_is_one_line(spec, message):
    with pytest.raises(TargetError, match=message):
        targets.load(spec)


CASE = CASES[0]  # the first case refsnn_numpy supports: the one the check calls
T, *NEURONS = CASE.data().x.shape
SHAPE = re.escape(str([T, *NEURONS]))


def broken(**changes):
    """The refsnn_numpy target with some names replaced."""
    return SimpleNamespace(**({name: getattr(refsnn_numpy, name) for name in _protocol.NAMES}
                              | changes))


def _forward(change):
    return lambda n, x, v0: change(*refsnn_numpy.forward(n, x, v0))


def _backward(change):
    return lambda n, x, v0, gs, gv: change(*refsnn_numpy.backward(n, x, v0, gs, gv))


def _raise(*args):
    raise RuntimeError("boom\nsecond line")


@pytest.mark.parametrize("change, message", [
    (dict(forward=_forward(lambda s, h, v: (s.astype(np.float32), h, v))),
     rf"forward\({CASE.id}\): spikes: expected a float64 NumPy array {SHAPE}, got float32"),
    (dict(forward=_forward(lambda s, h, v: (s, h, v[1:]))),
     rf"forward\({CASE.id}\): v: expected a float64 NumPy array {SHAPE}, got float64 "
     + re.escape(str([T - 1, *NEURONS]))),
    (dict(forward=_forward(lambda s, h, v: (s, v))),
     r"forward\(.*\): expected a tuple \(spikes, h, v\), got a tuple of 2"),
    (dict(forward=_forward(lambda s, h, v: (s.tolist(), h, v))),
     rf"forward\(.*\): spikes: expected a float64 NumPy array .*, got a list of {T}$"),
    (dict(forward=_raise), rf"forward\({CASE.id}\) raised RuntimeError: boom$"),
    (dict(backward=_backward(lambda gx, g0, p: (gx[..., :1], g0, p))),
     rf"backward\({CASE.id}\): grad_x: expected a float64 NumPy array {SHAPE}"),
    (dict(backward=_backward(lambda gx, g0, p: (gx, g0, list(p)))),
     r"backward\(.*\): params: expected a mapping of parameter name to gradient, got list"),
    (dict(supports=lambda neuron: False), r"supports\(.*\): expected None or a reason \(str\), "
                                          r"got bool"),
    (dict(surrogate_derivative=lambda s, x: s.derivative(x)[:-1]),
     rf"surrogate_derivative\({re.escape(SURROGATE_CASES[0].id)}\): derivative: expected a "
     rf"float64 NumPy array \[{len(SURROGATE_X)}\], got float64 \[{len(SURROGATE_X) - 1}\]"),
])
def test_a_first_call_that_breaks_the_protocol_is_one_line(change, message):
    with pytest.raises(TargetError, match=rf"^target: mine: {message}") as error:
        _protocol.check(broken(**change), "mine")
    assert "\n" not in str(error.value)


def test_what_the_protocol_allows_passes_the_check():
    """``h`` and ``grad_v0`` may be None, ``surrogate_derivative`` NotImplementedError, and a
    target may support nothing."""
    def missing(surrogate, x):
        raise NotImplementedError("no surrogate")

    _protocol.check(broken(forward=_forward(lambda s, h, v: (s, None, v)),
                           backward=_backward(lambda gx, g0, p: (gx, None, p)),
                           surrogate_derivative=missing), "mine")
    _protocol.check(broken(supports=lambda neuron: "nothing"), "mine")


def test_conformance_cli_takes_a_file_and_a_missing_expectations_file_is_one_line(tmp_path,
                                                                                  capsys):
    adapter = str(write(tmp_path, "adapter.py"))
    assert main(["conformance", "--target", adapter, "--out", str(tmp_path / "r.md")]) == 0
    assert main(["conformance", "--target", adapter, "--expectations", "nope.txt"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "refsnn conformance: error: expectations: expected an existing file, got 'nope.txt'")


@pytest.mark.parametrize("arguments, line", [
    (["--target", "no_such_target_module"], "ERROR: target: expected a built-in name"),
    (["--expectations", "nope.txt"], "ERROR: --expectations: expected an existing file, got "
                                     "'nope.txt'"),
])
def test_installed_suite_reports_unusable_arguments_in_one_line(tmp_path, arguments, line):
    """``pytest --pyargs refsnn.spec`` from outside the checkout: exit status 4 (usage error)
    and one line."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "refsnn.spec.plugin", "-p",
                          "no:cacheprovider", "--pyargs", "refsnn.spec", *arguments],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    errors = [text for text in (run.stdout + run.stderr).splitlines() if text.strip()]
    assert run.returncode == 4, errors
    assert len(errors) == 1 and errors[0].startswith(line), errors
