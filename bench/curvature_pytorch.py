"""PyTorch's side of the landscape and curvature figures, for `make bench` to set beside gradflow's.

Prints one line per figure, its name and the median of 5 runs in seconds, with PyTorch's default
number of threads:
  - landscape_seed_41x41, landscape_32x16_41x41: notebook 02's 41 x 41 loss landscape of both
    variants (networks built, directions drawn, every loss), for the seed network
    [3, 3, 3, 3, 3, 1] and for [32] * 16 + [1], ReLU, at initialisation;
  - spectrum_seed: the seed network's whole Hessian spectrum (torch.autograd.functional.hessian,
    then torch.linalg.eigvalsh), without shortcut, at initialisation;
  - power20_64x32: 20 power iterations (tolerance 0: no early stop) on [64] * 32 + [1], ReLU,
    without shortcut, at initialisation, from the loss to the eigenvalue, the model built first.
The code measured is the differential tests' reference (tests/reference/pytorch_reference.py).
"""

import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "crates/gradflow-engine/tests/reference"))
import pytorch_reference as reference  # noqa: E402

SEED_NETWORK = [3, 3, 3, 3, 3, 1]
RUNS = 5


def spec_for(layer_sizes, **fields):
    """An experiment as the reference reads it, with notebook 02's defaults."""
    return {"layer_sizes": layer_sizes, "activation": "relu", "seed": 123, "samples": 256,
            "learning_rate": 0.1, **fields}


def median_seconds(run):
    """The median of RUNS timed calls of `run`."""
    seconds = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def landscape_seconds(layer_sizes):
    """Both variants' 41 x 41 surfaces, as the landscape kind computes them, without its printing."""
    spec = spec_for(layer_sizes, kind="landscape", steps=0, directions=2, points=41, span=1.0)
    with contextlib.redirect_stdout(io.StringIO()):
        return median_seconds(lambda: reference.landscape(spec))


def spectrum_seconds():
    """The seed network's whole spectrum: the Hessian's n backward passes and eigvalsh."""
    spec = spec_for(SEED_NETWORK)
    x, y = reference.draw_task(spec)
    model = reference.new_network(spec, False)
    return median_seconds(lambda: reference.full_spectrum(model, x, y))


def power_seconds():
    """20 power iterations from the loss on: its gradients with their graph, then the iterations."""
    spec = spec_for([64] * 32 + [1], iterations=20, tolerance=0.0)
    x, y = reference.draw_task(spec)
    model = reference.new_network(spec, False)
    params = list(model.parameters())

    def top_eigenvalue():
        grads = torch.autograd.grad(nn.MSELoss()(model(x), y), params, create_graph=True)

        def hvp(v):
            return torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)

        _, iterations = reference.power_iteration(hvp, params, spec)
        # Tolerance 0 never stops early, so every run does the same work.
        assert iterations == 20

    return median_seconds(top_eigenvalue)


def main():
    figures = {
        "landscape_seed_41x41": lambda: landscape_seconds(SEED_NETWORK),
        "landscape_32x16_41x41": lambda: landscape_seconds([32] * 16 + [1]),
        "spectrum_seed": spectrum_seconds,
        "power20_64x32": power_seconds,
    }
    for name, seconds in figures.items():
        print(name, f"{seconds():.4f}", flush=True)


if __name__ == "__main__":
    main()
