"""What a page shows in Chromium, for the tests that look at charts and the explorer: which texts
and bars overlap, whether a chart is whole on its slide and legible, and the explorer's controls
set as a person sets them."""

from outputs import LEGIBLE_PX, WITH_SHORTCUT, WITHOUT_SHORTCUT

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


# Sets each control of the explorer (the first on the page, or the one `selector` finds), fires
# the events a person's input fires, and reads what the page then shows.
SHOW = """
const [depth, width, activation, shortcut, selector] = arguments;
const root = document.querySelector(selector || '[data-gradflow-explorer]');
const form = root.querySelector('form[data-controls]');
form.elements.depth.value = String(depth);
form.elements.width.value = String(width);
form.elements.activation.value = activation;
form.elements.shortcut.checked = shortcut;
for (const name of ['depth', 'width', 'activation', 'shortcut']) {
  form.elements[name].dispatchEvent(new Event('input', {bubbles: true}));
  form.elements[name].dispatchEvent(new Event('change', {bubbles: true}));
}
return {lines: root.querySelector('[data-lines]').textContent,
        without: root.querySelectorAll('[data-chart] rect[data-variant=without]').length,
        with: root.querySelectorAll('[data-chart] rect[data-variant=with]').length,
        title: root.querySelector('[data-chart] text').textContent};
"""


def assert_inside(box, shown, what):
    """`box` wholly inside the window and inside the slide's section and reveal.js's canvas, whose
    boxes `shown` holds (as "window", "section" and "canvas")."""
    left, top, right, bottom = box
    width, height = shown["window"]
    assert left >= 0 and top >= 0 and right <= width and bottom <= height, f"{what}: cut by the window: {box}"
    for name in ("section", "canvas"):
        outer = shown[name]
        assert outer[0] - 0.5 <= left and outer[1] - 0.5 <= top and right <= outer[2] + 0.5 \
            and bottom <= outer[3] + 0.5, f"{what}: the chart {box} leaves its {name} {outer}"


def assert_legible(font, box, what):
    """The chart's smallest text on screen, its SVG drawn 1280 px wide and shown in `box`."""
    shown = font * (box[2] - box[0]) / 1280
    assert shown >= LEGIBLE_PX, f"{what}: the chart's smallest text is {shown:.1f} px on the screen"
    return shown
