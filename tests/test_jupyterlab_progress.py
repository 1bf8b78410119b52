"""A long computation in the real JupyterLab tells how far it has got while it runs, so that
nobody presses the stop button (which loses every variable) on a cell that is working."""

import time

from selenium.webdriver.support.ui import WebDriverWait

from conftest import EXPLORE_NOTEBOOK
from jupyter_ui import RUN_ALL_S, Notebook

SWEEP_CELL = "let depths = sweep::SweepConfig {"
# Deep enough to take several seconds: 8 networks × 2 variants × 2 widths × 600 layers.
LONG_SWEEP = ("sweep::SweepConfig { activation, seed,",
              "sweep::SweepConfig { depths: vec![100, 200, 300], activation, seed,")


def test_a_long_sweep_shows_its_progress_while_it_runs(browser, lab):
    with Notebook(browser, lab, EXPLORE_NOTEBOOK.name) as notebook:
        index = notebook.edit(SWEEP_CELL, *LONG_SWEEP)
        notebook.command("notebook:run-all-above")
        notebook.select(SWEEP_CELL)
        notebook.run("jupyterapp.commands.execute('notebook:run-cell');")
        # What the cell's output shows while the kernel is still busy with it.
        seen_while_busy = []

        def done(_):
            busy = notebook.run("return jupyterapp.shell.currentWidget.sessionContext.session.kernel.status;") != "idle"
            shown = notebook.output_text(SWEEP_CELL)
            if busy:
                seen_while_busy.append(shown)
            return not busy and "done in" in shown

        started = time.monotonic()
        WebDriverWait(browser, RUN_ALL_S, poll_frequency=0.2).until(done)
        print(f"the long sweep took {time.monotonic() - started:.1f} s in JupyterLab")
        notebook.run("jupyterapp.shell.currentWidget.content.widgets[arguments[0]].node.scrollIntoView();", index)
        notebook.screenshot("progress")
        lines = notebook.output_text(SWEEP_CELL).splitlines()
        told = [line for line in lines if line.startswith("gradflow: ")]
        assert told[0].startswith("gradflow: depth sweep of 96 networks, about "), lines
        assert [line.split()[1] for line in told[1:4]] == ["25%", "50%", "75%"], lines
        assert told[4].startswith("gradflow: done in "), lines
        assert any("gradflow: 25%" in shown and "done in" not in shown for shown in seen_while_busy), (
            "the first quarter was shown while the sweep still ran")
