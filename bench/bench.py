"""`make bench`: how fast the notebook loop is, against the Python notebook, on this machine.

Prints the figures and writes them, with the machine and the date, to docs/benchmarks.md:
  - the kernel (bench/kernel.py; `make bench ARGS=kernel` measures and writes this part alone):
    evcxr as published against the patched evcxr (scripts/evcxr/patches), with the Python
    notebook in the same run: a fresh kernel's start split into its steps, notebook 01 cell by
    cell to its first chart, JupyterLab's Run All to the first chart, a chart cell run again,
    and each kernel's memory; `make bench ARGS=evcxr-build` also builds both evcxrs from scratch;
  - compute: one gradient report, gradflow against PyTorch, depth 8–512, width 3–1024, batch 1
    and 64, without and with shortcut;
  - charts: milliseconds and bytes of the SVG for 5, 64 and 512 layers;
  - tensor handles: one operation's round trip from the notebooks' crate to the engine, and what
    the frees of 100,000 dropped tensors cost (seconds, and the engine's resident memory);
  - the explorer: its grid built (2,048 networks), its payload, and the median time Chromium
    takes to redraw it after a control changes;
  - set-up: seconds of each step in a fresh clone, and of a second run;
  - the loss surface and the curvature (`make bench ARGS=curvature` measures and writes this part
    alone): gradflow's engine against PyTorch doing the same work (bench/curvature_pytorch.py),
    run one after the other here.
Nothing here is asserted: these are figures to read, not tests. A figure that misses its target
says so beside it ("missed: …").
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

import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "crates/gradflow-engine/tests/reference"))
import kernel  # noqa: E402  (bench/kernel.py)
import notebooks  # noqa: E402
from pytorch_reference import ExampleDeepNeuralNetwork  # noqa: E402

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


def against(target, figure, missed):
    """The `target`, and, if the `figure` `missed` it, that plainly."""
    return f"{target}; missed: {figure} against {target.split('target ')[-1]}" if missed else target


def resident(before, after):
    """The engine's resident memory before and after, in MiB."""
    if before is None or after is None:
        return "engine's resident memory not found"
    return f"engine resident {before / 2**20:.0f} → {after / 2**20:.0f} MiB"


# The rows of bench.rs's handle_frees, `n` tensors each: the frees' own cost is that of "kept,
# then dropped"; "one by one" is the making and the frees together. "Then one request": the time
# runs to the answer of a request that every free came before.
FREES = {
    "one by one": "{n} tensors each made (a relu) and dropped at once, as a cell's loop does, then one request",
    "made and kept": "{n} tensors made (a relu) and kept in a `Vec`: the making alone",
    "kept, then dropped": "that `Vec` of {n} dropped, then one request: the frees alone",
}


# What each figure of the loss surface and the curvature times, in both.
CURVATURE = {
    "landscape_seed_41x41": "loss surface: both variants' 41 × 41 planes of the seed's network (networks, directions, every loss)",
    "landscape_32x16_41x41": "loss surface: both variants' 41 × 41 planes of 16 layers of 32",
    "spectrum_seed": "curvature: the seed's network's whole Hessian spectrum (52 parameters; forward, Hessian, eigvalsh)",
    "power20_64x32": "curvature: 20 power iterations on 32 layers of 64 (forward, gradients with their graph, iterations)",
}
CURVATURE_HEADING = "## The loss surface and the curvature"


