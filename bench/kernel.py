"""`make bench ARGS=kernel`: the notebooks' kernel, evcxr 0.22.0 as published ("stock") against
evcxr with scripts/evcxr/patches ("patched"), with the Python notebook (bench/seed_notebook.ipynb)
timed in the same run, the three interleaved round by round and each figure the median of the
rounds:
  - a fresh kernel's start, until it answers, split into its steps by the processes it runs
    (sampled every 10 ms): scripts/kernel, evcxr's toolchain queries, rust-analyzer's project
    model (cargo metadata and rustc queries), builds, the engine, and the rest, which is evcxr's
    own work, mostly rust-analyzer's analysis;
  - notebook 01 run cell by cell in that kernel: the `:dep` cell, the first cell after it, the
    later cells to the first chart, and the first chart from the kernel's start, against the
    Python notebook from its kernel's start to its last cell;
  - the first chart cell run again, and the layer-sizes cell edited and run again with the cells
    to its chart (Python: to its printout);
  - the kernel's process tree (evcxr, its cell process, the engine, rustc while it compiles)
    after Run All of each notebook, and its peak;
  - JupyterLab in Chromium, notebook 01 opened and its kernel idle, a few seconds of reading,
    then Run All: the seconds until its first chart shows;
  - with ARGS=evcxr-build only (about 25 minutes on 2 cores): building each evcxr from scratch.
`python bench/kernel.py reruns` (from .venv) times cells run again in one kernel, a `let` with and
without its type, stock and patched.
Nothing here is asserted.
"""

import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import lab  # noqa: E402  (scripts/lab.py)
import notebooks  # noqa: E402

VARIANTS = ("stock", "patched")
ROUNDS = 3
RERUNS = 7
# How long the kernel has been idle after the last cell when its memory is read.
IDLE_S = 1.0
SEED_SIZES = "[3, 3, 3, 3, 3, 1]"
EDITED_SIZES = "[3, 4, 4, 3, 3, 1]"
NOTEBOOK_01 = ROOT / "notebooks/01-shortcut-connections.ipynb"
PYTHON_NOTEBOOK = ROOT / "bench/seed_notebook.ipynb"
# What a student does between the kernel saying it is idle and pressing Run All.
READING_S = 3
CHART = '<img src="data:image/svg+xml'


