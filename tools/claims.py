"""The seed papers' claim at small scale: do multi-bit spikes help at few time steps?

    python tools/claims.py [--data digits mnist] [--steps 1 2 4] [--seeds 0 1 2]
                           [--neurons LIF MultiThreshold Ternary ...] [--epochs-digits 20]
                           [--epochs-mnist 10]

The multi-threshold paper (Xu et al., arXiv 2112.07426) claims accurate training at 1-2 time
steps because a spike carries a level; Ternary Spike (Guo et al., AAAI 2024) that {-1, 0, 1}
spikes beat binary ones at the same T; MT-SNN (arXiv 2303.11127) the same for several
thresholds. This trains, for every dataset x neuron x T x seed, the same network with the
same budget and reports the final test accuracy as mean +- sample standard deviation over
the seeds, as a Markdown table.

Setup (refsnn train's defaults unless stated): MLP with one hidden layer of 128 neurons, the
neuron's defaults (LIF tau 2, threshold 1, hard reset; MultiThreshold: 2 levels on that LIF;
Ternary: amplitude learned, thresholds +-1 on that LIF; MTNeuron, when refsnn has it, with
its defaults on that LIF), sigmoid surrogate (alpha 4), direct encoding, membrane readout,
cross-entropy, Adam 1e-2 with a cosine schedule, batch 64, float32. The seed sets the
stratified train/test split and the initial weights. digits: 1438 train / 359 test;
mnist: the 5,000-image MNIST subset, 4000 / 1000.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from refsnn.neurons import NEURONS
from refsnn.training import Config, data, train

CANDIDATES = ("LIF", "MultiThreshold", "Ternary", "MTNeuron")


def run_grid(datasets, neurons, steps, seeds, epochs, hidden, log=print):
    """``{(data, neuron, T): [final test accuracy per seed]}``, and the total seconds."""
    results, start = {}, time.perf_counter()
    for name in datasets:
        for seed in seeds:
            dataset = data.load(name, seed=seed)
            for neuron in neurons:
                for t in steps:
                    config = Config(data=name, neuron=neuron, steps=t, seed=seed,
                                    epochs=epochs[name], hidden=hidden)
                    run = train(config, progress=False, dataset=dataset)
                    accuracy = run.history[-1]["test_accuracy"]
                    results.setdefault((name, neuron, t), []).append(accuracy)
                    log(f"  {name} {neuron} T={t} seed={seed}: {accuracy:.4f} "
                        f"({sum(run.seconds):.1f} s)")
    return results, time.perf_counter() - start


def markdown(results, datasets, neurons, steps, seeds, epochs):
    """One row per dataset x neuron, one column per T: ``mean +- std`` in percent."""
    lines = [f"| data | neuron | {' | '.join(f'T = {t}' for t in steps)} |",
             "|---|---|" + "---:|" * len(steps)]
    for name in datasets:
        for neuron in neurons:
            cells = []
            for t in steps:
                acc = 100 * np.array(results[(name, neuron, t)])
                spread = acc.std(ddof=1) if len(acc) > 1 else 0.0
                cells.append(f"{acc.mean():.1f} +- {spread:.1f}")
            lines.append(f"| {name} ({epochs[name]} ep) | {neuron} | {' | '.join(cells)} |")
    lines.append(f"\nTest accuracy (%), mean +- sample std over seeds {list(seeds)}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["digits", "mnist"],
                        choices=tuple(data.DATASETS))
    parser.add_argument("--steps", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    available = [n for n in CANDIDATES if n in NEURONS]
    parser.add_argument("--neurons", nargs="+", default=available, choices=available)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--epochs-digits", type=int, default=20)
    parser.add_argument("--epochs-mnist", type=int, default=10)
    parser.add_argument("--epochs-mnist1d", type=int, default=20)
    args = parser.parse_args()
    epochs = {"digits": args.epochs_digits, "mnist": args.epochs_mnist,
              "mnist1d": args.epochs_mnist1d}
    results, seconds = run_grid(args.data, args.neurons, args.steps, args.seeds, epochs,
                                (args.hidden,))
    print()
    print(markdown(results, args.data, args.neurons, args.steps, args.seeds, epochs))
    print(f"({len(args.seeds) * len(args.data) * len(args.neurons) * len(args.steps)} runs, "
          f"{seconds:.0f} s)")


if __name__ == "__main__":
    main()
