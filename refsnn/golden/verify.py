"""Check another implementation's results against the golden files.

The golden set may be in any format of refsnn.golden.formats (npz, hdf5, csv; its manifest
says which). A results directory holds one ``<case>.npz`` per golden case (or, for a test
bench, a directory ``<case>/`` of ``<key>.csv`` files in the golden csv format), with that
implementation's ``spikes``, ``h``, ``v``, ``grad_x``, ``grad_v0`` and ``grad_param_<name>``
computed from the golden file's inputs. The manifest is validated as a schema and every golden
file is checked against the manifest's SHA-256 before any result is compared (a golden problem
raises ``GoldenError``: never a pass). A result file is read from its ``.npy`` headers (a csv
result from its header, after its size): only those output arrays, each after its header
showed the golden shape and dtype (big-endian data is accepted), so no file can make the
verifier decompress or allocate more than the golden arrays need; its other arrays are
reported as ignored. Each array must then lie within its tolerance group's ``atol + rtol
|expected|``, element by element.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from refsnn.golden import io, manifest, networks, nir_pack
from refsnn.validation import native_order


@dataclass(frozen=True)
class Row:
    """One case's verdict: the largest error relative to its tolerance (``ratio``, above 1
    fails), where it is, its size and the tolerance; or a ``problem`` that fails the case."""

    name: str
    ratio: float = 0.0
    where: str = "-"
    error: float = 0.0
    allowed: float = 0.0
    problem: str = ""
    extra: tuple[str, ...] = ()  # arrays of the result file that are not outputs (ignored)

    @property
    def passed(self) -> bool:
        return not self.problem and self.ratio <= 1.0


def compare(entry: dict, expected: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> Row:
    """Compare one case's result arrays ``got`` with the golden ``expected`` ones."""
    worst = Row(entry["name"])
    for key in _schema(entry).output_keys(entry):
        if key not in got and key in entry.get("optional", ()):  # a network's neuron scalar
            continue
        if key not in got:
            return Row(entry["name"], problem=f"missing array {key!r}")
        want, have = expected[key], native_order(np.asarray(got[key]))  # big-endian: same values
        if have.shape != want.shape or have.dtype != want.dtype:
            return Row(entry["name"], problem=f"{key}: {have.dtype} {list(have.shape)}, "
                       f"expected {want.dtype} {list(want.shape)}")
        row = _largest_error(entry, key, want, have)
        if row.ratio > worst.ratio or (row.ratio == worst.ratio and row.error > worst.error):
            worst = row
    return worst


def _schema(entry: dict) -> object:
    """What reads a case entry's outputs and tolerances: refsnn.golden.networks for a network
    case (docs/golden.md, "Network cases"), else the manifest's schema."""
    return networks if networks.is_network(entry) else manifest