def code_sources(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def failing_cells(path):
    """The code cells that the notebook shows failing on purpose (an error in its saved outputs)."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    return {i for i, c in enumerate(cells) if any(o.output_type == "error" for o in c.outputs)}


@contextlib.contextmanager
def evcxr(variant):
    """Kernels started within use the `variant` evcxr (scripts/pins.sh reads GRADFLOW_EVCXR)."""
    before = os.environ.get("GRADFLOW_EVCXR")
    os.environ["GRADFLOW_EVCXR"] = variant
    try:
        yield
    finally:
        if before is None:
            del os.environ["GRADFLOW_EVCXR"]
        else:
            os.environ["GRADFLOW_EVCXR"] = before


def ensure_built(variant):
    """Builds the `variant` evcxr if the cache lacks it (about 10 minutes on 2 cores)."""
    with evcxr(variant):
        subprocess.run([str(ROOT / "scripts/evcxr/build")], check=True)


class ProcessTree:
    """A kernel's process tree sampled on a thread every `period` seconds: the resident memory
    of the whole tree (latest and peak) and when each process was first and last seen."""

    def __init__(self, pid, period, started):
        self.root, self.period, self.started = psutil.Process(pid), period, started
        self.peak = self.latest = 0
        self.seen = {}
        # When the root process (scripts/kernel) became evcxr_jupyter, which it execs.
        self.exec_at = None
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            now, total = time.perf_counter() - self.started, 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                processes = []
            for process in processes:
                try:
                    total += process.memory_info().rss
                    key = (process.pid, process.create_time())
                    if key not in self.seen:
                        self.seen[key] = [now, now, " ".join(process.cmdline()), process.ppid()]
                    self.seen[key][1] = now
                    if process is self.root and self.exec_at is None and "evcxr_jupyter" in " ".join(process.cmdline()):
                        self.exec_at = now
                except psutil.Error:
                    pass  # ended between the listing and the reading, as rustc does
            self.latest, self.peak = total, max(self.peak, total)
            time.sleep(self.period)

    def stop(self):
        """The tree's resident memory once the kernel is idle, after the last cell (a sample
        taken while the last cell compiled would count a rustc that has since ended), and its
        peak, in MiB."""
        time.sleep(IDLE_S)
        self.running = False
        self.thread.join()
        return self.latest / 2**20, self.peak / 2**20


class Kernel:
    """A fresh kernel of `name` started in notebooks/, its process tree sampled from its start."""

    def __init__(self, name, period=0.05):
        from jupyter_client.manager import KernelManager

        self.manager = KernelManager(kernel_name=name)
        self.started = time.perf_counter()
        self.manager.start_kernel(cwd=str(notebooks.NOTEBOOKS))
        self.tree = ProcessTree(self.manager.provisioner.pid, period, self.started)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=notebooks.CELL_TIMEOUT_S)
        self.ready = time.perf_counter() - self.started

    def run(self, code, may_fail=False):
        """Runs a cell; returns its seconds and its outputs' data. A cell that fails raises,
        unless it `may_fail`."""
        begun = time.perf_counter()
        msg_id = self.client.execute(code)
        data = []
        while True:
            msg = self.client.get_iopub_msg(timeout=notebooks.CELL_TIMEOUT_S)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] == "idle":
                return time.perf_counter() - begun, data
            if kind == "error" and not may_fail:
                raise RuntimeError(f"{code!r} failed: {content['evalue']}")
            if kind in ("execute_result", "display_data"):
                data.append(content["data"])

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def first_chart(sources):
    return next(i for i, s in enumerate(sources) if "chart" in s and "?" in s and not s.startswith(":dep"))


def edit_loop(kernel, sources, cells):
    """The median seconds of editing the layer sizes and running `cells` again, RERUNS times."""
    seconds = []
    for run in range(RERUNS):
        edit = (SEED_SIZES, EDITED_SIZES) if run % 2 == 0 else (EDITED_SIZES, SEED_SIZES)
        sources[cells[0]] = sources[cells[0]].replace(*edit)
        seconds.append(sum(kernel.run(sources[i])[0] for i in cells))
    return statistics.median(seconds)


def rust_run(path):
    """A fresh gradflow kernel runs the notebook at `path` cell by cell."""
    sources, failing = code_sources(path), failing_cells(path)
    chart = first_chart(sources)
    kernel = Kernel(notebooks.KERNEL_NAME)
    try:
        cells = []
        for index, source in enumerate(sources):
            seconds, data = kernel.run(source, may_fail=index in failing)
            cells.append(seconds)
            if index == chart:
                assert any(CHART in d.get("text/html", "") for d in data), f"cell {index} shows no chart"
                to_chart = time.perf_counter() - kernel.started
        after, peak = kernel.tree.stop()
        result = {"ready": kernel.ready, "cells": cells, "chart": chart, "to_chart": to_chart,
                  "after": after, "peak": peak}
        if path == NOTEBOOK_01:
            result["rerun"] = statistics.median(kernel.run(sources[chart])[0] for _ in range(RERUNS))
            # The seed's cell: a forward and backward pass and a loop over the parameters, each
            # operation a request to the engine. Run again, it prints the gradients doubled.
            printed = next(i for i, s in enumerate(sources) if s.startswith("print_gradients(&model_without_shortcut"))
            result["printed"] = statistics.median(kernel.run(sources[printed])[0] for _ in range(RERUNS))
            sizes = next(i for i, s in enumerate(sources) if s.startswith("let layer_sizes"))
            result["loop"] = edit_loop(kernel, sources, [sizes, printed, chart])
        return result
    finally:
        kernel.close()


def python_run():
    """The Python notebook in a fresh kernel: its start, and from its start to its last cell."""
    sources = code_sources(PYTHON_NOTEBOOK)
    kernel = Kernel("python3")
    try:
        for source in sources:
            kernel.run(source)
        to_last = time.perf_counter() - kernel.started
        kernel.tree.stop()
        sizes = next(i for i, s in enumerate(sources) if s.startswith("layer_sizes"))
        printed = next(i for i, s in enumerate(sources) if s.startswith("print_gradients(model_without"))
        return {"ready": kernel.ready, "to_last": to_last, "loop": edit_loop(kernel, sources, [sizes, printed])}
    finally:
        kernel.close()


# What each process a starting kernel runs is for, by its command line; a process that a build
# runs (rustc, the linker) is the build's.
STEPS = [
    ("builds (cargo build)", re.compile(r"cargo (build|check) ")),
    ("evcxr's toolchain queries (rustup, rustc)", re.compile(r"rustup|rustc (-Vv|--print target-libdir)$")),
    ("rust-analyzer's project model (cargo metadata, rustc queries)",
     re.compile(r"cargo (metadata|locate-project|-Z|rustc|--version)|rustc (-vV|--print|-Z|-O|- )")),
    ("the engine starting (gradflow serve)", re.compile(r"gradflow serve")),
]


def covered(spans):
    """Seconds covered by the union of (start, end) spans."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def start_steps():
    """A fresh gradflow kernel's start split into its steps by the processes it runs: seconds of
    each step, and the number of builds."""
    kernel = Kernel(notebooks.KERNEL_NAME, period=0.01)
    kernel.tree.stop()
    kernel.close()
    ready, tree = kernel.ready, kernel.tree
    by_pid = {pid: (first, min(last, ready), cmd, ppid) for (pid, _), (first, last, cmd, ppid) in tree.seen.items()
              if first <= ready}

    def step(pid):
        """The step of the process `pid`: its own, or that of the build that runs it."""
        chain = []
        while pid in by_pid:
            chain.append(by_pid[pid][2])
            pid = by_pid[pid][3]
        if any(STEPS[0][1].search(cmd) for cmd in chain):
            return STEPS[0][0]
        return next((name for name, pattern in STEPS if pattern.search(chain[0])), None)

    steps = {"scripts/kernel, before evcxr": tree.exec_at}
    claimed = []
    for name, _ in STEPS:
        spans = [(first, last) for pid, (first, last, _, _) in by_pid.items() if step(pid) == name]
        steps[name] = covered(spans)
        claimed += spans
    steps["evcxr itself (mostly rust-analyzer's analysis)"] = ready - tree.exec_at - covered(claimed)
    builds = sum(1 for _, _, cmd, _ in by_pid.values() if STEPS[0][1].search(cmd))
    return steps, builds


