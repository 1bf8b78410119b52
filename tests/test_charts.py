"""Every chart the notebooks show, as a person reads it in Chromium: no label lies over another
label or over a bar (a legend over the data, value labels run together). How large their text is
on screen is measured where they are shown: tests/test_jupyterlab.py and tests/test_html.py."""

import nbformat
import pytest

from conftest import NOTEBOOK_PATHS
from outputs import WITH_SHORTCUT, WITHOUT_SHORTCUT, svgs

# Pixels two boxes may share before they count as overlapping: glyph boxes include some blank
# space, and a value label's box reaches a little below its baseline, onto its own bar.
TEXT_SLACK = 1
BAR_SLACK = (2, 6)

# Returns what overlaps in the page's <svg> that `selector` finds, in words.
COLLISIONS = """
const [selector, slack, barSlack, colours] = arguments;
const svg = document.querySelector(selector);
const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
  .map(t => [t.textContent.trim(), t.getBoundingClientRect()]);
const bars = [...svg.querySelectorAll('rect')]
  .filter(r => colours.includes((r.getAttribute('fill') || '').toUpperCase()))
  .map(r => r.getBoundingClientRect());
const wide = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left);
const tall = (a, b) => Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
const found = [];
texts.forEach(([t, a], i) => {
  for (const [u, b] of texts.slice(i + 1)) {
    if (wide(a, b) > slack && tall(a, b) > slack) found.push(`"${t}" over "${u}"`);
  }
  for (const b of bars) {
    if (wide(a, b) > barSlack[0] && tall(a, b) > barSlack[1])
      found.push(`"${t}" over the bar at (${Math.round(b.left)}, ${Math.round(b.top)})`);
  }
});
return found;
"""


def collisions_on_page(browser, selector="svg"):
    """What overlaps in the chart that `selector` finds on the browser's page."""
    return browser.execute_script(COLLISIONS, selector, TEXT_SLACK, BAR_SLACK, [WITHOUT_SHORTCUT, WITH_SHORTCUT])


def collisions(browser, svg, tmp_path):
    """What overlaps in `svg` drawn at its own size in Chromium."""
    page = tmp_path / "chart.html"
    page.write_text(f"<!doctype html><html><body style='margin: 0'>{svg}</body></html>", encoding="utf-8")
    browser.get(page.as_uri())
    return collisions_on_page(browser)


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
