"""The explorer in a real browser (headless Chromium, no network): the page that `gradflow
explore` writes prints PyTorch's lines, computed on this machine, for every setting of its grid,
draws a bar per layer and variant, and redraws on `input` and `change` events; the notebooks'
exported pages carry it too, and without scripts a still chart and a line stand in."""

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from selenium.webdriver.support.ui import WebDriverWait

import notebooks
from conftest import EXPLORER_NOTEBOOKS, ROOT, SCREENSHOTS
from outputs import SVG, WITH_SHORTCUT, WITHOUT_SHORTCUT
from pages import SHOW, collisions_on_page
from pytorch import default_input, references

ACTIVATIONS = ["relu", "gelu", "tanh", "sigmoid"]
WIDTHS = [1, 2, 3, 4, 8, 16, 32, 64]
DEPTHS = range(1, 33)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The explorer's page, written by the command line from this checkout."""
    path = tmp_path_factory.mktemp("explorer") / "explorer.html"
    subprocess.run(["cargo", "run", "-q", "--release", "--bin", "gradflow", "--", "explore", "--html", str(path)],
                   cwd=ROOT, check=True, capture_output=True)
    html = path.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="https?://', html), "it must not need the network"
    return path


def drawn(lines):
    """Bars a variant draws: one per layer whose mean is positive (a log axis has no zero)."""
    return sum(float(line.rsplit(" ", 1)[1]) > 0 for line in lines.splitlines())


def test_every_setting_prints_pytorchs_lines_and_draws_its_bars(browser, page):
    settings = [(d, w, a, s) for a in ACTIVATIONS for w in WIDTHS for d in DEPTHS for s in (False, True)]
    expected = references([{"layer_sizes": [w] * d + [1], "shortcut": s, "activation": a, "input": default_input(w)}
                           for d, w, a, s in settings])
    browser.get(page.as_uri())
    shown = browser.execute_script(
        "const show = new Function(arguments[0]);"
        "return arguments[1].map(s => show(...s));", SHOW, [list(s) for s in settings])
    for (depth, width, activation, shortcut), (_, lines), page_shows in zip(settings, expected, shown):
        setting = f"depth {depth}, width {width}, {activation}, shortcut {shortcut}"
        assert page_shows["lines"] + "\n" == lines, setting
        assert f"depth {depth}, width {width}" in page_shows["title"], setting
    # Bars: the pair of a setting is drawn whichever variant is chosen.
    for (depth, width, activation, shortcut), page_shows in zip(settings, shown):
        pair = [lines for (d, w, a, s), (_, lines) in zip(settings, expected)
                if (d, w, a) == (depth, width, activation)]
        assert (page_shows["without"], page_shows["with"]) == (drawn(pair[0]), drawn(pair[1]))


def test_the_bar_count_follows_the_depth_and_nothing_overlaps(browser, page):
    browser.get(page.as_uri())
    for depth in (1, 5, 8, 12, 17, 32):
        for width in (1, 64):
            shows = browser.execute_script(SHOW, depth, width, "tanh", True, None)
            assert shows["without"] == shows["with"] == depth
            assert collisions_on_page(browser, "[data-chart] svg") == [], f"depth {depth}, width {width}"
    browser.save_screenshot(str(SCREENSHOTS / "explorer-page.png"))


def test_without_scripts_a_still_chart_and_a_line_stand_in(browser, page):
    html = page.read_text(encoding="utf-8")
    still = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    static = page.with_name("no-scripts.html")
    static.write_text(still, encoding="utf-8")
    browser.get(static.as_uri())
    shown = browser.execute_script(
        "const img = document.querySelector('[data-still] img');"
        "return [img.complete && img.naturalWidth, document.querySelector('[data-still]').innerText,"
        "        getComputedStyle(document.querySelector('[data-live]')).display];")
    assert shown[0] == 1280
    assert "Run this cell (or trust the notebook)" in shown[1]
    assert shown[2] == "none", "the controls, which could not work, stay hidden"


@pytest.mark.parametrize("path", EXPLORER_NOTEBOOKS, ids=lambda p: p.name)
def test_the_exported_notebook_carries_a_working_explorer(browser, path, tmp_path):
    page = notebooks.export_html(path, tmp_path)
    browser.get(page.as_uri())
    WebDriverWait(browser, 20).until(lambda b: b.execute_script(
        "return document.querySelector('[data-gradflow-explorer][data-ready]') !== null"))
    shows = browser.execute_script(SHOW, 12, 8, "sigmoid", False, None)
    assert shows["lines"].splitlines()[11].startswith("layers.11.0.weight has gradient mean of ")
    assert shows["without"] + shows["with"] > 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script("document.querySelector('[data-gradflow-explorer]').scrollIntoView();")
    browser.save_screenshot(str(SCREENSHOTS / f"{path.stem}-explorer.png"))