# Runs a JupyterLab command and resolves with the milliseconds until the first chart shows.
RUN_ALL_TO_FIRST_CHART = """
const done = arguments[arguments.length - 1];
const panel = jupyterapp.shell.currentWidget;
const shown = () => [...panel.content.node.querySelectorAll('.jp-OutputArea-output img')]
  .some(img => img.src.startsWith('data:image/svg+xml'));
const begun = performance.now();
const observer = new MutationObserver(() => {
  if (shown()) { observer.disconnect(); done(performance.now() - begun); }
});
observer.observe(panel.content.node, {childList: true, subtree: true, attributes: true});
jupyterapp.commands.execute('notebook:run-all-cells');
"""


def lab_first_charts(variant, rounds):
    """JupyterLab, notebook 01 opened and its kernel idle, READING_S seconds, then Run All: the
    seconds until its first chart shows, once per round, each with a new kernel."""
    import browser
    from selenium.webdriver.support.ui import WebDriverWait

    seconds = []
    files = [path for path in sorted((ROOT / "notebooks").iterdir()) if path.is_file()]
    with evcxr(variant), tempfile.TemporaryDirectory() as scratch, \
            lab.jupyterlab(Path(scratch), files, ROOT / "crates") as url:
        driver = browser.chromium(f"{scratch}/chromium")
        driver.set_script_timeout(notebooks.CELL_TIMEOUT_S)
        try:
            for run in range(rounds):
                driver.get(f"{url}/lab/workspaces/bench-{run}/tree/notebooks/{NOTEBOOK_01.name}")
                WebDriverWait(driver, notebooks.CELL_TIMEOUT_S, poll_frequency=0.2).until(lambda d: d.execute_script(
                    "const w = window.jupyterapp && jupyterapp.shell.currentWidget;"
                    "return !!(w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
                    " && w.sessionContext.session.kernel.status === 'idle' && w.content.widgets.length > 0);"))
                driver.execute_script("return jupyterapp.commands.execute('notebook:clear-all-cell-outputs');")
                WebDriverWait(driver, 60).until(lambda d: not d.execute_script(
                    "return [...jupyterapp.shell.currentWidget.content.node.querySelectorAll('.jp-OutputArea-output img')].length;"))
                time.sleep(READING_S)
                seconds.append(driver.execute_async_script(RUN_ALL_TO_FIRST_CHART) / 1000)
                driver.execute_async_script(
                    "const done = arguments[arguments.length - 1];"
                    "for (const w of jupyterapp.shell.widgets('main')) { if (w.context) w.context.model.dirty = false; }"
                    "jupyterapp.serviceManager.sessions.shutdownAll()"
                    ".then(() => jupyterapp.commands.execute('application:close-all')).then(() => done(true), () => done(false));")
        finally:
            driver.quit()
    return seconds


