"""Losses on the readout ``r[B, C]``: each returns ``(loss, dL/dr)``."""

from __future__ import annotations

import numpy as np

from refsnn import validation
from refsnn.nn.layer import float_array


def _scores(scores: object) -> np.ndarray:
    """Check the readout: a float ``[B, C]`` array with B >= 1 and only finite values (a NaN
    score would make the loss NaN)."""
    float_array("scores", scores, None, rank=2, shape="[B, C]")
    if scores.shape[0] == 0:
        raise ValueError(f"scores: expected a batch of B >= 1 rows, got shape {scores.shape}")
    validation.finite("scores", scores)
    return scores


def _labels(labels: object, scores: np.ndarray) -> np.ndarray:
    batch, classes = scores.shape
    if not isinstance(labels, np.ndarray) or labels.dtype.kind not in "iu":
        raise ValueError(f"labels: expected an integer numpy.ndarray of shape [{batch}], "
                         f"got {type(labels).__name__}")
    if labels.shape != (batch,):
        raise ValueError(f"labels: expected shape ({batch},) (one per row of the scores), "
                         f"got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"labels: expected class indices in [0, {classes}), got values in "
                         f"[{labels.min()}, {labels.max()}]")
    return labels


def cross_entropy(scores: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """``L = -(1/B) sum_b log softmax(r[b])[labels[b]]`` (torch's cross_entropy, mean
    reduction), with ``r`` the mean output over time (the logits).

    ``dL/dr = (softmax(r) - onehot(labels)) / B``. The log-softmax subtracts each row's maximum
    first, so it never overflows.
    """
    scores = _scores(scores)
    labels = _labels(labels, scores)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p = shifted - log_z
    rows = np.arange(scores.shape[0])
    batch = scores.shape[0]
    grad = np.exp(log_p)
    grad[rows, labels] -= 1
    grad /= batch
    return float(-log_p[rows, labels].sum() / batch), grad


def mse_count(scores: np.ndarray, labels: np.ndarray, *, correct_rate: float = 1.0,
              incorrect_rate: float = 0.0) -> tuple[float, np.ndarray]:
    """``L = (1/(B C)) sum_{b,c} (r[b, c] - target[b, c])^2`` on the spike counts ``r`` (as
    rates, the count over T), ``target = correct_rate`` for the label's class and
    ``incorrect_rate`` for the others (snntorch.functional.mse_count_loss, mean reduction).

    ``dL/dr = 2 (r - target) / (B C)``.
    """
    scores = _scores(scores)
    labels = _labels(labels, scores)
    on = validation.real_scalar("correct_rate", correct_rate)
    off = validation.real_scalar("incorrect_rate", incorrect_rate)
    target = np.full_like(scores, off)
    target[np.arange(scores.shape[0]), labels] = on
    diff = scores - target
    return float(np.mean(diff * diff)), 2.0 * diff / diff.size


LOSSES = {"cross_entropy": cross_entropy, "mse_count": mse_count}
