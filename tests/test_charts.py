"""Every chart the notebooks show, as a person reads it in Chromium: no label lies over another
label or over a bar (a legend over the data, value labels run together). How large their text is
on screen is measured where they are shown: tests/test_jupyterlab.py and tests/test_html.py."""

import nbformat
import pytest

from conftest import NOTEBOOK_PATHS
from outputs import svgs
from pages import collisions


def charts(path):
    return [svg for cell in nbformat.read(path, as_version=4).cells for svg in svgs(cell)]


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_no_label_hides_another_or_a_bar(browser, path, tmp_path):
    shown = charts(path)
    assert shown
    for number, svg in enumerate(shown):
        assert collisions(browser, svg, tmp_path) == [], f"chart {number} of {path.name}"


def test_the_check_sees_a_legend_over_the_bars_and_labels_run_together(browser, tmp_path):
    """The same check on a chart drawn the old way: a legend inside the plot, over a bar, and
    two value labels wider than their bars."""
    legend = ('<rect x="100" y="100" width="40" height="300" fill="#0072B2"/>'
              '<text x="90" y="120" font-size="20">with shortcut</text>')
    labels = ('<text x="300" y="80" font-size="20">6.88e-4</text>'
              '<text x="340" y="80" font-size="20">0.0914</text>')
    for drawn in (legend, labels):
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">{drawn}</svg>'
        assert collisions(browser, svg, tmp_path), drawn
