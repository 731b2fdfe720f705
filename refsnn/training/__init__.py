"""The training application behind ``refsnn train``: configuration (:mod:`.config`), the
loop (:mod:`.loop`), thread settings (:mod:`.threads`), checkpoints and metrics
(:mod:`.checkpoint`), the shipped datasets (:mod:`.data`) and figures (:mod:`.plots`)."""

from refsnn.training.checkpoint import load_checkpoint, save_checkpoint, save_metrics
from refsnn.training.config import MT_LEVELS, MT_MODES, Config, build, make_neuron
from refsnn.training.loop import Run, encode, evaluate, train
from refsnn.training.threads import auto_threads, limit_threads

__all__ = ["MT_LEVELS", "MT_MODES", "Config", "Run", "auto_threads", "build", "encode",
           "evaluate", "limit_threads", "load_checkpoint", "make_neuron", "save_checkpoint",
           "save_metrics", "train"]