def curvature_rows(items):
    """gradflow's figures `items` beside PyTorch's for the same work, timed after them."""
    out = subprocess.run([sys.executable, str(ROOT / "bench/curvature_pytorch.py")], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    pytorch = dict(line.split() for line in out.splitlines())
    rows = []
    for item in items:
        ours, theirs = item["seconds"], float(pytorch[item["name"]])
        ratio = f"ratio {ours / theirs:.2f}"
        rows.append(("curvature", CURVATURE[item["name"]], f"{ours * 1e3:.1f} ms (PyTorch {theirs * 1e3:.1f} ms)",
                     against(f"{ratio}; target ≤ 1", ratio, ours > theirs)))
    return rows


def curvature_section(rows):
    return (f"{CURVATURE_HEADING}\n\n`make bench ARGS=curvature` on {date.today().isoformat()}: {machine()}; "
            "the median of 5 runs each, gradflow's first, then PyTorch's.\n\n"
            "| part | what | figure | compared |\n| --- | --- | --- | --- |\n"
            + "".join(f"| {part} | {what} | {figure} | {compared} |\n" for part, what, figure, compared in rows))


def bench_items(*flags):
    out = subprocess.run(["cargo", "run", "-q", "--release", "--example", "bench", "--", *flags], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def compute_and_chart_rows(items):
    rows = []
    for item in items:
        if item["kind"] == "curvature":
            continue
        if item["kind"] == "explorer":
            seconds, size = f"{item['seconds']:.2f} s", f"{item['bytes'] / 1024:.0f} KiB"
            rows.append(("explorer", f"grid built: {item['networks']} networks", seconds,
                         against("target ≤ 3 s", seconds, item["seconds"] > 3)))
            rows.append(("explorer", "payload: the cell's HTML", size,
                         against("target ≤ 1 MB", f"{size} ({item['bytes'] / 1e6:.2f} MB)", item["bytes"] > 1e6)))
            continue
        if item["kind"] == "handle":
            median = f"{item['median'] * 1e6:.0f} µs"
            rows.append(("tensor handle", f"one operation's round trip to the engine: {item['operation']} (median of 2,000)",
                         median, against(f"90th percentile {item['p90'] * 1e6:.0f} µs; target ≤ 100 µs", median,
                                          item["median"] > 100e-6)))
            continue
        if item["kind"] == "frees":
            rows.append(("tensor handle", FREES[item["way"]].format(n=f"{item['tensors']:,}"),
                         f"{item['seconds']:.2f} s ({item['per_tensor'] * 1e6:.0f} µs a tensor)",
                         resident(item["resident_before"], item["resident_after"])))
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
             against(f"slowest {worst:.1f} ms; target ≤ 16 ms", f"{median:.1f} ms", median > 16))]


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


NOTES = ROOT / "docs/benchmarks.md"
KERNEL_HEADING = "## The kernel"


def kernel_section(rows, loads):
    return (f"{KERNEL_HEADING}\n\n`make bench ARGS=kernel` on {date.today().isoformat()}: {machine()}; "
            f"{'; '.join(loads)} (before, after the notebooks, after JupyterLab).\n\n" + kernel.markdown(rows))


def replace_section(rest, heading, section):
    """The sections `rest` with the one under `heading` replaced by `section` (or added first)."""
    rest = [section + "\n" if part.startswith(heading) else part for part in rest]
    if not any(part.startswith(heading) for part in rest):
        rest.insert(0, section + "\n")
    return rest


def sections(text):
    """`text` split at its second-level headings: the part before them, then each heading's part."""
    parts = re.split(r"^(?=## )", text, flags=re.MULTILINE)
    return parts[0], parts[1:]


def main():
    args = sys.argv[1:]
    previous = NOTES.read_text() if NOTES.exists() else ""
    head, rest = sections(previous)
    if args and args[0] in ("kernel", "evcxr-build"):
        rows, loads = kernel.measure(build="evcxr-build" in args)
        section = kernel_section(rows, loads)
        print(section)
        NOTES.write_text(head + "".join(replace_section(rest, KERNEL_HEADING, section)))
        return
    if args and args[0] == "curvature":
        section = curvature_section(curvature_rows(bench_items("--curvature-only")))
        print(section)
        NOTES.write_text(head + "".join(replace_section(rest, CURVATURE_HEADING, section)))
        return
    items = bench_items()
    rows = compute_and_chart_rows(items) + explorer_rows() + setup_rows()
    curvature = curvature_section(curvature_rows([item for item in items if item["kind"] == "curvature"]))
    kernel_rows, loads = kernel.measure()
    lines = ["# Benchmarks", "", f"`make bench` on {date.today().isoformat()}: {machine()}.", "",
             "| part | what | figure | compared |", "| --- | --- | --- | --- |"]
    lines += [f"| {part} | {what} | {figure} | {compared} |" for part, what, figure, compared in rows]
    section = kernel_section(kernel_rows, loads)
    print("\n".join(lines) + "\n\n" + section + "\n\n" + curvature)
    kept = [part for part in rest if not part.startswith((KERNEL_HEADING, CURVATURE_HEADING))]
    NOTES.write_text("\n".join(lines) + "\n\n" + section + "\n" + curvature + "\n" + "".join(kept))


if __name__ == "__main__":
    main()
