"""Every notebook through the real gradflow kernel: no errors, well-formed charts, committed
outputs current (numbers within 1e-6, charts showing the same), and notebook 01's numbers
identical to those of PyTorch run here."""

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import notebooks
import nbformat

from conftest import EXPLORE_NOTEBOOK, EXPLORER_NOTEBOOKS, NOTEBOOK_PATHS, SEED_NOTEBOOK
from notebook_checks import SEED, check_outputs_current, check_seed_notebook, code_cells
from outputs import cell_containing, explorer_grids, svgs, text
from pytorch import references


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
def test_the_explorer_is_where_it_belongs(committed, path):
    shown = sum(len(explorer_grids(c)) for c in code_cells(committed(path)))
    assert shown == (1 if path in EXPLORER_NOTEBOOKS else 0)


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_committed_outputs_are_current(committed, executed, path):
    """`make notebooks` was run after the last change: a fresh run shows what is committed, its
    numbers within 1e-6 relative and its charts showing the same bars, lines and labels, its
    explorers' grids within 1e-2 (the last digits depend on the CPU that ran the notebook, and
    32 layers amplify them)."""
    check_outputs_current(executed(path), committed(path))


def test_seed_notebook_prints_pytorchs_numbers(executed):
    check_seed_notebook(executed(SEED_NOTEBOOK))


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
    # The commented line that normalises each layer's output, uncommented.
    ("layer_norm", "relu", [("// .add(nn::layer_norm", ".add(nn::layer_norm")]),
]


def test_an_edited_architecture_cell_gives_pytorchs_gradients():
    """Notebook 02's own `ExampleDeepNeuralNetwork`, edited as its Markdown suggests, then the
    cells below it run again, all in one kernel: each edit prints what PyTorch prints for it."""
    nb = nbformat.read(EXPLORE_NOTEBOOK, as_version=4)
    sources = [c.source for c in code_cells(nb)]
    architecture = next(s for s in sources if "struct ExampleDeepNeuralNetwork {" in s)
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


def test_the_books_gelu_cell_prints_pytorchs_values(executed):
    """Notebook 02's GELU, written op by op in a cell, prints what the book's PyTorch module and
    PyTorch's own tanh GELU print for the same inputs."""
    cell = cell_containing(executed(EXPLORE_NOTEBOOK), "GELU.forward(&x)")
    book = ("import torch, torch.nn.functional as F\n"
            "x = torch.tensor([-3., -1., 0., 1., 3.])\n"
            "print(0.5 * x * (1 + torch.tanh(torch.sqrt(torch.tensor(2.0 / torch.pi)) * (x + 0.044715 * torch.pow(x, 3)))))\n"
            "print(F.gelu(x, approximate='tanh'))\n")
    expected = subprocess.run([sys.executable, "-c", book], capture_output=True, text=True, check=True).stdout
    assert text(cell) == expected


def test_a_bad_edit_shows_the_crates_message(executed):
    cell = cell_containing(executed(SEED_NOTEBOOK), "[3, 0, 1]")
    assert "layer_sizes[1] is 0; every size must be a positive number of neurons" in text(cell)
    assert "panicked" not in text(cell)
