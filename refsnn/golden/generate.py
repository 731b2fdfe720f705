"""Regenerate the golden directory, deterministically: the neuron cases and their manifest,
the network cases (``networks/``, refsnn.golden.networks) and the NIR conformance pack
(``nir/``, refsnn.golden.nir_pack; skipped without the ``nir`` package), each with its own
manifest.

Nothing is overwritten unless asked: each file is compared, byte for byte, with the one on
disk and reported as ``new``, ``unchanged`` or ``changed``; if any would change, nothing is
written without ``force`` (those files are reported as ``would change (refused)``). ``.npz``
files in the directory that the manifest does not list are reported as ``stale`` and left
alone. Case files are written before the manifest, each atomically.
"""

from __future__ import annotations

from pathlib import Path

from refsnn.golden import io, manifest, networks, nir_pack
from refsnn.golden.cases import Case, cases
from refsnn.golden.expected import expected
from refsnn.golden.spec import to_spec


def case_file(case: Case) -> tuple[bytes, dict]:
    """A case's ``.npz`` bytes and its manifest entry."""
    inputs, outputs, tolerances = expected(case)
    arrays = inputs | outputs
    data = io.npz_bytes(arrays)
    entry = {"name": case.name, "file": f"{case.name}.npz", "sha256": io.sha256(data),
             "description": case.description, "model": to_spec(case.neuron),
             "dtype": case.dtype, "shapes": manifest.shapes(arrays), "tolerances": tolerances}
    return data, entry


def contents() -> dict[str, bytes]:
    """Every file of the golden directory by name, the manifest last."""
    files, entries = {}, []
    for case in cases():
        data, entry = case_file(case)
        files[entry["file"]] = data
        entries.append(entry)
    files[manifest.NAME] = io.json_bytes(manifest.document(entries))
    return files


def generate(out: Path, force: bool = False) -> int:
    """Write the golden files into ``out``; print what changed. Returns the exit status: 1 if
    a file would change and ``force`` is False (then nothing is written), else 0."""
    files = contents() | networks.contents() | _nir_pack()
    status = {name: _status(out / name, data) for name, data in files.items()}
    refused = "changed" in status.values() and not force
    for name, state in status.items():
        if state != "unchanged":
            print(f"{'would change (refused)' if refused and state == 'changed' else state:>22}"
                  f"  {out / name}")
    for path in sorted([*out.glob("*.npz"), *out.glob(f"{networks.DIRECTORY}/*.npz"),
                        *out.glob(f"{nir_pack.DIRECTORY}/*.*")]):
        if path.relative_to(out).as_posix() not in files:
            print(f"{'stale':>22}  {path} (not in the manifest; delete it by hand)")
    counts = {state: list(status.values()).count(state)
              for state in ("new", "unchanged", "changed")}
    cases_ = sum(name.endswith(".npz") for name in files)
    print(f"{cases_} cases + manifests in {out}: " + ", ".join(
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
    return "unchanged" if path.read_bytes() == data else "changed"
