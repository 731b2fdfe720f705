"""Every mapped row of refsnn.targets.surrogate_map equals the peer's real surrogate (its autograd).

Each peer is imported if installed (SpikingJelly and Norse with ``pip install --no-deps``, see
the README); otherwise its rows are skipped. Parameters are set away from the defaults so that
the parameter mapping is exercised, not only the default.
"""

from __future__ import annotations

import numpy as np
import pytest

from refsnn.targets.surrogate_map import PEER_SURROGATES, from_peer

FORWARD_STEP = {"spikingjelly": lambda x: 1.0 * (x >= 0),  # the spike at x = H - v_threshold
                "snntorch": lambda x: 1.0 * (x > 0), "norse": lambda x: 1.0 * (x > 0)}
MAPPED = [row for row in PEER_SURROGATES if row.canonical is not None]
# Known precision quirks (rtol, why); everything else must agree to 1e-12.
QUIRKS = {("norse", "heavi_erfc"): (1e-7, "Norse takes sqrt(pi) in float32: "
                                          "torch.as_tensor(np.pi).sqrt(), threshold.py:29"),
          ("snntorch", "sigmoid"): (1e-7, "snnTorch rounds the slope to float32 in the "
                                          "height factor, surrogate.py:313")}
X = np.concatenate([np.linspace(-3.0, 3.0, 601), [0.0, 1e-9, -1e-9]])


def peer_function(row, params):
    """The peer's spike function (forward step, surrogate backward) for these parameters."""
    if row.framework == "spikingjelly":
        surrogate = pytest.importorskip("spikingjelly.activation_based.surrogate")
        return getattr(surrogate, row.name)(**params)
    if row.framework == "snntorch":
        surrogate = pytest.importorskip("snntorch.surrogate")
        return getattr(surrogate, row.name)(**params)
    threshold = pytest.importorskip("norse.torch.functional.threshold")
    return lambda x: threshold.threshold(x, row.name, params["alpha"])


@pytest.mark.parametrize("row", MAPPED, ids=lambda r: f"{r.framework}-{r.name}")
@pytest.mark.parametrize("factor", [1.0, 0.37, 0.611])  # 0.611: not exact in float32
def test_peer_surrogate_equals_its_canonical_mapping(row, factor):
    torch = pytest.importorskip("torch")
    params = {name: value * factor for name, value in row.defaults.items()}
    x = torch.tensor(X, requires_grad=True)
    spikes = peer_function(row, params)(x)
    spikes.sum().backward()
    canonical = from_peer(row.framework, row.name, **params)
    np.testing.assert_array_equal(spikes.detach().numpy(),
                                  FORWARD_STEP[row.framework](X))
    rtol, why = QUIRKS.get((row.framework, row.name), (1e-12, ""))
    np.testing.assert_allclose(x.grad.numpy(), canonical.derivative(X), rtol=rtol, atol=1e-15,
                               err_msg=why)


def test_from_peer_errors():
    with pytest.raises(ValueError, match=r"^name: expected one of .* got snntorch:atan2"):
        from_peer("snntorch", "atan2")
    with pytest.raises(ValueError, match=r"^name: snntorch triangular has no canonical"):
        from_peer("snntorch", "triangular")
    with pytest.raises(ValueError, match=r"^params: expected some of \['slope'\]"):
        from_peer("snntorch", "sigmoid", alpha=3.0)


def test_docs_table_is_generated_from_the_map():
    from pathlib import Path

    from tools.surrogate_table import table

    committed = (Path(__file__).parents[1] / "docs" / "surrogates.md").read_text()
    assert committed == table(), "run: python tools/surrogate_table.py > docs/surrogates.md"


def test_snntorch_sigmoid_gradient_is_nan_a_few_units_below_threshold():
    """A peer bug this suite pins (docs/surrogates.md): snnTorch 1.0's sigmoid surrogate
    computes slope e^(-slope x) / (1 + e^(-slope x))^2, which is inf / inf = NaN once
    e^(-slope x) overflows: at x = -3.5 in float32 with the default slope 25 (refsnn: 1e-36)."""
    torch = pytest.importorskip("torch")
    surrogate = pytest.importorskip("snntorch.surrogate")
    x = torch.tensor([-3.5], dtype=torch.float32, requires_grad=True)
    surrogate.sigmoid(slope=25)(x).sum().backward()
    assert torch.isnan(x.grad).all()
    assert 0 < from_peer("snntorch", "sigmoid").derivative(np.float32([-3.5]))[0] < 1e-30