def evcxr_build_seconds(variant):
    """Seconds to build the `variant` evcxr from scratch, into a cache of its own."""
    with tempfile.TemporaryDirectory() as cache, evcxr(variant):
        begun = time.perf_counter()
        subprocess.run([str(ROOT / "scripts/evcxr/build")], check=True, env={**os.environ, "GRADFLOW_CACHE": cache})
        return time.perf_counter() - begun


def median(values):
    return statistics.median(values)


def spread(values, unit="s", digits=2):
    """The median, and the range when there is more than one value."""
    text = f"{median(values):.{digits}f} {unit}"
    if len(values) > 1:
        text += f" ({min(values):.{digits}f}–{max(values):.{digits}f})"
    return text


def against(target, limit, values, unit="s", digits=2):
    """The `target` (at most `limit`), and each variant whose median of `values` (one list a
    variant, in VARIANTS' order) misses it, plainly, as the table shows that median (a digit more
    where it would read as the limit itself)."""
    missed = []
    for variant, figures in zip(VARIANTS, values):
        value = median(figures)
        if value > limit:
            shown = f"{value:.{digits}f}"
            if float(shown) <= limit:
                shown = f"{value:.{digits + 1}f}"
            missed.append(f"{variant} {shown} {unit}")
    return f"{target}; missed: {', '.join(missed)}" if missed else target


def load():
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def measure(rounds=ROUNDS, lab=True, build=False):
    """Every figure of the table, as rows (what, Python, stock, patched, target)."""
    for variant in VARIANTS:
        ensure_built(variant)
    loads = [load()]
    runs = {variant: [] for variant in VARIANTS}
    runs_02 = {variant: [] for variant in VARIANTS}
    python = []
    steps = {}
    for round_ in range(rounds):
        python.append(python_run())
        for variant in VARIANTS if round_ % 2 == 0 else VARIANTS[::-1]:
            with evcxr(variant):
                runs[variant].append(rust_run(NOTEBOOK_01))
                runs_02[variant].append(rust_run(ROOT / "notebooks/02-explore.ipynb"))
                if round_ == 0:
                    steps[variant] = start_steps()
    loads.append(load())
    labs = {variant: lab_first_charts(variant, rounds) for variant in VARIANTS} if lab else None
    loads.append(load())
    rows = table(runs, runs_02, python, steps, labs)
    if build:
        built = {variant: evcxr_build_seconds(variant) for variant in VARIANTS}
        rows.append(("set-up: building evcxr from scratch", "", f"{built['stock'] / 60:.1f} min",
                     f"{built['patched'] / 60:.1f} min ({built['patched'] / built['stock'] - 1:+.0%})",
                     "≤ stock + 10 %" + ("; missed" if built["patched"] > built["stock"] * 1.1 else "")))
    return rows, loads


