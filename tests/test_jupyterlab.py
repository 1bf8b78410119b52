"""The notebooks as a person sees them: the real JupyterLab in headless Chromium, at 1280 px (a
common projector) with the file browser open, and at 1920 px. Opened as committed (a clone is
untrusted), run from clean, edited and re-run, and given a bad edit. Screenshots go to
target/screenshots/ for a person to look at; Run All times are printed, not asserted."""

import base64

import nbformat
import pytest

from conftest import EXPLORER_NOTEBOOKS, NOTEBOOK_PATHS, SEED_NOTEBOOK, set_viewport
from jupyter_ui import Notebook
from outputs import LEGIBLE_PX, bars, live_charts, smallest_font, svgs
from pytorch import reference
from pages import SHOW

SEED_SIZES = "[3, 3, 3, 3, 3, 1]"


def svg_of(chart):
    return base64.b64decode(chart["src"].split(",", 1)[1]).decode("utf-8")


def committed_charts(path):
    """Charts an untrusted notebook shows: every one committed, the explorers' stills too."""
    return sum(len(svgs(cell)) for cell in nbformat.read(path, as_version=4).cells)


def live_charts_of(path):
    """Charts shown once the session ran the notebook: the explorers are live instead."""
    return live_charts(nbformat.read(path, as_version=4))


def assert_shown_and_fitting(charts, expected):
    assert len(charts) == expected
    for chart in charts:
        assert chart["loaded"], "the chart's image is decoded"
        assert chart["width"] <= chart["area_width"] + 1 and chart["right"] <= chart["area_right"] + 1, chart
        assert chart["right"] <= chart["window"], chart
        shown = smallest_font(svg_of(chart)) * chart["width"] / 1280
        assert shown >= LEGIBLE_PX, f"{chart['width']:.0f} px wide: its smallest text is {shown:.1f} px on screen"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_committed_charts_are_visible_in_the_untrusted_notebook(browser, lab, path):
    with Notebook(browser, lab, path.name) as notebook:
        assert notebook.trusted_cells() == 0, "a notebook from a clone is untrusted"
        assert_shown_and_fitting(notebook.charts(), committed_charts(path))
        notebook.screenshot_first_chart("committed")


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_run_all_from_clean_shows_every_chart_within_the_column(browser, lab, path):
    with Notebook(browser, lab, path.name) as notebook:
        notebook.command("notebook:clear-all-cell-outputs")
        assert notebook.charts() == []
        seconds = notebook.command("notebook:run-all-cells")
        print(f"{path.name}: Run All from clean took {seconds:.1f} s in JupyterLab")
        assert_shown_and_fitting(notebook.charts(), live_charts_of(path))
        notebook.screenshot_first_chart("run-all-1280")
        # The explorer's output runs its script once the session made it, and responds.
        if path in EXPLORER_NOTEBOOKS:
            shows = notebook.run("const show = new Function(arguments[0]); return show(9, 4, 'gelu', true,"
                                 " '.jp-OutputArea-output [data-gradflow-explorer][data-ready]');", SHOW)
            assert len(shows["lines"].splitlines()) == 9 and shows["with"] > 0
            notebook.run("document.querySelector('[data-gradflow-explorer]').scrollIntoView();")
            notebook.screenshot("explorer")
        set_viewport(browser, 1920, 1080)
        assert_shown_and_fitting(notebook.charts(), live_charts_of(path))
        notebook.screenshot_first_chart("run-all-1920")


def test_editing_the_layer_sizes_changes_the_charts(browser, lab):
    with Notebook(browser, lab, SEED_NOTEBOOK.name) as notebook:
        notebook.command("notebook:run-all-cells")
        before = [svg_of(chart) for chart in notebook.charts()]
        notebook.edit("let layer_sizes", SEED_SIZES, "[3, 3, 3, 3, 3, 3, 3, 3, 1]")
        seconds = notebook.command("notebook:run-all-below")
        print(f"layer sizes edited: Run All Below took {seconds:.1f} s in JupyterLab")
        after = [svg_of(chart) for chart in notebook.charts()]
        assert len(after) == len(before) and all(a != b for a, b in zip(after, before))
        assert bars(after[0]) == (8 + 1, 0), "the chart without shortcut has a bar per layer of the deeper network"
        _, lines = reference({"layer_sizes": [3] * 8 + [1], "shortcut": False})
        assert notebook.output_text("a sign of vanishing gradients").strip() == lines.strip()
        notebook.screenshot_first_chart("edited")


def test_a_bad_edit_shows_the_message_and_the_original_comes_back(browser, lab):
    with Notebook(browser, lab, SEED_NOTEBOOK.name) as notebook:
        notebook.command("notebook:run-all-cells")
        notebook.edit("let layer_sizes", SEED_SIZES, "[3, 0, 1]")
        notebook.command("notebook:run-cell")
        message = notebook.output_text("let layer_sizes")
        assert "layer_sizes[1] is 0; every size must be a positive number of neurons" in message
        assert "panicked" not in message
        notebook.screenshot("bad-edit")
        notebook.edit("let layer_sizes", "[3, 0, 1]", SEED_SIZES)
        notebook.command("notebook:run-all-below")
        _, lines = reference({"layer_sizes": [3, 3, 3, 3, 3, 1], "shortcut": False})
        assert notebook.output_text("a sign of vanishing gradients").strip() == lines.strip()
