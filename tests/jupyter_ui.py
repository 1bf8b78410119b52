"""The real JupyterLab as a person drives it, for the UI tests: a notebook opened in a workspace
of its own, its commands awaited by polling, its charts and outputs read from the page."""

import itertools
import time

from selenium.webdriver.support.ui import WebDriverWait

from conftest import SCREENSHOTS, set_viewport

# The first cell compiles the notebook's dependencies when the kernel's build folder is cold.
RUN_ALL_S = 900


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
