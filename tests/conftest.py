"""Shared fixtures: each notebook is executed through the real kernel once per test session."""

import copy
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import notebooks  # noqa: E402  (scripts/notebooks.py)

NOTEBOOK_PATHS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def committed():
    """The notebook as committed, outputs included."""
    return lambda path: nbformat.read(path, as_version=4)


@pytest.fixture(scope="session")
def executed(committed):
    """The notebook executed afresh through the gradflow kernel (cached per session)."""
    cache = {}

    def run(path):
        if path not in cache:
            cache[path] = notebooks.execute(copy.deepcopy(committed(path)))
        return cache[path]

    return run
