"""Runs the PyTorch reference (crates/gradflow-engine/tests/reference/pytorch_reference.py)."""

import json
import subprocess
import sys
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "crates/gradflow-engine/tests/reference/pytorch_reference.py"
DEFAULTS = {"seed": 123, "input": [1.0, 0.0, -1.0], "runs": 1, "activation": "relu"}


def references(specs):
    """What PyTorch prints for each experiment, in one process: (module printout, gradient lines)."""
    stdin = "".join(json.dumps({**DEFAULTS, **spec}) + "\n" for spec in specs)
    out = subprocess.run([sys.executable, str(REFERENCE)], input=stdin, capture_output=True, text=True,
                         check=True).stdout
    results = []
    for block in out.split("---\n")[:-1]:
        lines = block.splitlines(keepends=True)
        results.append(("".join(line for line in lines if not line.startswith("layers.")),
                        "".join(line for line in lines if line.startswith("layers."))))
    assert len(results) == len(specs)
    return results


def reference(spec):
    """What PyTorch prints for one experiment: (module printout, gradient lines)."""
    return references([spec])[0]


def default_input(width):
    """gradflow's default input: evenly spaced from 1 down to -1 (float32 when PyTorch reads it)."""
    return [1.0] if width == 1 else [1 - 2 * i / (width - 1) for i in range(width)]
