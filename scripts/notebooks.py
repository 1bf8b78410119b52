"""Runs gradflow's notebooks through the project's Jupyter kernel, and exports them.

    python scripts/notebooks.py execute [--write] NOTEBOOK...   run every cell; --write saves outputs
    python scripts/notebooks.py html NOTEBOOK...                self-contained pages in target/html/
    python scripts/notebooks.py slides NOTEBOOK...              offline reveal.js decks in target/slides/
    python scripts/notebooks.py prebuild                        compile the kernel's dependencies once
"""

import argparse
import queue
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.util import ensure_async

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# The notebooks' first line; the pre-build runs exactly this, so that cargo reuses its work.
DEP = ':dep gradflow = { path = "../crates/gradflow" }'
# The first cell compiles tch from scratch when the kernel's build folder is cold.
CELL_TIMEOUT_S = 900
# How long to wait for a cell's printed lines after the kernel says the cell is done.
LATE_OUTPUT_S = 0.2


class Client(NotebookClient):
    """evcxr sends a cell's printed lines from a thread of their own, which can lose the race
    with the cell's "idle" status; keep listening briefly so that no line is dropped."""

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=LATE_OUTPUT_S))
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") == parent_msg_id and msg["msg_type"] == "stream":
                self.process_message(msg, cell, cell_index)


def client(nb, allow_errors=False, wait_for_late_output=True):
    """A client that runs `nb` on the gradflow kernel, in notebooks/ as a user would. Without
    `wait_for_late_output` it is nbclient's own, which a benchmark wants: no pause per cell."""
    return (Client if wait_for_late_output else NotebookClient)(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT_S,
        record_timing=False,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )


def execute(notebook, allow_errors=False):
    """Runs every cell of `notebook` (a path or a NotebookNode) in a fresh kernel; returns it.
    A cell that fails raises, unless `allow_errors`, which leaves the error in its outputs."""
    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, (str, Path)) else notebook
    client(nb, allow_errors).execute()
    return nb


def new_notebook(cells):
    """A notebook on the project's kernel from (kind, source) pairs, kind "md" or "code"."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": KERNEL_NAME, "display_name": "Rust (gradflow)", "language": "rust"}
    nb.metadata.language_info = {"name": "rust", "file_extension": ".rs", "mimetype": "text/rust"}
    nb.cells = [nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
                for kind, src in cells]
    return nb


def pins(*names, root=ROOT, user=(), env=None):
    """What scripts/pins.sh, their one definition, gives `names` for the checkout at `root`: as
    this process sees them, or as another user (`user`, a command prefix) with `env` does."""
    script = 'root=$1 && shift && source "$root/scripts/pins.sh" && for name; do printf "%s\\n" "${!name}"; done'
    out = subprocess.run([*user, "bash", "-c", script, "pins", str(root), *names], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


# The kernelspec's name, and where scripts/setup.sh unpacks reveal.js, require.js and jQuery.
KERNEL_NAME, slides_assets = pins("KERNEL_NAME", "SLIDES_ASSETS")
SLIDES_ASSETS = Path(slides_assets)


def kernel_builds(root=ROOT):
    """The kernels' build folders of the checkout at `root`, and the set-up's pre-built one."""
    return tuple(Path(folder) for folder in pins("KERNEL_BUILD", "KERNEL_PREBUILT", root=root))


def prebuild():
    execute(new_notebook([("code", DEP + "\nuse gradflow::DeepNetwork;\nDeepNetwork::builder(&[3, 1]).build().is_ok()")]))


# Charts are 1280 px wide: let them shrink to the page, as JupyterLab does, instead of overflowing.
# (gradflow's charts carry the same rule inline; this also fits images of other origins.)
FIT_CHARTS = "<style>.jp-OutputArea-output img { max-width: 100%; height: auto; }</style>"
# reveal.js lays every slide out on a 1280 x 720 canvas and scales the canvas to the window, so
# sizes relative to the canvas fit any screen. A slide taller than the canvas scrolls within it
# (nbconvert's own scroll option measures slides against the window instead, and cuts them).
FIT_SLIDES = (" .reveal .slides > section.stack { height: 100%; }"
              " .reveal .slides section:not(.stack) { max-height: 100%; overflow-y: auto; }"
              # The navigation arrows lie over the window's corner: on a small window they shrink
              # with it, so they stay clear of a chart's corner; from 720 px high they are reveal's.
              " .reveal .controls { font-size: min(10px, 1.4vmin); bottom: 1.2em; right: 1.2em; }")
# A chart's slide is the whole canvas, the chart alone on it, centred, its code hidden: each box
# from the slide down to the chart takes the height left by its neighbours (a flex column), and
# the chart keeps its aspect within the last one. The explorer's chart takes what its controls
# and printed lines leave.
FIT_SLIDE_CHARTS = (
    " .reveal .slides section[data-gradflow-slide] { height: 100%; box-sizing: border-box; }"
    " .reveal [data-gradflow-slide] > .jp-Cell { height: 100%; box-sizing: border-box; display: flex; flex-direction: column; }"
    " .reveal [data-gradflow-slide] :is(.jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child,"
    "   .jp-OutputArea-output, [data-gradflow-explorer], [data-live], [data-chart])"
    " { display: flex; flex-direction: column; flex: 1 1 0; min-height: 0; margin-top: 0; margin-bottom: 0; }"
    " .reveal [data-gradflow-slide=chart] .jp-OutputArea-output { display: block; padding: 0; }"
    " .reveal [data-gradflow-slide] .jp-Collapser, .reveal .jp-OutputPrompt { display: none; }"
    " .reveal [data-gradflow-slide] .jp-OutputArea-output img"
    " { max-height: 100%; max-width: 100%; width: auto; height: auto; display: block; margin: 0 auto; }"
    " .reveal [data-gradflow-explorer] :is(form, [data-lines]) { flex: none; }"
    " .reveal [data-gradflow-explorer] [data-chart] svg { height: 100% !important; width: auto !important; max-width: 100%; margin: 0 auto; }"
    " .reveal [data-gradflow-explorer] [data-lines] { max-height: 4.5em; }")
REMOTE_TAG = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>|<link[^>]*\bhref="https?://[^"]*"[^>]*>')


def shows_chart(cell):
    """Whether a code cell's output is one of gradflow's charts (an image in HTML)."""
    return any('<img src="data:image/svg+xml' in o.get("data", {}).get("text/html", "") for o in cell.get("outputs", []))


def export_html(notebook, out_dir):
    """Writes a self-contained HTML page: charts inline, no script or style from the network."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_filename(str(notebook))
    page = Path(out_dir) / (Path(notebook).stem + ".html")
    page.parent.mkdir(parents=True, exist_ok=True)
    body = REMOTE_TAG.sub("", body).replace("</head>", FIT_CHARTS + "\n</head>", 1)
    page.write_text(body, encoding="utf-8")
    return page


