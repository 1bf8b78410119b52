"""The exported HTML pages and slide decks render their charts in a real browser (Debian's headless Chromium),
with no network. Screenshots go to target/screenshots/ for a person to look at."""

import base64
import re

import pytest
from selenium.webdriver.support.ui import WebDriverWait

import notebooks
from conftest import EXPLORER_NOTEBOOKS, NOTEBOOK_PATHS, SCREENSHOTS, set_viewport
from outputs import is_explorer, live_charts, smallest_font, svgs
from pages import assert_inside, assert_legible

SVG_IMAGES = '.jp-OutputArea-output img[src^="data:image/svg+xml"]'
# Screens a deck must fit: projectors and monitors; a browser window with its toolbars on a 720p
# projector (1280 x 577); a small window.
SCREENS = [(1280, 720), (1024, 768), (1366, 768), (1920, 1080), (2560, 1440), (1280, 577), (800, 450)]


def export_offline(export, path, out_dir, committed):
    """Exports the notebook, checks the file loads nothing from the network, and returns it
    with the number of charts it should show."""
    exported = export(path, out_dir)
    html = exported.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link)[^>]*(src|href)="https?://', html), "it must not need the network"
    return exported, live_charts(committed(path))


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_exported_page_renders_its_charts(browser, committed, path, tmp_path):
    page, charts = export_offline(notebooks.export_html, path, tmp_path, committed)

    browser.get(page.as_uri())
    # nbconvert embeds each SVG output as an image; naturalWidth > 0 means the browser decoded it.
    sizes = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].filter(img => img.offsetParent !== null).map(img => {"
        "  const r = img.getBoundingClientRect();"
        "  return [img.complete, img.naturalWidth, r.width, r.height, r.right <= window.innerWidth]; });",
        SVG_IMAGES)
    assert len(sizes) == charts >= 3
    assert all(done and natural == 1280 and width > 300 and height > 150 and fits
               for done, natural, width, height, fits in sizes), sizes

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    first = next(img for img in browser.find_elements("css selector", SVG_IMAGES) if img.is_displayed())
    browser.execute_script("arguments[0].scrollIntoView();", first)
    first.screenshot(str(SCREENSHOTS / f"{path.stem}-first-chart.png"))
    browser.save_screenshot(str(SCREENSHOTS / f"{path.stem}.png"))


@pytest.fixture(scope="module")
def decks(committed, tmp_path_factory):
    """Each notebook's deck, exported once for every screen size, with its number of charts."""
    exported = {}

    def deck(path):
        if path not in exported:
            exported[path] = export_offline(notebooks.export_slides, path, tmp_path_factory.mktemp("slides"), committed)
        return exported[path]

    return deck


@pytest.fixture
def screen(browser, request):
    """The browser's page at the test's size; the other tests' 1280 x 720 afterwards."""
    width, height = request.param
    set_viewport(browser, width, height)
    yield width, height
    set_viewport(browser, 1280, 720)


# Every chart slide measured: the chart's box and its slide's, the canvas reveal.js scales,
# what the slide would scroll, the code it shows, and the window.
MEASURE_SLIDE = """
const section = document.querySelector('section.present:not(.stack)');
const chart = section.querySelector(arguments[0]);
if (chart === null || (chart.tagName === 'IMG' && !chart.complete)) return null;
const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
return {chart: box(chart), section: box(section), canvas: box(document.querySelector('.reveal .slides')),
        scrolls: [section.scrollWidth - section.clientWidth, section.scrollHeight - section.clientHeight],
        overflow: getComputedStyle(section).overflowY,
        inputs: section.querySelectorAll('.jp-InputArea').length, window: [innerWidth, innerHeight],
        src: chart.tagName === 'IMG' ? chart.src : chart.outerHTML};
"""


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}", indirect=True)
@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_slide_deck_works_offline_and_every_chart_fits_its_slide(browser, committed, decks, path, screen):
    deck, charts = decks(path)
    width, height = screen

    browser.get(deck.as_uri())
    WebDriverWait(browser, 20).until(lambda b: b.execute_script("return document.querySelector('.reveal.ready') !== null"))
    images = SVG_IMAGES.replace(".jp-OutputArea-output ", "")
    decoded = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].filter(img => !img.closest('[data-still]'))"
        ".map(img => img.complete && img.naturalWidth);", images)
    assert decoded == [1280] * charts >= [1280] * 3, decoded

    # Each chart's slide, as on this screen: the whole chart on it, no scrolling, no code.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slides = chart_slides(committed(path))
    assert len(slides) == charts
    smallest = []
    for number, (h, v) in enumerate(slides):
        show_slide(browser, deck, h, v)
        shown = WebDriverWait(browser, 20).until(lambda b: b.execute_script(MEASURE_SLIDE, images))
        assert shown["window"] == [width, height]
        assert_whole_on_its_slide(shown, f"slide {h}/{v}")
        if width >= 1280:
            svg = base64.b64decode(shown["src"].split(",", 1)[1]).decode("utf-8")
            smallest.append(assert_legible(smallest_font(svg), shown["chart"], f"slide {h}/{v}"))
        assert shown["inputs"] == 0, f"slide {h}/{v} shows code"
        browser.save_screenshot(str(SCREENSHOTS / f"{path.stem}-slide-{number}-{width}x{height}.png"))

    # The explorer's slide: it works, and its chart is whole on it, as wide as the screen allows.
    explorer_slides = chart_slides(committed(path), explorers=True)
    assert len(explorer_slides) == (path in EXPLORER_NOTEBOOKS)
    if not explorer_slides:
        print(f"{path.name} at {width} x {height}: the smallest text is {min(smallest, default=0):.1f} px on screen")
        return
    (h, v), = explorer_slides
    show_slide(browser, deck, h, v)
    shown = WebDriverWait(browser, 20).until(lambda b: b.execute_script(
        MEASURE_SLIDE, "[data-gradflow-explorer][data-ready] [data-chart] svg"))
    assert_whole_on_its_slide(shown, "explorer slide")
    left, _, right, _ = shown["chart"]
    assert right - left >= 800 * min(width / 1280, height / 720), f"explorer slide: {shown['chart']}"
    if width >= 1280:
        explorer = assert_legible(smallest_font(shown["src"]), shown["chart"], "explorer slide")
        print(f"{path.name} at {width} x {height}: the smallest text is {min(smallest):.1f} px on screen"
              f" in the charts, {explorer:.1f} px in the explorer's")
    browser.save_screenshot(str(SCREENSHOTS / f"{path.stem}-slide-explorer-{width}x{height}.png"))


