"""`make bench`: how fast the notebook loop is, against the Python notebook, on this machine.

Prints a table and writes it, with the machine and the date, to docs/benchmarks.md:
  - notebooks, through a real Jupyter client: kernel start to the first chart, and the median of
    7 warm re-runs of the layer-sizes cell and the cells that show its chart after an edit;
    notebook 01 on the gradflow kernel against bench/seed_notebook.ipynb on Python;
  - the same warm re-run with each evcxr lever that keeps the pre-built dependencies (linker);
  - each notebook run all in a fresh kernel: the first chart, a re-run of its cell, and the
    kernel's process tree (engine included) after Run All and at its peak, beside the floor, a
    kernel whose `:dep` is an empty crate (`make bench ARGS=kernel` prints these alone);
  - compute: one gradient report, gradflow against PyTorch, depth 8–512, width 3–1024, batch 1
    and 64, without and with shortcut;
  - charts: milliseconds and bytes of the SVG for 5, 64 and 512 layers;
  - the explorer: its grid built (2,048 networks), its payload, and the median time Chromium
    takes to redraw it after a control changes;
  - set-up: seconds of each step in a fresh clone, and of a second run.
Nothing here is asserted: these are figures to read, not tests.
"""

import json
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import nbformat
import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "crates/gradflow-engine/tests/reference"))
import notebooks  # noqa: E402
from pytorch_reference import ExampleDeepNeuralNetwork  # noqa: E402

SEED_SIZES = "[3, 3, 3, 3, 3, 1]"
EDITED_SIZES = "[3, 4, 4, 3, 3, 1]"
WARM_RUNS = 7


