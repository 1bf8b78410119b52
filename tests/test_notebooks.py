"""Every notebook through the real gradflow kernel: no errors, well-formed charts, committed
outputs current (numbers within 1e-6, charts showing the same), and notebook 01's numbers
identical to those of PyTorch run here."""

import xml.etree.ElementTree as ET

import pytest

import notebooks
from conftest import NOTEBOOK_PATHS, SEED_NOTEBOOK
from outputs import (bars, cell_containing, chart_differences, explorer_grids, grid_differences, svgs, text,
                     text_differences)
from pytorch import reference

SEED = [3, 3, 3, 3, 3, 1]


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_runs_through_the_kernel_without_errors(executed, path):
    nb = executed(path)
    assert nb.metadata.kernelspec.name == notebooks.KERNEL_NAME
    for cell in code_cells(nb):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{cell.source!r}: {errors}"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_charts_are_well_formed_svg(executed, path):
    charts = [svg for cell in code_cells(executed(path)) for svg in svgs(cell)]
    assert len(charts) >= 3
    for svg in charts:
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert (root.get("width"), root.get("height")) == ("1280", "720")


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_committed_outputs_are_current(committed, executed, path):
    """`make notebooks` was run after the last change: a fresh run shows what is committed, its
    numbers within 1e-6 relative and its charts showing the same bars, lines and labels, its
    explorers' grids within 1e-2 (the last digits depend on the CPU that ran the notebook, and
    32 layers amplify them)."""
    check_outputs_current(executed(path), committed(path))


def check_outputs_current(fresh_nb, saved_nb):
    """A notebook run afresh (here, or through a hub: tests/test_hub.py) shows what is committed."""
    fresh, saved = code_cells(fresh_nb), code_cells(saved_nb)
    assert [c.source for c in fresh] == [c.source for c in saved]
    assert sum(len(explorer_grids(c)) for c in fresh) == 1, "each notebook shows one explorer"
    for new, old in zip(fresh, saved):
        assert not text_differences(text(new), text(old)), f"stale output; run `make notebooks` ({new.source!r})"
        assert len(svgs(new)) == len(svgs(old)), f"stale chart; run `make notebooks` ({new.source!r})"
        for a, b in zip(svgs(new), svgs(old)):
            assert not chart_differences(a, b), f"stale chart; run `make notebooks` ({new.source!r})"
        assert len(explorer_grids(new)) == len(explorer_grids(old))
        for a, b in zip(explorer_grids(new), explorer_grids(old)):
            assert not grid_differences(a, b), f"stale explorer; run `make notebooks` ({new.source!r})"


def test_seed_notebook_prints_pytorchs_numbers(executed):
    check_seed_notebook(executed(SEED_NOTEBOOK))


def check_seed_notebook(nb):
    """Notebook 01, run through a kernel here or through a hub (tests/test_hub.py), prints
    PyTorch's lines and shows each variant's bars."""
    module, _ = reference({"layer_sizes": SEED, "shortcut": False})
    assert text(cell_containing(nb, "let model = DeepNetwork::builder")) == module

    _, without = reference({"layer_sizes": SEED, "shortcut": False})
    assert text(cell_containing(nb, "let without = print_gradients")) == without
    assert bars(svgs(cell_containing(nb, "without.chart()"))[0]) == (5 + 1, 0)

    _, with_ = reference({"layer_sizes": SEED, "shortcut": True})
    assert text(cell_containing(nb, "let with = print_gradients")) == with_
    assert bars(svgs(cell_containing(nb, "with.chart()"))[0]) == (0, 5 + 1)

    assert bars(svgs(cell_containing(nb, "chart::compare(&without, &with)"))[0]) == (6, 6)

    # The seed's printed figures: its cell ran twice, and the gradients accumulated.
    _, twice = reference({"layer_sizes": SEED, "shortcut": False, "runs": 2})
    assert text(cell_containing(nb, "accumulated_gradients(&sample_input, 2)")) == twice

    _, gelu_without = reference({"layer_sizes": SEED, "shortcut": False, "activation": "gelu"})
    assert text(cell_containing(nb, "let gelu_without = print_gradients")) == gelu_without
    _, gelu_with = reference({"layer_sizes": SEED, "shortcut": True, "activation": "gelu"})
    assert text(cell_containing(nb, "let gelu_with = print_gradients")) == gelu_with
    assert bars(svgs(cell_containing(nb, "chart::compare(&gelu_without, &gelu_with)"))[0]) == (6, 6)


def test_a_bad_edit_shows_the_crates_message(executed):
    cell = cell_containing(executed(SEED_NOTEBOOK), "[3, 0, 1]")
    assert "layer_sizes[1] is 0; every size must be a positive number of neurons" in text(cell)
    assert "panicked" not in text(cell)
