"""Bad edits in a live kernel: the cell shows a message, the kernel lives on, and the original
cells then give the seed's lines again."""

import pytest

import notebooks
from outputs import text
from pytorch import reference
from test_notebooks import SEED_NOTEBOOK

SEED_SIZES = "[3, 3, 3, 3, 3, 1]"

# Each bad edit of the layer-sizes cell, and what the student then sees in it or the cell after.
BAD_EDITS = [
    ("[3, 0, 1]", "layer_sizes[1] is 0; every size must be a positive number of neurons"),
    ("[3, -3, 1]", "layer_sizes[1] is -3; every size must be a positive number of neurons"),
    ("[2, 2, 1]", "the input has 3 values, but the first layer expects 2 (layer_sizes[0])"),
    ("[3]", "layer_sizes needs at least two entries"),
    ("[]", "type annotations needed"),  # rustc's words: an empty list has no element type
]


@pytest.fixture(scope="module")
def session(committed):
    """Notebook 01's cells up to `print_gradients`, each bad edit with the cell after it, then
    the original cells again, all in one kernel."""
    sources = [c.source for c in committed(SEED_NOTEBOOK).cells if c.cell_type == "code"]
    sizes_cell = next(i for i, s in enumerate(sources) if s.startswith("let layer_sizes"))
    setup, sizes, run = sources[:sizes_cell + 2], sources[sizes_cell], sources[sizes_cell + 2]
    assert SEED_SIZES in sizes and run.startswith("let without = print_gradients(&mut model_without_shortcut")
    cells = list(setup)
    for bad, _ in BAD_EDITS:
        cells += [sizes.replace(SEED_SIZES, bad), run]
    cells += [sizes, run]
    nb = notebooks.execute(notebooks.new_notebook([("code", s) for s in cells]), allow_errors=True)
    return [text(c) for c in nb.cells[len(setup):]]


@pytest.mark.parametrize("index", range(len(BAD_EDITS)), ids=[bad for bad, _ in BAD_EDITS])
def test_a_bad_edit_shows_a_message(session, index):
    edited, after = session[2 * index], session[2 * index + 1]
    message = BAD_EDITS[index][1]
    assert message in edited + after
    assert "panicked" not in edited + after


def test_the_original_cells_then_give_the_seeds_lines(session):
    _, lines = reference({"layer_sizes": [3, 3, 3, 3, 3, 1], "shortcut": False})
    assert session[-1] == lines