def code_sources(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def loop_timings(sources, kernel, first_output, loop, prelude=()):
    """Seconds from kernel start to the end of cell `first_output`, and the median of warm
    re-runs of the cells `loop` (indices into `sources`), the layer sizes edited each time."""
    nb = notebooks.new_notebook([("code", s) for s in [*prelude, *sources]])
    nb.metadata.kernelspec = {"name": kernel, "display_name": kernel, "language": "any"}
    offset = len(prelude)
    client = notebooks.client(nb, wait_for_late_output=False)
    client.kernel_name = kernel
    start = time.perf_counter()
    with client.setup_kernel():
        for index in range(offset + first_output + 1):
            client.execute_cell(nb.cells[index], index)
        first = time.perf_counter() - start
        for index in range(offset + first_output + 1, len(nb.cells)):
            client.execute_cell(nb.cells[index], index)
        warm = []
        for run in range(WARM_RUNS):
            sizes = nb.cells[offset + loop[0]]
            sizes.source = sizes.source.replace(*((SEED_SIZES, EDITED_SIZES) if run % 2 == 0 else (EDITED_SIZES, SEED_SIZES)))
            started = time.perf_counter()
            for index in loop:
                client.execute_cell(nb.cells[offset + index], offset + index)
            warm.append(time.perf_counter() - started)
    return first, statistics.median(warm)


def notebook_rows():
    rust = code_sources(ROOT / "notebooks/01-shortcut-connections.ipynb")
    sizes = next(i for i, s in enumerate(rust) if s.startswith("let layer_sizes"))
    report = next(i for i, s in enumerate(rust) if s.startswith("let without = print_gradients"))
    chart = next(i for i, s in enumerate(rust) if s == "without.chart()?")
    python = code_sources(ROOT / "bench/seed_notebook.ipynb")
    py_sizes = next(i for i, s in enumerate(python) if s.startswith("layer_sizes"))
    py_print = next(i for i, s in enumerate(python) if s.startswith("print_gradients(model_without"))

    py_first, py_warm = loop_timings(python, "python3", py_print, [py_sizes, py_print])
    rows = [("notebook", "Python notebook: kernel start to first output", f"{py_first:.2f} s", ""),
            ("notebook", "Python notebook: warm re-run after an edit (median of 7)", f"{py_warm:.3f} s", "")]
    # Only levers that keep the kernel's pre-built dependencies: another `:opt` level rebuilds
    # them all (about 100 s), so docs/benchmarks.md records those by hand.
    levers = [("gradflow notebook (scripts/evcxr settings)", ())]
    levers += [(f"gradflow notebook, evcxr {cmd}", (cmd,)) for cmd in (":linker system",)]
    if subprocess.run(["sh", "-c", "command -v ld.lld"], capture_output=True).returncode == 0:
        levers.append(("gradflow notebook, evcxr :linker lld", (":linker lld",)))
    for name, prelude in levers:
        first, warm = loop_timings(rust, notebooks.KERNEL_NAME, chart, [sizes, report, chart], prelude)
        rows.append(("notebook", f"{name}: kernel start to first chart", f"{first:.2f} s", f"{first / py_first:.1f}× Python"))
        rows.append(("notebook", f"{name}: warm re-run after an edit (median of 7)", f"{warm:.3f} s", f"{warm / py_warm:.0f}× Python"))
    return rows


class TreeMemory:
    """The resident memory of a kernel's process tree (evcxr, its child, the engine, rustc while
    it runs), sampled every 50 ms on a thread: the latest sum and the peak."""

    def __init__(self, pid):
        import threading

        import psutil

        self.root, self.peak, self.running = psutil.Process(pid), 0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def now(self):
        import psutil

        total = 0
        for process in [self.root, *self.root.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass  # ended between the listing and the reading, as rustc does
        return total

    def sample(self):
        while self.running:
            self.peak = max(self.peak, self.now())
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.now(), self.peak


def kernel_run(sources, first_output, rerun):
    """Runs `sources` in a fresh gradflow kernel: seconds from its start to the end of cell
    `first_output`, the median of WARM_RUNS re-runs of cell `rerun` alone, and the process
    tree's memory after running every cell and at its peak, in MiB."""
    nb = notebooks.new_notebook([("code", s) for s in sources])
    client = notebooks.client(nb, wait_for_late_output=False)
    start = time.perf_counter()
    with client.setup_kernel():
        memory = TreeMemory(client.km.provisioner.pid)
        for index in range(len(nb.cells)):
            client.execute_cell(nb.cells[index], index)
            if index == first_output:
                first = time.perf_counter() - start
        after, peak = memory.stop()
        reruns = []
        for _ in range(WARM_RUNS):
            started = time.perf_counter()
            client.execute_cell(nb.cells[rerun], rerun)
            reruns.append(time.perf_counter() - started)
    return first, statistics.median(reruns), after / 2**20, peak / 2**20


def kernel_rows():
    """Each notebook run all in a fresh kernel, and the floor: a kernel whose `:dep` is an empty
    crate, so that what evcxr itself costs can be told from what gradflow adds."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp) / "floor"
        (floor / "src").mkdir(parents=True)
        (floor / "Cargo.toml").write_text('[package]\nname = "floor"\nversion = "0.0.0"\nedition = "2021"\n\n[workspace]\n')
        (floor / "src/lib.rs").write_text("pub fn one() -> i32 { 1 }\n")
        first, rerun, after, peak = kernel_run([f':dep floor = {{ path = "{floor}" }}', "floor::one()"], 1, 1)
        rows.append(("kernel", "floor (`:dep` of an empty crate): kernel start to first output", f"{first:.2f} s", ""))
        rows.append(("kernel", "floor: re-run of that cell (median of 7)", f"{rerun:.3f} s", ""))
        rows.append(("kernel", "floor: process tree after Run All / peak", f"{after:.0f} / {peak:.0f} MiB", ""))
    floor_after = after
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        sources = code_sources(path)
        charts = [i for i, s in enumerate(sources) if "chart" in s and "?" in s and not s.startswith(":dep")]
        first, rerun, after, peak = kernel_run(sources, charts[0], charts[0])
        name = path.stem
        rows.append(("kernel", f"{name}: kernel start to first chart", f"{first:.2f} s", "target ≤ 7 s"))
        rows.append(("kernel", f"{name}: re-run of the first chart cell (median of 7)", f"{rerun:.3f} s", "target ≤ 0.25 s"))
        rows.append(("kernel", f"{name}: process tree after Run All / peak", f"{after:.0f} / {peak:.0f} MiB",
                     f"{after / floor_after:.2f}× the floor; target ≤ 700 / 1024 MiB"))
    return rows


def pytorch_report_seconds(depth, width, batch, shortcut, repeats=5):
    """PyTorch doing what `DeepNetwork::batch_gradients` does: the same network and statistics."""
    torch.manual_seed(123)
    model = ExampleDeepNeuralNetwork([width] * depth + [1], shortcut)
    x = torch.full((batch, width), 0.5)

    def report():
        model.zero_grad()
        output = model(x)
        nn.MSELoss()(output, torch.zeros_like(output)).backward()
        return [(p.grad.abs().mean().item(), p.grad.abs().max().item()) for p in model.parameters()]

    report()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        report()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def compute_and_chart_rows():
    out = subprocess.run(["cargo", "run", "-q", "--release", "--example", "bench"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        item = json.loads(line)
        if item["kind"] == "explorer":
            rows.append(("explorer", f"grid built: {item['networks']} networks", f"{item['seconds']:.2f} s", "target ≤ 3 s"))
            rows.append(("explorer", "payload: the cell's HTML", f"{item['bytes'] / 1024:.0f} KiB", "target ≤ 1 MB"))
            continue
        if item["kind"] == "chart":
            rows.append(("chart", f"{item['layers']} layers", f"{item['seconds'] * 1e3:.1f} ms", f"{item['bytes'] / 1024:.0f} KiB"))
            continue
        name = f"depth {item['depth']}, width {item['width']}, batch {item['batch']}, " + \
               ("with" if item["shortcut"] else "without") + " shortcut"
        if "refused" in item:
            rows.append(("compute", name, "refused", item["refused"].split(";")[0]))
            continue
        reference = pytorch_report_seconds(item["depth"], item["width"], item["batch"], item["shortcut"])
        rows.append(("compute", name, f"{item['seconds'] * 1e3:.2f} ms (PyTorch {reference * 1e3:.2f} ms)",
                     f"ratio {item['seconds'] / reference:.2f}"))
    return rows


# Changes depth, width, activation and shortcut in turn, as a person does, and times each
# redraw: the handlers run synchronously inside dispatchEvent.
REDRAWS = """
const form = document.querySelector('[data-gradflow-explorer] form[data-controls]');
const times = [];
for (let i = 0; i < 200; i++) {
  const control = ['depth', 'width', 'activation', 'shortcut'][i % 4];
  const element = form.elements[control];
  if (control === 'depth') element.value = String(1 + (i * 7) % 32);
  else if (control === 'shortcut') element.checked = !element.checked;
  else element.selectedIndex = (element.selectedIndex + 1) % element.options.length;
  const start = performance.now();
  element.dispatchEvent(new Event('input', {bubbles: true}));
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
return [times[times.length / 2], times[times.length - 1]];
"""


def explorer_rows():
    import browser

    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "explorer.html"
        subprocess.run(["cargo", "run", "-q", "--release", "--bin", "gradflow", "--", "explore", "--html", str(page)],
                       cwd=ROOT, check=True, capture_output=True)
        driver = browser.chromium(f"{scratch}/chromium")
        try:
            driver.get(page.as_uri())
            median, worst = driver.execute_script(REDRAWS)
        finally:
            driver.quit()
    return [("explorer", "redraw after a control changes, in Chromium (median of 200)", f"{median:.1f} ms",
             f"slowest {worst:.1f} ms; target ≤ 16 ms")]


def setup_rows():
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "gradflow"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        rows = []
        for run in ("fresh clone", "second run"):
            start = time.perf_counter()
            out = subprocess.run(["bash", "scripts/setup.sh"], cwd=clone, capture_output=True, text=True, check=True).stdout
            total = time.perf_counter() - start
            for step, seconds in re.findall(r"^==> (.+?) took (\d+) s$", out, re.MULTILINE):
                rows.append(("set-up", f"{run}: {step}", f"{int(seconds) / 60:.1f} min", ""))
            rows.append(("set-up", f"{run}: total", f"{total:.1f} s", ""))
        # The clone's kernel build folders live in the cache, named after the clone's path.
        builds, _ = notebooks.kernel_builds(clone)
        shutil.rmtree(builds, ignore_errors=True)
        return rows


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    cores = len(re.findall(r"^processor", Path("/proc/cpuinfo").read_text(), re.MULTILINE))
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, torch {torch.__version__}"


def main():
    only = sys.argv[1:] == ["kernel"]
    if only:
        for row in kernel_rows():
            print(" | ".join(row))
        return
    rows = notebook_rows() + kernel_rows() + compute_and_chart_rows() + explorer_rows() + setup_rows()
    lines = [f"# Benchmarks", "", f"`make bench` on {date.today().isoformat()}: {machine()}.", "",
             "| part | what | figure | compared |", "| --- | --- | --- | --- |"]
    lines += [f"| {part} | {what} | {figure} | {compared} |" for part, what, figure, compared in rows]
    table = "\n".join(lines) + "\n"
    print(table)
    notes = ROOT / "docs/benchmarks.md"
    previous = notes.read_text() if notes.exists() else ""
    kept = previous[previous.index("## Notes"):] if "## Notes" in previous else ""
    notes.write_text(table + ("\n" + kept if kept else ""))


if __name__ == "__main__":
    main()
