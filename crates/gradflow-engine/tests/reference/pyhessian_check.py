"""PyHessian's own code on the curvature reference's experiment, to check that reference against it.

Reads one JSON experiment per line on standard input, as pytorch_reference.py's "curvature" kind
but with one variant and one step, for example
    {"layer_sizes": [3, 3, 3, 3, 3, 1], "activation": "relu", "seed": 123, "samples": 256,
     "learning_rate": 0.1, "at_steps": [25], "iterations": 100, "tolerance": 0.001,
     "trace_samples": 100, "shortcut": false}
builds the same task and network, trains it to that step, and prints PyHessian's top eigenvalue
and Hutchinson trace, drawn from the same seeds as the reference's:
    pyhessian_top <eigenvalue>
    pyhessian_trace <mean of v'Hv> <samples>
then a line "---". PyHessian's density() is left out: it calls torch.eig, which torch 2 removed.
The top eigenvalue equals the reference's "power" value. The trace equals the reference's while
the running mean stays positive: PyHessian 0.1's stopping test divides by trace, not abs(trace),
so a negative running mean stops it at the next sample.
"""

import json
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
from pyhessian import hessian

from pytorch_reference import draw_task, new_network, train_for


def trained_network(spec):
    """The task and the network trained to the one step of `at_steps`, as the reference has them."""
    (step,) = spec["at_steps"]
    x, y = draw_task(spec)
    model = new_network(spec, spec["shortcut"])
    optimizer = torch.optim.SGD(model.parameters(), lr=spec["learning_rate"])
    train_for(model, optimizer, x, y, step, spec["learning_rate"])
    return model, x, y


def check(spec):
    model, x, y = trained_network(spec)
    # PyHessian's constructor adds its loss.backward(create_graph=True) to whatever .grad holds,
    # and training's last step left its gradients there.
    model.zero_grad(set_to_none=True)
    curvature = hessian(model, nn.MSELoss(), data=(x, y), cuda=False)
    torch.manual_seed(spec["seed"] + 3)
    eigenvalues, _ = curvature.eigenvalues(maxIter=spec["iterations"], tol=spec["tolerance"], top_n=1)
    torch.manual_seed(spec["seed"] + 5)
    trace_vhv = curvature.trace(maxIter=spec["trace_samples"], tol=spec["tolerance"])
    print("pyhessian_top", repr(eigenvalues[0]))
    print("pyhessian_trace", repr(float(np.mean(trace_vhv))), len(trace_vhv))


def main():
    # PyHessian calls backward(create_graph=True), as it must; torch warns of the reference cycle
    # that makes, which costs nothing in a process this short.
    warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
    for line in sys.stdin:
        if not line.strip():
            continue
        check(json.loads(line))
        print("---", flush=True)


if __name__ == "__main__":
    main()