def _largest_error(entry: dict, key: str, want: np.ndarray, have: np.ndarray) -> Row:
    """The element of ``key`` whose error is largest relative to its tolerance."""
    tolerance = _schema(entry).tolerance(entry, key)
    error = np.abs(have.astype(np.float64) - want.astype(np.float64))
    allowed = tolerance["atol"] + tolerance["rtol"] * np.abs(want.astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(error == 0, 0.0, error / allowed)
    ratio = np.where(np.isnan(error), np.inf, ratio)  # a NaN result never passes
    if ratio.size == 0:
        return Row(entry["name"])
    index = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
    where = f"{key}[{', '.join(map(str, index))}]" if index else key
    return Row(entry["name"], float(ratio[index]), where, float(error[index]),
               float(np.broadcast_to(allowed, ratio.shape)[index]))


def check(entry: dict, expected: dict[str, np.ndarray], results: Path) -> Row:
    """The verdict for one case whose result is in the ``results`` directory: the file
    ``<name>.npz`` or, failing that, the directory ``<name>/`` of ``<key>.csv``."""
    path = results / f"{entry['name']}.npz"
    wanted = {key: (expected[key].dtype, expected[key].shape)
              for key in _schema(entry).output_keys(entry)}
    if not path.is_file() and (results / entry["name"]).is_dir():
        return _check_csv(entry, expected, results / entry["name"], wanted)
    if not path.is_file():
        return Row(entry["name"], problem=f"missing result file {path}")
    try:
        got, extra = io.read_arrays(path, wanted)
    except io.Mismatch as error:
        return Row(entry["name"], problem=str(error))
    except Exception as error:  # the implementation's file: a failure, not a crash
        return Row(entry["name"], problem=f"unreadable result file {path} ({error})")
    return dataclasses.replace(compare(entry, expected, got), extra=tuple(extra))


def _check_csv(entry: dict, expected: dict[str, np.ndarray], directory: Path,
               wanted: dict) -> Row:
    """The verdict for a result given as csv files (refsnn.golden.formats), each read after
    its size and header matched the golden shape and dtype."""
    got = {}
    for key, (dtype, shape) in wanted.items():
        if (directory / f"{key}.csv").exists():
            try:
                got[key] = manifest.read_csv_file(directory, key, dtype.name, shape)
            except (ValueError, UnicodeDecodeError) as error:
                return Row(entry["name"], problem=f"{directory}: {error}")
    extra = sorted(p.stem for p in directory.glob("*.csv") if p.stem not in wanted)
    return dataclasses.replace(compare(entry, expected, got), extra=tuple(extra))


def patterns(only: list[str] | None, cases: Path | None) -> list[str]:
    """The case-name globs of ``--only`` and of the lines of a ``--cases`` file (blank lines
    and ``#`` comments skipped); empty means every case."""
    found = list(only or [])
    if cases is not None:
        try:
            lines = cases.read_text().splitlines()
        except OSError as error:
            raise ValueError(f"cases: expected a readable file of case names, got {cases} "
                             f"({error.strerror})") from None
        found += [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    return found


def selected(entries: list[dict], globs: list[str]) -> list[dict]:
    """The entries whose names match one of ``globs`` (every entry if there are none)."""
    if not globs:
        return entries
    return [e for e in entries if any(fnmatch.fnmatchcase(e["name"], g) for g in globs)]


def verify(results: Path, golden: Path, only: list[str] | None = None,
           cases: Path | None = None) -> int:
    """Print a pass/fail table for every golden case, or for those matching the ``only``
    globs or named in the ``cases`` file. Returns 0 if every case passed, else 1; raises
    GoldenError on a golden problem."""
    if not results.is_dir():
        raise ValueError(f"results: expected a directory of <case>.npz files (or <case>/ of "
                         f"<key>.csv), got {results}")
    if nir_pack.is_pack(golden):  # --golden golden/nir: the NIR pack's traces
        return nir_pack.verify(results, golden)
    document = (networks.load if networks.is_directory(golden) else manifest.load)(golden)
    globs = patterns(only, cases)
    entries = selected(document["cases"], globs)
    if not entries:
        raise ValueError(f"only: expected globs matching some case of {golden / manifest.NAME}, "
                         f"got {globs}")
    fmt = manifest.file_format(document)
    goldens = {entry["name"]: manifest.load_case(golden, entry, fmt) for entry in entries}
    rows = [check(entry, goldens[entry["name"]], results) for entry in entries]
    width = max(len(row.name) for row in rows)
    print(f"{'case':<{width}}  result  {'err/tol':>8}  {'largest error at':<22} "
          f"{'|error|':>9}  {'tolerance':>9}")
    for row in rows:
        print(_format(row, width))
    failed = [row.name for row in rows if not row.passed]
    listed = ", ".join(failed[:10]) + (f" and {len(failed) - 10} more" if len(failed) > 10 else "")
    print(f"{len(rows) - len(failed)} passed, {len(failed)} failed" + (f": {listed}" if failed
                                                                       else ""))
    return 1 if failed else 0


def _format(row: Row, width: int) -> str:
    verdict = "pass" if row.passed else "FAIL"
    extra = f"  (extra arrays ignored: {', '.join(row.extra)})" if row.extra else ""
    if row.problem:
        return f"{row.name:<{width}}  {verdict:<6}  {row.problem}{extra}"
    return (f"{row.name:<{width}}  {verdict:<6}  {row.ratio:>8.3g}  {row.where:<22} "
            f"{row.error:>9.2g}  {row.allowed:>9.2g}{extra}")