def test_an_explorer_stripped_of_its_scripts_does_not_stop_another(browser, page):
    """As in JupyterLab with an untrusted notebook's explorer open beside a live one."""
    html = page.read_text(encoding="utf-8")
    explorer = html[html.index("<div data-gradflow-explorer"):html.rindex("</div>") + len("</div>")]
    stripped = re.sub(r"<script\b.*?</script>", "", explorer, flags=re.S)
    both = page.with_name("both.html")
    both.write_text(html.replace(explorer, stripped + explorer), encoding="utf-8")
    browser.get(both.as_uri())
    ready = browser.execute_script(
        "return [...document.querySelectorAll('[data-gradflow-explorer]')].map(r => r.dataset.ready === 'true');")
    assert ready == [False, True]


# Texts of a chart: its y axis's decades, its layer labels and its value labels.
TICK = re.compile(r"^1e-?\d+$")
LAYER = re.compile(r"^(layers\.)?\d+$")
VALUE = re.compile(r"^(0|NaN|inf|-?\d+(\.\d+)?(e-?\d+)?)$")

# What the page's live chart draws, as plain shapes: its rects and its texts with their places.
DRAWN = """
const svg = document.querySelector('[data-chart] svg');
return {rects: [...svg.querySelectorAll('rect')].map(r => [r.getAttribute('fill'),
          ...['x', 'y', 'width', 'height'].map(k => Number(r.getAttribute(k)))]),
        texts: [...svg.querySelectorAll('text')].map(t => [t.textContent.trim(),
          Number(t.getAttribute('x')), Number(t.getAttribute('y'))])};
"""


def shown(rects, texts):
    """What a bar chart shows, by where it shows it: the colours of its bars from left to right,
    the decades on its y axis from top to bottom, its layer labels and its value labels from
    left to right."""
    colours = (WITHOUT_SHORTCUT, WITH_SHORTCUT)
    coloured = [r for r in rects if r[0].upper() in colours]
    floor = max(y + h for _, _, y, _, h in coloured)
    bars = sorted((x, fill.upper()) for fill, x, y, _, h in coloured if abs(y + h - floor) < 1)
    left = min(x for x, _ in bars)
    below = sorted((x, t) for t, x, y in texts if y > floor and LAYER.match(t))
    above = sorted((x, t) for t, x, y in texts if y < floor and x >= left and VALUE.match(t))
    return {"bars": [fill for _, fill in bars],
            "ticks": [t for _, t in sorted((y, t) for t, x, y in texts if x < left and TICK.match(t))],
            "layers": [t for _, t in below],
            "values": [t for _, t in above]}


def svg_shapes(svg):
    root = ET.fromstring(svg)
    number = lambda value: float(value or 0)
    rects = [(r.get("fill") or "", *(number(r.get(k)) for k in ("x", "y", "width", "height")))
             for r in root.iter(SVG + "rect")]
    texts = [("".join(t.itertext()).strip(), number(t.get("x")), number(t.get("y"))) for t in root.iter(SVG + "text")]
    return rects, texts


# Settings whose charts differ in what they show: value labels or none, named or numbered
# layers, bars missing where a gradient is zero, axes of few and of many decades.
BOTH_WAYS = [(1, 3, "relu"), (5, 3, "relu"), (5, 3, "gelu"), (3, 1, "sigmoid"), (8, 16, "tanh"),
             (12, 64, "relu"), (17, 2, "gelu"), (32, 8, "sigmoid")]


@pytest.mark.parametrize("depth, width, activation", BOTH_WAYS, ids=lambda v: str(v))
def test_the_page_shows_what_the_svg_chart_of_the_same_reports_shows(browser, page, depth, width,
                                                                     activation, tmp_path):
    svg = tmp_path / "compare.svg"
    sizes = ",".join(map(str, [width] * depth + [1]))
    subprocess.run(["cargo", "run", "-q", "--release", "--bin", "gradflow", "--", "compare", "--layer-sizes", sizes,
                    "--activation", activation, "--svg", str(svg)], cwd=ROOT, check=True, capture_output=True)
    expected = shown(*svg_shapes(svg.read_text(encoding="utf-8")))
    browser.get(page.as_uri())
    browser.execute_script(SHOW, depth, width, activation, True, None)
    drawn = browser.execute_script(DRAWN)
    on_page = shown(drawn["rects"], drawn["texts"])
    assert on_page == expected, f"depth {depth}, width {width}, {activation}"
    assert expected["bars"] and expected["ticks"] and expected["layers"]


def test_the_script_formats_no_number_and_computes_no_scale():
    """Everything the page shows comes from Rust (chart/grid.rs): the script has no call that
    writes a number as text or places a value on an axis."""
    script = (ROOT / "crates/gradflow-engine/src/chart/explorer.js").read_text(encoding="utf-8")
    code = re.sub(r"//.*", "", script)
    found = re.findall(r"toFixed|toExponential|toPrecision|toLocaleString|Math\.\w+|Float32Array|atob|"
                       r"padStart|\.toString\(|String\(", code)
    assert found == [], f"explorer.js computes what Rust should decide: {found}"