def assert_whole_on_its_slide(shown, slide):
    """The chart inside the window and inside its slide, which neither scrolls nor overflows."""
    assert_inside(shown["chart"], shown, slide)
    assert shown["scrolls"][0] <= 1 and shown["scrolls"][1] <= 1, f"{slide} overflows by {shown['scrolls']} px"
    assert shown["overflow"] != "scroll", f"{slide} shows a scrollbar"


def show_slide(browser, deck, h, v):
    """Opens slide h/v by its address, as a bookmark would."""
    browser.get(f"{deck.as_uri()}#/{h}/{v}")
    browser.refresh()
    # reveal.js writes the first slide of a column as "#/h".
    addresses = [f"#/{h}/{v}"] + ([f"#/{h}"] if v == 0 else [])
    WebDriverWait(browser, 20).until(lambda b: b.execute_script(
        "return document.querySelector('.reveal.ready') !== null && arguments[0].includes(location.hash);", addresses))


def chart_slides(nb, explorers=False):
    """reveal.js's (h, v) of each chart (or each explorer): a slide per heading, a subslide per chart."""
    h, v, slides = -1, 0, []
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if kind == "slide":
            h, v = h + 1, 0
        elif kind == "subslide":
            v += 1
        if cell.cell_type == "code" and svgs(cell) and is_explorer(cell) == explorers:
            slides.append((h, v))
    return slides
