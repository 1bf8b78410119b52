"""The notebooks as a person sees them: the real JupyterLab in headless Chromium, at 1280 px (a
common projector) with the file browser open, and at 1920 px. Opened as committed (a clone is
untrusted), run from clean, edited and re-run, and given a bad edit. Screenshots go to
target/screenshots/ for a person to look at; Run All times are printed, not asserted."""

import base64
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from conftest import NOTEBOOK_PATHS, ROOT, SCREENSHOTS, set_viewport
from outputs import LEGIBLE_PX, bars, live_charts, smallest_font, svgs
from pytorch import reference
from test_explorer import SHOW

SEED_NOTEBOOK = next(p for p in NOTEBOOK_PATHS if p.name == "01-shortcut-connections.ipynb")
SEED_SIZES = "[3, 3, 3, 3, 3, 1]"
# The first cell compiles the notebook's dependencies when the kernel's build folder is cold.
RUN_ALL_S = 900


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on copies of the notebooks, in folders of its own: no settings, workspaces or
    trust from elsewhere. `../crates` from the copies leads to this checkout's crate."""
    home = tmp_path_factory.mktemp("lab")
    (home / "notebooks").mkdir()
    for path in NOTEBOOK_PATHS:
        shutil.copy(path, home / "notebooks" / path.name)
    (home / "crates").symlink_to(ROOT / "crates")
    settings = home / "settings/@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "docmanager-extension").mkdir(parents=True)
    (settings / "apputils-extension").mkdir(parents=True)
    # Every cell laid out, so that each chart can be measured wherever it is in the notebook;
    # no autosave, so that each test opens the notebook as committed.
    (settings / "notebook-extension/tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    (settings / "docmanager-extension/plugin.jupyterlab-settings").write_text('{"autosave": false}')
    # No offer to fetch news from the network over the notebook.
    (settings / "apputils-extension/notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}",
         "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={home}",
         "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={home / 'settings'}",
         f"--LabApp.workspaces_dir={home / 'workspaces'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(home / "server.log", "w"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        assert server.poll() is None, (home / "server.log").read_text()
        try:
            urllib.request.urlopen(url + "/api/status", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        raise AssertionError("JupyterLab did not answer in 2 minutes:\n" + (home / "server.log").read_text())
    yield url
    server.terminate()
    server.wait(30)


class Notebook:
    """A notebook open in JupyterLab, driven through `window.jupyterapp` as its menus would.
    Closing it drops its changes and shuts its kernel down."""

    opened = itertools.count()

    def __init__(self, browser, lab, name):
        self.browser, self.name = browser, name
        set_viewport(browser, 1280, 720)
        # A workspace of its own, so that JupyterLab restores no notebook of an earlier test
        # beside this one: a second kernel would compete for the two cores and the warm build.
        browser.get(f"{lab}/lab/workspaces/test-{next(self.opened)}/tree/notebooks/{name}")
        WebDriverWait(browser, 120).until(lambda b: b.execute_script(
            "const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            "return !!(w && w.context && w.context.isReady && w.sessionContext.session"
            " && w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'"
            " && w.content.widgets.length > 0);"))
        running = self.run("return [...jupyterapp.serviceManager.sessions.running()].map(s => s.path);")
        assert running == [f"notebooks/{name}"], f"one notebook, one kernel: {running}"
        # The file browser stays open beside the notebook, as a person has it.
        self.run("return jupyterapp.commands.execute('filebrowser:activate');")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "for (const w of jupyterapp.shell.widgets('main')) { if (w.context) w.context.model.dirty = false; }"
            "jupyterapp.serviceManager.sessions.shutdownAll()"
            ".then(() => jupyterapp.commands.execute('application:close-all')).then(() => done(true), () => done(false));")
        set_viewport(self.browser, 1280, 720)

    def run(self, script, *args):
        return self.browser.execute_script(script, *args)

    def trusted_cells(self):
        return self.run("return jupyterapp.shell.currentWidget.content.widgets"
                        ".filter(c => c.model.type === 'code' && c.model.trusted).length;")

    def command(self, name):
        """Runs a JupyterLab command and waits until it is done, cells and all. The wait is a
        poll of short calls: one call held open for minutes would outlast WebDriver's own
        2-minute read timeout while a cold kernel compiles."""
        started = time.monotonic()
        self.run("window.gradflowCommand = null;"
                 "jupyterapp.commands.execute(arguments[0])"
                 ".then(() => { window.gradflowCommand = 'done'; }, e => { window.gradflowCommand = String(e); });",
                 name)
        outcome = WebDriverWait(self.browser, RUN_ALL_S, poll_frequency=0.2).until(lambda b: self.run(
            "return window.gradflowCommand"
            " && jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'"
            " && window.gradflowCommand;"))
        assert outcome == "done", f"{name}: {outcome}"
        return time.monotonic() - started

    def select(self, snippet):
        """Makes the one code cell containing `snippet` the active cell; returns its index."""
        return self.run(
            "const nb = jupyterapp.shell.currentWidget.content;"
            "const i = nb.widgets.findIndex(c => c.model.type === 'code' && c.model.sharedModel.getSource().includes(arguments[0]));"
            "nb.activeCellIndex = i; nb.deselectAll(); return i;", snippet)

    def edit(self, snippet, old, new):
        index = self.select(snippet)
        self.run("const cell = jupyterapp.shell.currentWidget.content.widgets[arguments[0]].model.sharedModel;"
                 "cell.setSource(cell.getSource().replace(arguments[1], arguments[2]));", index, old, new)
        return index

    def output_text(self, snippet):
        index = self.select(snippet)
        return self.run("return [...jupyterapp.shell.currentWidget.content.widgets[arguments[0]]"
                        ".outputArea.node.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join('\\n');",
                        index)

    def charts(self):
        """Every chart in the notebook as shown: decoded, its size on screen, its output area's."""
        return self.run(
            "return [...jupyterapp.shell.currentWidget.content.node.querySelectorAll('.jp-OutputArea-output img')]"
            ".filter(img => img.src.startsWith('data:image/svg+xml') && img.offsetParent !== null)"
            ".map(img => { const r = img.getBoundingClientRect();"
            "  const area = img.closest('.jp-OutputArea-output').getBoundingClientRect();"
            "  return {src: img.src, loaded: img.complete && img.naturalWidth > 0, width: r.width, right: r.right,"
            "          area_right: area.right, area_width: area.width, window: window.innerWidth}; });")

    def screenshot(self, label):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.browser.save_screenshot(str(SCREENSHOTS / f"lab-{self.name.removesuffix('.ipynb')}-{label}.png"))

    def screenshot_first_chart(self, label):
        self.run("const img = jupyterapp.shell.currentWidget.content.node.querySelector('.jp-OutputArea-output img');"
                 "img.scrollIntoView({block: 'center'});")
        self.screenshot(label)


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
        assert notebook.output_text("let without = print_gradients").strip() == lines.strip()
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
        assert notebook.output_text("let without = print_gradients").strip() == lines.strip()
