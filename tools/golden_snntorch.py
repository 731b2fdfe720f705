"""snnTorch 1.0's results for the golden cases it can express: docs/golden.md's worked example.

    python tools/golden_snntorch.py results/snntorch [--golden golden]
    refsnn golden verify results/snntorch --cases results/snntorch/cases.txt

It runs snnTorch on the golden files' inputs; refsnn is used only to read the manifest and the
case files through the validated reader (refsnn.golden.manifest: a case file is a plain name in
the golden directory, hash-checked), so nothing is read or written outside those directories.

snnTorch's ``Leaky(beta, threshold, spike_grad, reset_mechanism, reset_delay=False)`` computes,
per step, ``R = Heaviside(U[t-1] - threshold)`` (detached), ``U = beta U[t-1] + X - R threshold``,
``S = Heaviside(U - threshold)`` with ``>``, and resets in the same step by ``U -= (S - R)
threshold`` ("subtract") or ``U -= (S - R) U`` ("zero"), the gradient flowing through ``S``.
That is refsnn's LIF with ``decay_input=False`` (``beta = 1 - 1/tau``; IF is ``beta = 1``),
``compare=">"``, ``detach_reset=False`` and ``v_reset`` None ("subtract") or 0 ("zero"), as
long as ``R`` stays 0: ``v0`` and every membrane after a reset at most the threshold (a soft
reset leaves ``H - threshold`` above it whenever ``H > 2 threshold``, and snnTorch then
subtracts again at the next step). Surrogates: arctan, sigmoid, fast_sigmoid and
straight_through with scale 1 (docs/surrogates.md). float32 only: snnTorch's spike is
``(x > 0).float()`` (snntorch/surrogate.py:34 and the like), so in a float64 run the upstream
gradient reaches the surrogate rounded to float32.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import snntorch as snn
import torch
from snntorch import surrogate

from refsnn.golden import manifest

SPIKE_GRADS = {"arctan": lambda alpha: surrogate.atan(alpha=alpha),
               "sigmoid": lambda alpha: surrogate.sigmoid(slope=alpha),
               "fast_sigmoid": lambda alpha: surrogate.fast_sigmoid(slope=alpha),
               "straight_through": lambda alpha: surrogate.straight_through_estimator()}


def expressible(case: dict, arrays: dict) -> bool:
    """Whether snnTorch's Leaky computes exactly this case (module docstring)."""
    model, params = case["model"]["class"], case["model"]["params"]
    grad = params.get("surrogate", {})
    return (case["dtype"] == "float32" and model in ("IF", "LIF")
            and not params.get("decay_input", False) and params["compare"] == ">"
            and not params["detach_reset"] and params["v_reset"] in (None, 0.0)
            and grad["surrogate"] in SPIKE_GRADS and grad["scale"] == 1.0
            and max(arrays["v0"].max(), arrays["v"][:-1].max()) <= params["v_threshold"])


def run(case: dict, arrays: dict) -> dict:
    """The case through ``snn.Leaky``; ``h`` is the charge ``beta U[t-1] + X`` it applies."""
    params, dtype = case["model"]["params"], torch.float32
    tau = params.get("tau")
    beta = torch.tensor(1.0 if tau is None else 1.0 - 1.0 / tau, dtype=dtype)
    lif = snn.Leaky(beta=beta, threshold=torch.tensor(params["v_threshold"], dtype=dtype),
                    spike_grad=SPIKE_GRADS[params["surrogate"]["surrogate"]](
                        params["surrogate"]["alpha"]),
                    learn_beta=tau is not None, learn_threshold=True, reset_delay=False,
                    reset_mechanism="subtract" if params["v_reset"] is None else "zero")
    x, v0 = (torch.tensor(arrays[key], requires_grad=True) for key in ("x", "v0"))
    mem, spikes, h, v = v0, [], [], []
    for t in range(x.shape[0]):
        h.append(lif.beta * mem + x[t])
        spike, mem = lif(x[t], mem)
        spikes.append(spike)
        v.append(mem)
    spikes, h, v = torch.stack(spikes), torch.stack(h), torch.stack(v)
    loss = (torch.from_numpy(arrays["grad_spikes"]) * spikes).sum() \
        + (torch.from_numpy(arrays["grad_v"]) * v).sum()
    loss.backward()
    out = {"spikes": spikes, "h": h, "v": v, "grad_x": x.grad, "grad_v0": v0.grad,
           "grad_param_v_threshold": lif.threshold.grad.double()}
    if tau is not None:  # beta = 1 - 1/tau: dL/dtau = dL/dbeta / tau^2
        out["grad_param_tau"] = lif.beta.grad.double() / tau**2
    return {key: value.detach().numpy() for key, value in out.items()}


def write_results(golden: Path, out: Path) -> list[str]:
    """Write ``out/<case>.npz`` for every expressible case and ``out/cases.txt`` listing them;
    returns their names."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for case in manifest.load(golden)["cases"]:
        arrays = manifest.load_case(golden, case)
        if expressible(case, arrays):
            np.savez(out / case["file"], **run(case, arrays))
            written.append(case["name"])
    (out / "cases.txt").write_text("".join(f"{name}\n" for name in written))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the results directory to write")
    parser.add_argument("--golden", type=Path, default=Path("golden"))
    args = parser.parse_args()
    written = write_results(args.golden, args.out)
    print(f"{len(written)} cases written to {args.out} (listed in {args.out / 'cases.txt'})")


if __name__ == "__main__":
    main()
