"""ANN-to-SNN conversion with low latency: every rule of Yan, Zhou & Wong, "Low Latency
Conversion of Artificial Neural Network Models to Rate-encoded Spiking Neural Networks" (IEEE
TNNLS; arXiv 2211.08410), each switchable, beside the classic baselines.

The paper's full text was not reachable; its rules are taken from the authors' public code
(github.com/zhangluyan9/Low-latency-SNNs, HEAD dd466a5), which names them in file names and
comments; docs/conversion.md says what is sourced and what refsnn chose.

=========  ==========================================================  =======================
rule       what it does                                                here
=========  ==========================================================  =======================
VR         train the ANN with the clamped, quantized activation        :class:`ClampQuantize`
           ``clip(floor(q z), 0, T) / q`` (the AAAI 2021 paper's
           CQ training), so that T spikes can express it exactly
ICE        the input quantized on three grids (q, q + 1, q - 1)         :class:`InputExpansion`
ASG        a layer integrates the mean of its input window             :class:`TimeAverage`
           (spike order no longer matters)
CTT        channel-wise thresholds tuned to the ASG spike counts       :func:`tune_thresholds`
           when plain IF neurons are used
=========  ==========================================================  =======================

and the common steps: BatchNorm folding, weights scaled by the incoming spike value,
thresholds ``lambda = T/q``, IF neurons with soft reset from 0, a non-spiking output averaged
over T (:func:`convert`). Baselines: max and percentile normalization of a ReLU ANN
(:func:`activation_scales`).
"""

from refsnn.convert.activation import ClampQuantize, InputExpansion, ReLU, levels_for
from refsnn.convert.ann import Activation, Training, cnn, mlp, predict, train
from refsnn.convert.scales import activation_scales
from refsnn.convert.snn import convert, logits, neuron_layers
from refsnn.convert.time_average import TimeAverage
from refsnn.convert.tuning import tune_thresholds

__all__ = ["Activation", "ClampQuantize", "InputExpansion", "ReLU", "TimeAverage", "Training",
           "activation_scales", "cnn", "convert", "levels_for", "logits", "mlp",
           "neuron_layers", "predict", "train", "tune_thresholds"]
