"""What a notebook run anywhere must show, checked the same here (tests/test_notebooks.py) and
through a hub (tests/test_hub.py): its committed outputs current, and notebook 01 printing
PyTorch's lines."""

import re

from outputs import (bars, cell_containing, chart_differences, explorer_grids, grid_differences, svgs, text,
                     text_differences)
from pytorch import reference, references

SEED = [3, 3, 3, 3, 3, 1]


# A progress line's times ("about 3 s", "0.4 s") are the machine's, not the notebook's.
PROGRESS_TIME = re.compile(r"(?m)^(gradflow: .*?)\b\d+(?:\.\d+)? s\b")


def timeless(shown):
    """A cell's text with the times of its progress lines taken out."""
    while True:
        shorter = PROGRESS_TIME.sub(r"\1… s", shown)
        if shorter == shown:
            return shown
        shown = shorter


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def check_outputs_current(fresh_nb, saved_nb):
    """A notebook run afresh (here, or through a hub: tests/test_hub.py) shows what is committed."""
    fresh, saved = code_cells(fresh_nb), code_cells(saved_nb)
    assert [c.source for c in fresh] == [c.source for c in saved]
    explorers = [sum(len(explorer_grids(c)) for c in cells) for cells in (fresh, saved)]
    assert explorers[0] == explorers[1] <= 1, "a notebook shows the explorer it committed, once at most"
    for new, old in zip(fresh, saved):
        assert not text_differences(timeless(text(new)), timeless(text(old))), \
            f"stale output; run `make notebooks` ({new.source!r})"
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
