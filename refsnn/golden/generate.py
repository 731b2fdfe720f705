"""Write golden sets, deterministically, through one path for refsnn's own set and a user's.

A case becomes its arrays and manifest entry (:func:`case_arrays`), a list of those becomes
the files of a format and the manifest (:func:`set_files`; refsnn.golden.formats), and the
files go to disk (:func:`write_files`). refsnn's own set (``refsnn golden generate``) is the
cases of refsnn.golden.cases in ``npz`` with the network cases (``networks/``,
refsnn.golden.networks) and the NIR conformance pack (``nir/``, refsnn.golden.nir_pack;
skipped without the ``nir`` package), each with its own manifest; a user's set is the cases of
a spec file (``--spec``, refsnn.golden.spec_file) or of the Python API (refsnn.golden.api).

Nothing is overwritten unless asked: each file is compared, byte for byte, with the one on
disk and reported as ``new``, ``unchanged`` or ``changed``; if any would change, nothing is
written without ``force`` (those files are reported as ``would change (refused)``). Case files
in the directory that the manifest does not list are reported as ``stale`` and left alone.
The number of files and their size are printed before anything is written; case files are
written before the manifest, each atomically. Computing a set of ``PROGRESS`` cases or more
shows a progress bar (on a terminal).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from tqdm import tqdm

from refsnn.golden import formats, io, manifest, networks, nir_pack, spec_file
from refsnn.golden.cases import Case, cases
from refsnn.golden.expected import expected
from refsnn.golden.spec import to_spec

PROGRESS = 50
STALE = ("*.npz", "*/*.npz", "*.h5", "*/*.csv", f"{nir_pack.DIRECTORY}/*.*")
"""Where a golden directory's case files lie, to report those no manifest lists."""


def case_arrays(case: Case) -> tuple[dict, dict]:
    """A case's arrays (inputs and expected outputs) and its manifest entry (``file``: the
    ``npz`` one; :func:`set_files` sets it for the format written)."""
    inputs, outputs, tolerances = expected(case)
    arrays = inputs | outputs
    entry = {"name": case.name, "file": formats.case_file("npz", case.name),
             "sha256": io.sha256(io.npz_bytes(arrays)), "description": case.description,
             "model": to_spec(case.neuron), "dtype": case.dtype,
             "shapes": manifest.shapes(arrays), "tolerances": tolerances}
    return arrays, entry


def case_file(case: Case) -> tuple[bytes, dict]:
    """A case's ``.npz`` bytes and its manifest entry."""
    arrays, entry = case_arrays(case)
    return io.npz_bytes(arrays), entry


def computed(found: list[Case]) -> list[tuple[dict, dict]]:
    """Every case's ``(arrays, entry)``, with a progress bar for a large set."""
    bar = tqdm(found, desc="golden cases", unit="case", file=sys.stderr,
               disable=None if len(found) >= PROGRESS else True)
    return [case_arrays(case) for case in bar]


def set_files(pairs: list[tuple[dict, dict]], fmt: str = "npz",
              generator: str = manifest.GENERATOR) -> dict[str, bytes]:
    """The files of a golden set of ``pairs`` ``(arrays, entry)`` in format ``fmt``, by path
    relative to its directory, the manifest last."""
    pairs = [(arrays, entry | {"file": formats.case_file(fmt, entry["name"])})
             for arrays, entry in pairs]
    document = manifest.document([entry for _, entry in pairs], fmt, generator)
    return formats.files(fmt, pairs) | {manifest.NAME: io.json_bytes(document)}


def contents() -> dict[str, bytes]:
    """Every file of refsnn's own neuron cases by name, the manifest last."""
    return set_files(computed(cases()))


def spec_contents(spec: Path, fmt: str = "npz") -> dict[str, bytes]:
    """The files of the golden set a spec file describes, in format ``fmt``."""
    if fmt not in formats.FORMATS:
        raise ValueError(f"format: expected one of {list(formats.FORMATS)}, got {fmt!r}")
    found = spec_file.load(spec).cases
    if fmt == "csv":
        for case in found:  # refused before any work: the arrays' sizes follow from x's shape
            formats.check_csv_size(case.name, 7 * math.prod(case.shape)
                                   + 2 * math.prod(case.shape[1:]))
    try:
        pairs = computed(found)
    except RuntimeError as error:  # no clean draw
        raise ValueError(f"{spec}: {error}") from None
    generator = f"refsnn golden generate --spec {spec.name} --out DIR --format {fmt}"
    return set_files(pairs, fmt, generator)


def generate(out: Path, force: bool = False, spec: Path | None = None,
             fmt: str = "npz") -> int:
    """Write refsnn's own golden set, or with ``spec`` the set that spec file describes in
    format ``fmt``, into ``out``; print what changed. Returns the exit status: 1 if a file
    would change and ``force`` is False (then nothing is written), else 0."""
    if spec is not None:
        return write_files(spec_contents(spec, fmt), out, force)
    if fmt != "npz":
        raise ValueError(f"format: expected npz for refsnn's own set (other formats with "
                         f"--spec), got {fmt!r}")
    return write_files(contents() | networks.contents() | _nir_pack(), out, force)


def write_files(files: dict[str, bytes], out: Path, force: bool = False) -> int:
    """Write ``files`` (path relative to ``out`` -> bytes) under the rules of the module
    docstring. Returns 1 if a file would change without ``force`` (nothing written), else 0."""
    out = Path(out)
    status = {name: _status(out / name, data) for name, data in files.items()}
    refused = "changed" in status.values() and not force
    for name, state in status.items():
        if state != "unchanged":
            print(f"{'would change (refused)' if refused and state == 'changed' else state:>22}"
                  f"  {out / name}")
    for path in sorted({path for pattern in STALE for path in out.glob(pattern)}):
        if path.relative_to(out).as_posix() not in files:
            print(f"{'stale':>22}  {path} (not in the manifest; delete it by hand)")
    counts = {state: list(status.values()).count(state)
              for state in ("new", "unchanged", "changed")}
    size = sum(len(data) for data in files.values())
    print(f"{len(files)} files, {size / 1e6:.2f} MB in {out}: " + ", ".join(
        f"{count} {state}" for state, count in counts.items()))
    if refused:
        print("nothing written: files would change; rerun with --force to overwrite them")
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if status[name] != "unchanged":
            io.write_atomic(out / name, data)
    return 0


def _nir_pack() -> dict[str, bytes]:
    """The NIR conformance pack's files under ``nir/`` (refsnn.golden.nir_pack); none, said,
    without the ``nir`` package."""
    try:
        files, _ = nir_pack.contents()
    except ImportError as error:
        print(f"NIR pack skipped: {error}")
        return {}
    return {f"{nir_pack.DIRECTORY}/{name}": data for name, data in files.items()}


def _status(path: Path, data: bytes) -> str:
    if not path.exists():
        return "new"
    return "unchanged" if path.is_file() and path.read_bytes() == data else "changed"
