"""A live slideshow (RISE) in the real JupyterLab, in headless Chromium at 1280 x 720: notebook 01,
run in JupyterLab as a lecturer prepares it, opened with RISE's own command as a reveal.js
slideshow in a tab of its own; then, on the slides, the layer sizes edited and run, the chart
cell run, and the explorer used; and notebook 03's loss surface and spectrum run on their
slides. The notebooks are copies in the lab fixture's folder.
Screenshots go to target/screenshots/; times are printed, not asserted."""

import base64
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT, SCREENSHOTS, SEED_NOTEBOOK, set_viewport
from jupyter_ui import RUN_ALL_S, Notebook
from outputs import bars, smallest_font
from pages import assert_inside, assert_legible

DEEPER_SIZES = "[3, 3, 3, 3, 3, 3, 3, 3, 1]"
LANDSCAPE_NOTEBOOK = ROOT / "notebooks" / "03-landscape.ipynb"
# Notebook 03's charts of the trained networks' surface and of their Hessian's spectrum.
LANDSCAPE_CHARTS = ["chart::landscape(&trained)?", "chart::spectrum(&hessian::at_step(&curvature, 300))?"]
# A cell on the slides: its source, its prompt ("[7]:"), its chart's box and the slide's.
FIND_CELL = """
const cell = [...document.querySelectorAll('.jp-CodeCell')].find(c =>
  [...c.querySelectorAll('.cm-line')].map(l => l.textContent).join('\\n').includes(arguments[0]));
"""
CELL = FIND_CELL + """
const img = [...cell.querySelectorAll('.jp-OutputArea-output img')].find(i => i.src.startsWith('data:image/svg+xml'));
const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
return {source: [...cell.querySelectorAll('.cm-line')].map(l => l.textContent).join('\\n'),
        prompt: cell.querySelector('.jp-InputPrompt').textContent.trim(),
        active: cell.classList.contains('jp-mod-active'),
        shown: cell.closest('section').classList.contains('present'),
        slide: cell.closest('section').id,
        settled: [cell.closest('section'), cell.closest('section').parentElement].every(e => e.getAnimations().length === 0),
        chart: img && img.complete && img.naturalWidth > 0 ? {src: img.src, box: box(img)} : null,
        section: box(cell.closest('section')), canvas: box(document.querySelector('.reveal .slides')),
        window: [window.innerWidth, window.innerHeight]};
"""


def test_a_rise_slideshow_runs_edited_cells_and_the_explorer_on_its_slides(browser, lab):
    with Notebook(browser, lab, SEED_NOTEBOOK.name) as notebook:
        seconds = notebook.command("notebook:run-all-cells")
        print(f"before the lecture: Run All took {seconds:.1f} s in JupyterLab")
        lab_tab = browser.current_window_handle
        # The slideshow starts at the layer sizes' slide: RISE opens on the active cell's.
        notebook.select("let layer_sizes")
        started = time.monotonic()
        notebook.command("RISE:slideshow")
        browser.switch_to.window(next(h for h in browser.window_handles if h != lab_tab))
        try:
            # The page's size is set per tab: this one's as the lab's, a 1280 x 720 projector.
            set_viewport(browser, 1280, 720)
            show = Slideshow(browser)
            print(f"RISE showed its first slide {time.monotonic() - started:.1f} s after the command")
            present(show, started)
        finally:
            browser.close()
            browser.switch_to.window(lab_tab)


def test_notebook_03s_surface_and_spectrum_run_on_their_slides(browser, lab):
    with Notebook(browser, lab, LANDSCAPE_NOTEBOOK.name) as notebook:
        notebook.command("notebook:run-all-cells")
        lab_tab = browser.current_window_handle
        notebook.select(LANDSCAPE_CHARTS[0])
        notebook.command("RISE:slideshow")
        browser.switch_to.window(next(h for h in browser.window_handles if h != lab_tab))
        try:
            set_viewport(browser, 1280, 720)
            show = Slideshow(browser, LANDSCAPE_NOTEBOOK)
            for number, snippet in enumerate(LANDSCAPE_CHARTS):
                show.go_to(snippet)
                show.run(snippet)
                cell = show.cell(snippet)
                assert cell["chart"], f"{snippet} shows its chart on its slide"
                svg = base64.b64decode(cell["chart"]["src"].split(",", 1)[1]).decode("utf-8")
                text = assert_fits(cell["chart"]["box"], cell, smallest_font(svg))
                show.screenshot(f"chart-{number}")
                print(f"{snippet} ran on its slide; its smallest text is {text:.1f} px on screen")
        finally:
            browser.close()
            browser.switch_to.window(lab_tab)