def table(runs, runs_02, python, steps, labs):
    python_to_last = [p["to_last"] for p in python]

    def each(key, source=runs, unit="s", digits=2, scale=1):
        return [spread([r[key] * scale for r in source[v]], unit, digits) for v in VARIANTS]

    def target(text, limit, key, source=runs, unit="s", digits=2):
        return against(text, limit, [[r[key] for r in source[v]] for v in VARIANTS], unit, digits)

    rows = [("kernel start, until it answers", spread([p["ready"] for p in python]), *each("ready"), "")]
    for name in steps["stock"][0]:
        figures = [f"{steps[v][0][name]:.2f} s" + (f", {steps[v][1]} builds" if name.startswith("builds") else "")
                   for v in VARIANTS]
        rows.append((f"… {name} (round 1)", "", *figures, ""))
    sources = code_sources(NOTEBOOK_01)
    chart = runs["stock"][0]["chart"]
    for index in range(chart + 1):
        label = ("`:dep` cell" if index == 0 else "first cell after `:dep`" if index == 1
                 else f"cell {index + 1}" + (" (the first chart)" if index == chart else ""))
        first_line = sources[index].splitlines()[0][:40].replace("|", "\\|")
        rows.append((f"notebook 01, {label}: `{first_line}`", "",
                     *[spread([r["cells"][index] for r in runs[v]]) for v in VARIANTS], ""))
    ratios = [[r["to_chart"] / p for r, p in zip(runs[v], python_to_last)] for v in VARIANTS]
    rows.append(("fresh kernel → first chart of notebook 01 (Python: → last cell)", spread(python_to_last),
                 *each("to_chart"), against("≤ 2.5× Python", 2.5, ratios, "×", 1)))
    rows.append(("… as a multiple of the Python notebook's, same round", "",
                 *[spread(r, "×", 1) for r in ratios], against("≤ 2.5×", 2.5, ratios, "×", 1)))
    if labs:
        rows.append((f"JupyterLab, kernel idle, {READING_S} s of reading, Run All → first chart", "",
                     *[spread(labs[v]) for v in VARIANTS], against("≤ 2.5 s", 2.5, [labs[v] for v in VARIANTS])))
    rows.append((f"first chart cell run again (median of {RERUNS})", "", *each("rerun", digits=3),
                 target("≤ 0.15 s", 0.15, "rerun", digits=3)))
    rows.append((f"the `print_gradients` cell run again (median of {RERUNS})", "", *each("printed", digits=3),
                 target("≤ 0.25 s", 0.25, "printed", digits=3)))
    rows.append((f"layer sizes edited, run again through `print_gradients` to the chart (Python: to its printout; median of {RERUNS})",
                 spread([p["loop"] for p in python], digits=3), *each("loop", digits=3), ""))
    for name, source in (("01", runs), ("02", runs_02)):
        rows.append((f"process tree after Run All of notebook {name}", "", *each("after", source, "MiB", 0),
                     target("≤ 500 MiB", 500, "after", source, "MiB", 0)))
        rows.append((f"process tree at its peak, notebook {name}", "", *each("peak", source, "MiB", 0),
                     target("≤ 700 MiB", 700, "peak", source, "MiB", 0)))
    return rows


def markdown(rows):
    lines = ["| what | Python notebook | stock evcxr 0.22.0 | patched evcxr | target |",
             "| --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def reruns(variant):
    """Cells run again in one kernel of the `variant` evcxr after notebook 01's first chart, each
    RERUNS times: the median seconds of each, a `let` with and without its type among them."""
    sources = code_sources(NOTEBOOK_01)
    chart = first_chart(sources)
    cells = {
        "the first chart cell, as in the notebook": sources[chart],
        "the same, its variable typed": sources[chart].replace("let without =", "let without: GradientReport ="),
        "a `let` whose type rust-analyzer finds": "let other = 5u8;",
        "a `let` with its type": "let other: u8 = 5;",
    }
    with evcxr(variant):
        kernel = Kernel(notebooks.KERNEL_NAME)
        try:
            for source in sources[:chart + 1]:
                kernel.run(source)
            kernel.run("use gradflow::GradientReport;")
            return {name: median([kernel.run(code)[0] for _ in range(RERUNS)]) for name, code in cells.items()}
        finally:
            kernel.close()


if __name__ == "__main__":
    if "reruns" in sys.argv:
        # python bench/kernel.py reruns: the cells of reruns(), stock and patched.
        figures = {variant: reruns(variant) for variant in VARIANTS}
        for name in figures["stock"]:
            print(f"{name}: " + ", ".join(f"{v} {figures[v][name]:.3f} s" for v in VARIANTS))
        sys.exit()
    measured, loads = measure(build="evcxr-build" in sys.argv)
    print(markdown(measured))
    print("; ".join(loads))
