"""The exported HTML pages and slide decks render their charts in a real browser (Debian's headless Chromium),
with no network. Screenshots go to target/screenshots/ for a person to look at."""

import re
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

import notebooks
from conftest import NOTEBOOK_PATHS, ROOT

SCREENSHOTS = ROOT / "target" / "screenshots"
SVG_IMAGES = '.jp-OutputArea-output img[src^="data:image/svg+xml"]'


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,720", f"--user-data-dir={tempfile.mkdtemp()}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    yield driver
    driver.quit()


def export_offline(export, path, out_dir, committed):
    """Exports the notebook, checks the file loads nothing from the network, and returns it
    with the number of charts it should show."""
    exported = export(path, out_dir)
    html = exported.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link)[^>]*(src|href)="https?://', html), "it must not need the network"
    charts = sum("image/svg+xml" in o.get("data", {}) for c in committed(path).cells for o in c.get("outputs", []))
    return exported, charts


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_exported_page_renders_its_charts(browser, committed, path, tmp_path):
    page, charts = export_offline(notebooks.export_html, path, tmp_path, committed)

    browser.get(page.as_uri())
    # nbconvert embeds each SVG output as an image; naturalWidth > 0 means the browser decoded it.
    sizes = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(img => {"
        "  const r = img.getBoundingClientRect();"
        "  return [img.complete, img.naturalWidth, r.width, r.height, r.right <= window.innerWidth]; });",
        SVG_IMAGES)
    assert len(sizes) == charts >= 3
    assert all(done and natural == 1280 and width > 300 and height > 150 and fits
               for done, natural, width, height, fits in sizes), sizes

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    first = browser.find_elements("css selector", SVG_IMAGES)[0]
    browser.execute_script("arguments[0].scrollIntoView();", first)
    first.screenshot(str(SCREENSHOTS / f"{path.stem}-first-chart.png"))
    browser.save_screenshot(str(SCREENSHOTS / f"{path.stem}.png"))


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_slide_deck_works_offline(browser, committed, path, tmp_path):
    deck, charts = export_offline(notebooks.export_slides, path, tmp_path, committed)

    browser.get(deck.as_uri())
    WebDriverWait(browser, 20).until(lambda b: b.execute_script("return document.querySelector('.reveal.ready') !== null"))
    decoded = browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(img => img.complete && img.naturalWidth);",
        SVG_IMAGES.replace(".jp-OutputArea-output ", ""))
    assert decoded == [1280] * charts >= [1280] * 3, decoded

    # The first chart's own slide, at 1280 × 720 as on a projector.
    browser.get(deck.as_uri() + "#/" + first_chart_slide(committed(path)))
    browser.refresh()
    WebDriverWait(browser, 20).until(lambda b: b.execute_script(
        "const img = document.querySelector('section.present ' + arguments[0]);"
        "return img !== null && img.getBoundingClientRect().width > 600;", SVG_IMAGES.replace(".jp-OutputArea-output ", "")))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{path.stem}-slide.png"))


def first_chart_slide(nb):
    """reveal.js's address of the first chart: "h/v", a slide per heading, a subslide per chart."""
    h, v = -1, 0
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if kind == "slide":
            h, v = h + 1, 0
        elif kind == "subslide":
            v += 1
            return f"{h}/{v}"
    raise AssertionError("no chart on a slide of its own")
