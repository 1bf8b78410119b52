"""The exported HTML pages and slide decks render their charts in a real browser (Debian's headless Chromium),
with no network. Screenshots go to target/screenshots/ for a person to look at."""

import base64
import re

import pytest
from selenium.webdriver.support.ui import WebDriverWait

import notebooks
from conftest import NOTEBOOK_PATHS, SCREENSHOTS
from outputs import LEGIBLE_PX, is_explorer, live_charts, smallest_font, svgs

SVG_IMAGES = '.jp-OutputArea-output img[src^="data:image/svg+xml"]'


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


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_slide_deck_works_offline_and_every_chart_fits_its_slide(browser, committed, path, tmp_path):
    deck, charts = export_offline(notebooks.export_slides, path, tmp_path, committed)

    browser.get(deck.as_uri())
    WebDriverWait(browser, 20).until(lambda b: b.execute_script("return document.querySelector('.reveal.ready') !== null"))
    images = SVG_IMAGES.replace(".jp-OutputArea-output ", "")
    decoded = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].filter(img => !img.closest('[data-still]'))"
        ".map(img => img.complete && img.naturalWidth);", images)
    assert decoded == [1280] * charts >= [1280] * 3, decoded

    # Each chart's slide at 1280 x 720, as on a projector: the whole chart on screen, no code.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slides = chart_slides(committed(path))
    assert len(slides) == charts
    for number, (h, v) in enumerate(slides):
        show_slide(browser, deck, h, v)
        rect = WebDriverWait(browser, 20).until(lambda b: b.execute_script(
            "const img = document.querySelector('section.present:not(.stack) ' + arguments[0]);"
            "if (img === null || !img.complete) return null;"
            "const r = img.getBoundingClientRect();"
            "return [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight,"
            "        document.querySelectorAll('section.present:not(.stack) .jp-InputArea').length, img.src];", images))
        left, top, right, bottom, width, height, inputs, src = rect
        assert (width, height) == (1280, 720)
        assert left >= 0 and top >= 0 and right <= width and bottom <= height, f"slide {h}/{v} cuts its chart: {rect[:6]}"
        shown = smallest_font(base64.b64decode(src.split(",", 1)[1]).decode("utf-8")) * (right - left) / 1280
        assert shown >= LEGIBLE_PX, f"slide {h}/{v}: the chart's smallest text is {shown:.1f} px on the projector"
        assert inputs == 0, f"slide {h}/{v} shows code"
        browser.save_screenshot(str(SCREENSHOTS / f"{path.stem}-slide-{number}.png"))

    # The explorer's slide: it works, and its chart is wholly on screen.
    (h, v), = chart_slides(committed(path), explorers=True)
    show_slide(browser, deck, h, v)
    rect = WebDriverWait(browser, 20).until(lambda b: b.execute_script(
        "const svg = document.querySelector('section.present:not(.stack) [data-gradflow-explorer][data-ready] [data-chart] svg');"
        "if (svg === null) return null; const r = svg.getBoundingClientRect();"
        "return [r.left, r.top, r.right, r.bottom];"))
    left, top, right, bottom = rect
    assert left >= 0 and top >= 0 and right <= 1280 and bottom <= 720 and right - left >= 800, f"explorer slide: {rect}"
    browser.save_screenshot(str(SCREENSHOTS / f"{path.stem}-slide-explorer.png"))


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
