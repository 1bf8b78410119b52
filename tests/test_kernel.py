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


def test_two_hundred_reruns_give_the_same_lines_and_keep_memory_flat(committed):
    """A lecture re-runs the gradient cell again and again: same output, no growing kernel."""
    import psutil

    sources = [c.source for c in committed(SEED_NOTEBOOK).cells if c.cell_type == "code"]
    run = next(s for s in sources if s.startswith("let without = print_gradients"))
    setup = sources[:sources.index(run)]
    nb = notebooks.new_notebook([("code", s) for s in setup + [run]])
    client = notebooks.client(nb)
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells[:-1]):
            client.execute_cell(cell, index)
        kernel = psutil.Process(client.km.provisioner.pid)

        def rerun():
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
            return text(nb.cells[-1])

        def resident_bytes():
            return sum(p.memory_info().rss for p in [kernel, *kernel.children(recursive=True)])

        first = rerun()
        for _ in range(9):
            assert rerun() == first
        before = resident_bytes()
        for _ in range(190):
            assert rerun() == first
        growth = resident_bytes() - before
    _, lines = reference({"layer_sizes": [3, 3, 3, 3, 3, 1], "shortcut": False})
    assert first == lines
    assert growth < 50 * 2**20, f"the kernel grew by {growth / 2**20:.1f} MiB over 190 re-runs"