def present(show, started):
    """The lecture: every step on its slide, as a lecturer does it with the keyboard and mouse."""
    sizes = show.cell("let layer_sizes")
    assert sizes["shown"], "the slideshow opens on the active cell's slide"
    show.go_to("let layer_sizes")
    show.type_after("let layer_sizes", "let layer_sizes = [", "3, 3, 3, ")
    assert DEEPER_SIZES in show.cell("let layer_sizes")["source"]
    show.run("let layer_sizes")
    show.go_to("a sign of vanishing gradients")
    show.run("a sign of vanishing gradients")
    before = show.cell("without.chart()?")["chart"]
    show.go_to("without.chart()?")
    show.run("without.chart()?")
    chart = show.cell("without.chart()?")
    assert chart["chart"] and chart["chart"]["src"] != (before or {}).get("src"), "the chart is drawn anew"
    svg = base64.b64decode(chart["chart"]["src"].split(",", 1)[1]).decode("utf-8")
    assert bars(svg) == (8 + 1, 0), "a bar per layer of the deeper network, and the legend's swatch"
    text = assert_fits(chart["chart"]["box"], chart, smallest_font(svg))
    show.screenshot("chart")
    print(f"edited, run and charted on the slides {time.monotonic() - started:.1f} s after RISE:slideshow;"
          f" the chart's smallest text is {text:.1f} px on screen")

    show.go_to("ExplorerConfig::default().run()")
    show.run("ExplorerConfig::default().run()")
    before = show.explorer()
    Select(show.browser.find_element(By.CSS_SELECTOR, "section.present [data-gradflow-explorer] select[name=activation]")) \
        .select_by_value("gelu")
    show.browser.find_element(By.CSS_SELECTOR, "section.present [data-gradflow-explorer] input[name=shortcut]").click()
    after = show.explorer()
    assert "(ReLU," in before["title"] and "(GELU," in after["title"], (before["title"], after["title"])
    assert after["lines"] != before["lines"] and len(after["lines"].splitlines()) == 5, "the printed lines follow"
    text = assert_fits(after["box"], after, after["font"])
    show.screenshot("explorer")
    print(f"the explorer answered on its slide; its chart's smallest text is {text:.1f} px on screen")


def assert_fits(box, shown, font):
    """The box wholly in the window, in its slide and on reveal.js's canvas, which holds the whole
    slide; returns the size of its smallest text on screen, which must be legible."""
    assert_inside(box, shown, "the slideshow")
    section, canvas = shown["section"], shown["canvas"]
    assert section[1] >= canvas[1] - 0.5 and section[3] <= canvas[3] + 0.5, f"the slide {section} overflows {canvas}"
    return assert_legible(font, box, "the slideshow")


class Slideshow:
    """RISE's page, driven as a lecturer does: slides by address, cells by the keyboard."""

    def __init__(self, browser, notebook=SEED_NOTEBOOK):
        self.browser, self.notebook = browser, notebook
        WebDriverWait(browser, 120).until(lambda b: b.execute_script(
            "return document.querySelector('body.rise-enabled .reveal.ready section.present') !== null;"))
        assert browser.execute_script("return [window.innerWidth, window.innerHeight];") == [1280, 720]

    def cell(self, snippet):
        return self.browser.execute_script(CELL, snippet)

    def go_to(self, snippet):
        """Shows the slide of the cell containing `snippet`, by its address (#/slide-h-v), and
        waits for the slide's transition to end."""
        self.browser.execute_script("location.hash = '#/' + arguments[0];", self.cell(snippet)["slide"])
        WebDriverWait(self.browser, 20).until(lambda b: (lambda cell: cell["shown"] and cell["settled"])(self.cell(snippet)))

    def editor(self, snippet):
        """The editable text of the cell containing `snippet`."""
        return self.browser.execute_script(FIND_CELL + "return cell.querySelector('.cm-content');", snippet)

    def type_after(self, snippet, before, text):
        """Types `text` into the cell's editor after the first `before`, cursor moved by keys."""
        source = self.cell(snippet)["source"]
        self.editor(snippet).click()
        steps = [Keys.ARROW_RIGHT] * (source.index(before) + len(before))
        # NULL lets go of CONTROL, which would otherwise stay down for the keys after it.
        self.browser.switch_to.active_element.send_keys(Keys.CONTROL + Keys.HOME + Keys.NULL, *steps, text)

    def run(self, snippet):
        """Ctrl-Enter in the cell's editor, which runs it and stays on its slide (Shift-Enter
        would move on to the next cell's); waits for its next prompt number."""
        before = self.cell(snippet)["prompt"]
        self.editor(snippet).click()
        self.browser.switch_to.active_element.send_keys(Keys.CONTROL + Keys.ENTER + Keys.NULL)
        WebDriverWait(self.browser, RUN_ALL_S, poll_frequency=0.2).until(lambda b: (
            lambda cell: cell["prompt"] != before and cell["prompt"][1:-2].isdigit() and cell["shown"])(
                self.cell(snippet)))

    def explorer(self):
        """The explorer on the present slide, once its script has drawn the chart."""
        return WebDriverWait(self.browser, 60).until(lambda b: b.execute_script("""
            const root = document.querySelector('section.present [data-gradflow-explorer][data-ready]');
            const svg = root && root.querySelector('[data-chart] svg');
            if (!svg) return null;
            const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
            return {title: svg.querySelector('text').textContent,
                    lines: root.querySelector('[data-lines]').textContent,
                    font: Math.min(...[...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')))),
                    box: box(svg), section: box(root.closest('section')), canvas: box(document.querySelector('.reveal .slides')),
                    window: [window.innerWidth, window.innerHeight]};"""))

    def screenshot(self, label):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.browser.save_screenshot(str(SCREENSHOTS / f"rise-{self.notebook.stem}-{label}.png"))
