"""Runs the PyTorch reference (crates/gradflow/tests/reference/pytorch_reference.py)."""

import json
import subprocess
import sys
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "crates/gradflow/tests/reference/pytorch_reference.py"


def reference(spec):
    """What PyTorch prints for one experiment: (module printout, gradient lines)."""
    spec = {"seed": 123, "input": [1.0, 0.0, -1.0], "runs": 1, "activation": "relu", **spec}
    out = subprocess.run([sys.executable, str(REFERENCE)], input=json.dumps(spec) + "\n",
                         capture_output=True, text=True, check=True).stdout
    lines = out.removesuffix("---\n").splitlines(keepends=True)
    gradients = "".join(line for line in lines if line.startswith("layers."))
    module = "".join(line for line in lines if not line.startswith("layers."))
    return module, gradients