def export_slides(notebook, out_dir):
    """Writes a reveal.js deck that works offline: its scripts are copied beside it."""
    from nbconvert import SlidesExporter

    out_dir = Path(out_dir)
    assets = out_dir / "assets"
    if not assets.exists():
        shutil.copytree(SLIDES_ASSETS / "reveal.js" / "dist", assets / "reveal.js" / "dist")
        shutil.copytree(SLIDES_ASSETS / "reveal.js" / "plugin", assets / "reveal.js" / "plugin")
        shutil.copy(SLIDES_ASSETS / "requirejs" / "require.js", assets / "require.js")
        shutil.copy(SLIDES_ASSETS / "jquery" / "dist" / "jquery.min.js", assets / "jquery.min.js")
        shutil.copy(ROOT / "scripts" / "mathjax-stub.js", assets / "mathjax-stub.js")
    exporter = SlidesExporter(
        reveal_url_prefix="assets/reveal.js",
        require_js_url="assets/require.js",
        jquery_url="assets/jquery.min.js",
        mathjax_url="assets/mathjax-stub.js",
        reveal_theme="simple",
        reveal_transition="none",
        reveal_width="1280",
        reveal_height="720",
        reveal_scroll=False,  # FIT_SLIDES scrolls a long slide within the canvas instead
    )
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if shows_chart(cell):
            cell.metadata.setdefault("transient", {})["remove_source"] = True
            # nbconvert writes slideshow.data as data- attributes of the cell's slide.
            kind = "explorer" if "data-gradflow-explorer" in str(cell.outputs) else "chart"
            cell.metadata.setdefault("slideshow", {}).setdefault("data", {})["gradflow_slide"] = kind
    body, _ = exporter.from_notebook_node(nb)
    deck = out_dir / (Path(notebook).stem + ".slides.html")
    style = "<style>" + FIT_SLIDES + FIT_SLIDE_CHARTS + "</style>"
    body = REMOTE_TAG.sub("", body).replace("</head>", FIT_CHARTS + style + "\n</head>", 1)
    deck.write_text(body, encoding="utf-8")
    return deck


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["execute", "html", "slides", "prebuild"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--write", action="store_true", help="save the outputs into the notebooks")
    parser.add_argument("--out", type=Path, help="the folder for html and slides (default: target/html, target/slides)")
    args = parser.parse_intermixed_args(argv)
    if args.command == "prebuild":
        prebuild()
    for path in args.notebooks:
        if args.command == "execute":
            nb = execute(path)
            if args.write:
                nbformat.write(nb, path)
            print(f"executed {path}" + (" (outputs saved)" if args.write else ""))
        elif args.command == "html":
            print(f"wrote {export_html(path, args.out or ROOT / 'target' / 'html')}")
        elif args.command == "slides":
            print(f"wrote {export_slides(path, args.out or ROOT / 'target' / 'slides')}")


if __name__ == "__main__":
    main(sys.argv[1:])
