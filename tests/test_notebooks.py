"""Every notebook through the real gradflow kernel: no errors, well-formed charts, committed
outputs current (numbers within 1e-6, charts showing the same), and notebook 01's numbers
identical to those of PyTorch run here."""

import xml.etree.ElementTree as ET

import pytest

import notebooks
import nbformat

from conftest import EXPLORE_NOTEBOOK, NOTEBOOK_PATHS, SEED_NOTEBOOK
from outputs import (bars, cell_containing, chart_differences, explorer_grids, grid_differences, svgs, text,
                     text_differences)
from pytorch import reference, references

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


# Notebook 01's cells that run the seed's `print_gradients`, and what PyTorch prints for each:
# the same experiment, or, for the second run on the same model, two passes summed.
SEED_RUNS = [
    ("a sign of vanishing gradients", {"layer_sizes": SEED, "shortcut": False}),
    ("print_gradients(&model_with_shortcut", {"layer_sizes": SEED, "shortcut": True}),
    ("the second run on the same model", {"layer_sizes": SEED, "shortcut": False, "runs": 2}),
    ("model_without_shortcut.zero_grad()", {"layer_sizes": SEED, "shortcut": False}),
    ("print_gradients(&model_gelu_without", {"layer_sizes": SEED, "shortcut": False, "activation": "gelu"}),
    ("print_gradients(&model_gelu_with,", {"layer_sizes": SEED, "shortcut": True, "activation": "gelu"}),
]


def test_seed_notebook_prints_pytorchs_numbers(executed):
    check_seed_notebook(executed(SEED_NOTEBOOK))


def check_seed_notebook(nb):
    """Notebook 01, run through a kernel here or through a hub (tests/test_hub.py), prints
    PyTorch's lines and shows each variant's bars."""
    module, _ = reference({"layer_sizes": SEED, "shortcut": False})
    assert text(cell_containing(nb, "let model = DeepNetwork::builder")) == module
    for (snippet, spec), (_, lines) in zip(SEED_RUNS, references([spec for _, spec in SEED_RUNS])):
        assert text(cell_containing(nb, snippet)) == lines, snippet

    assert bars(svgs(cell_containing(nb, "without.chart()"))[0]) == (5 + 1, 0)
    assert bars(svgs(cell_containing(nb, "with.chart()"))[0]) == (0, 5 + 1)
    assert bars(svgs(cell_containing(nb, "chart::compare(&without, &with)"))[0]) == (6, 6)
    assert bars(svgs(cell_containing(nb, "chart::compare(&model_gelu_without"))[0]) == (6, 6)


# Edits of notebook 02's architecture cell, and the PyTorch model each one is.
ARCHITECTURE_EDITS = [
    ("seed", "relu", []),
    ("scaled", "relu", [("x = &x + &layer_output;", "x = &x + 0.5 * &layer_output;")]),
    ("every_second", "relu", [("for layer in &self.layers {", "for (i, layer) in self.layers.iter().enumerate() {"),
                              ("x.size() == layer_output.size() {", "x.size() == layer_output.size() && i % 2 == 1 {")]),
    # Tanh: the seed's ReLU passes its last, positive, output on unchanged, so dropping it
    # would change nothing to see.
    ("no_last_activation", "tanh", [(".add_fn(|x| x.relu())",
                                     ".add_fn({ let last = i + 2 == layer_sizes.len(); "
                                     "move |x| if last { x.shallow_clone() } else { x.tanh() } })")]),
    ("seed", "tanh", [("x.relu()", "x.tanh()")]),
]


def test_an_edited_architecture_cell_gives_pytorchs_gradients():
    """Notebook 02's own `ExampleDeepNeuralNetwork`, edited as its Markdown suggests, then the
    cells below it run again, all in one kernel: each edit prints what PyTorch prints for it."""
    nb = nbformat.read(EXPLORE_NOTEBOOK, as_version=4)
    sources = [c.source for c in code_cells(nb)]
    architecture = next(s for s in sources if s.startswith("struct ExampleDeepNeuralNetwork"))
    after = sources[sources.index(architecture) + 1:sources.index(architecture) + 3]
    assert after[0].startswith("fn print_gradients") and after[1].startswith("manual_seed(123)")
    cells = [sources[0]]
    for _, _, edits in ARCHITECTURE_EDITS:
        edited = architecture
        for old, new in edits:
            assert old in edited, old
            edited = edited.replace(old, new)
        cells += [edited, *after]
    ran = notebooks.execute(notebooks.new_notebook([("code", s) for s in cells]))
    printed = [text(cell) for cell in ran.cells[3::3]]
    specs = [{"kind": "custom", "rule": rule, "activation": activation, "layer_sizes": SEED, "shortcut": True}
             for rule, activation, _ in ARCHITECTURE_EDITS]
    expected = [lines for _, lines in references(specs)]
    assert printed == expected
    assert len(set(printed)) == len(printed), "each edit changes the gradients"


def test_a_bad_edit_shows_the_crates_message(executed):
    cell = cell_containing(executed(SEED_NOTEBOOK), "[3, 0, 1]")
    assert "layer_sizes[1] is 0; every size must be a positive number of neurons" in text(cell)
    assert "panicked" not in text(cell)
