"""Reading a notebook's outputs: its text and its charts, and comparing them as a person would
read them: numbers within 1e-6 relative (their last digits depend on the CPU), charts by what
they show (bars, lines, cells and labels), not by their bytes."""

import base64
import json
import math
import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
# The chart colours of crates/gradflow-engine/src/chart/mod.rs.
WITHOUT_SHORTCUT = "#D55E00"
WITH_SHORTCUT = "#0072B2"
FONT_SIZE = re.compile(r'font-size="([0-9.]+)"')
# A chart is shown as an <img> whose source is the SVG document, base64-encoded.
SVG_IMAGE = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')
# A number standing on its own, not a digit inside a name such as layers.0.0.weight.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|inf|nan|NaN)(?![\w.])")

RELATIVE = 1e-6
# Bars, points and cells may move by this many pixels (coordinates are rounded to whole pixels).
PIXELS = 2
# The explorer's grid goes 32 layers deep, where the CPU's last digits grow: between this
# machine's two libtorch code paths its 33,792 means differ by up to 1.2e-4 relative (99.9 % of
# them below 6.4e-5). A dropped shortcut or another initialisation changes them many-fold.
GRID_RELATIVE = 1e-2
EXPLORER_GRID = re.compile(r'<script type="application/json" data-grid>(.*?)</script>', re.S)
# The smallest text a person reads comfortably on a screen or a projector, in pixels.
LEGIBLE_PX = 12


def text(cell):
    """Everything a code cell printed or showed as text, in order."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("display_data", "execute_result") and "text/plain" in output.data:
            parts.append(output.data["text/plain"] + "\n")
        elif output.output_type == "error":
            parts.append("\n".join(output.traceback) + "\n")
    return "".join(parts)


def svgs(cell):
    """The SVG documents a code cell showed, inline or as images in HTML."""
    found = []
    for output in cell.get("outputs", []):
        if output.output_type not in ("display_data", "execute_result"):
            continue
        data = output.data
        if "image/svg+xml" in data:
            found.append(data["image/svg+xml"])
        elif "text/html" in data:
            found += [base64.b64decode(b).decode("utf-8") for b in SVG_IMAGE.findall(data["text/html"])]
    return found


def is_explorer(cell):
    """Whether a code cell shows the explorer, whose still chart gives way to a live one
    wherever its script runs."""
    return any("data-gradflow-explorer" in o.get("data", {}).get("text/html", "") for o in cell.get("outputs", []))


def live_charts(nb):
    """The chart images a page shows when its scripts run: all but the explorers' stills."""
    return sum(len(svgs(cell)) for cell in nb.cells if not is_explorer(cell))


def smallest_font(svg):
    """The smallest font size in an SVG chart, in its own pixels."""
    return min(float(size) for size in FONT_SIZE.findall(svg))


def bars(svg):
    """Rects of each variant's colour in a chart: its bars, plus one legend swatch each."""
    fills = [rect.get("fill") for rect in ET.fromstring(svg).iter(SVG + "rect")]
    return fills.count(WITHOUT_SHORTCUT), fills.count(WITH_SHORTCUT)


def cell_containing(nb, snippet):
    """The one code cell whose source contains `snippet`."""
    cells = [cell for cell in nb.cells if cell.cell_type == "code" and snippet in cell.source]
    assert len(cells) == 1, f"one cell contains {snippet!r}, found {len(cells)}"
    return cells[0]


def close(a, b, relative=RELATIVE):
    """Two numbers equal within `relative`; NaN equals NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= relative * max(abs(a), abs(b))


def text_differences(fresh, saved, relative=RELATIVE):
    """How two texts differ, read as a person reads them: the words must be the same and the
    numbers equal within `relative`. An empty list means they agree."""
    words = NUMBER.split(fresh), NUMBER.split(saved)
    numbers = NUMBER.findall(fresh), NUMBER.findall(saved)
    if words[0] != words[1] or len(numbers[0]) != len(numbers[1]):
        return [f"the text differs:\n{fresh}\nagainst\n{saved}"]
    return [f"{a} against {b}" for a, b in zip(*numbers) if not close(float(a), float(b), relative)]


def explorer_grids(cell):
    """The grids of the explorers a code cell showed: their settings, and every report's means
    as the page prints them, read back as floats (by activation, width, depth and variant)."""
    grids = []
    for output in cell.get("outputs", []):
        for found in EXPLORER_GRID.findall(output.get("data", {}).get("text/html", "")):
            grid = json.loads(found)
            settings = {key: grid[key] for key in ("depths", "widths", "activations")}
            means = [float(mean) for by_width in grid["views"] for by_depth in by_width
                     for view in by_depth for variant in view["reprs"] for mean in variant]
            grids.append((settings, means))
    return grids


def grid_differences(fresh, saved, relative=GRID_RELATIVE):
    """How two explorer grids differ: the same axes and the same number of means, zero where
    the other is zero, and each within `relative` of the other."""
    (axes, new), (old_axes, old) = fresh, saved
    if axes != old_axes or len(new) != len(old):
        return [f"the grids differ: {axes} ({len(new)} means) against {old_axes} ({len(old)} means)"]
    return [f"mean {i}: {a} against {b}" for i, (a, b) in enumerate(zip(new, old)) if not close(a, b, relative)]


def chart(svg):
    """What a chart shows: each drawn rect (bars, swatches, heatmap cells) as (fill, x, y, width,
    height); each line as (colour, points); each label's text. In drawing order."""
    root = ET.fromstring(svg)
    number = lambda value: float(value or 0)
    rects = [(r.get("fill"), *(number(r.get(k)) for k in ("x", "y", "width", "height")))
             for r in root.iter(SVG + "rect")]
    lines = [(p.get("stroke"), [tuple(map(float, point.split(","))) for point in p.get("points").split()])
             for p in root.iter(SVG + "polyline")]
    labels = ["".join(t.itertext()).strip() for t in root.iter(SVG + "text")]
    return {"size": (root.get("width"), root.get("height")), "rects": rects, "lines": lines, "labels": labels}


def _same_fill(a, b):
    """Equal fills; heatmap shades (#RRGGBB) may differ by a step of the colour scale."""
    if a == b:
        return True
    rgb = [bytes.fromhex(f[1:]) for f in (a, b) if re.fullmatch(r"#[0-9A-Fa-f]{6}", f or "")]
    return len(rgb) == 2 and max(abs(x - y) for x, y in zip(*rgb)) <= 8


def chart_differences(fresh, saved, relative=RELATIVE, pixels=PIXELS):
    """How two charts differ in what they show: the same bars, cells and lines in the same order,
    each within `pixels`; the same colours (heatmap shades within a step of the colour scale);
    the same labels, numbers within `relative` or one unit of their last printed digit."""
    new, old = chart(fresh), chart(saved)
    problems = []
    if new["size"] != old["size"]:
        problems.append(f"size {new['size']} against {old['size']}")
    if [r[0] in (WITHOUT_SHORTCUT, WITH_SHORTCUT) for r in new["rects"]] != \
            [r[0] in (WITHOUT_SHORTCUT, WITH_SHORTCUT) for r in old["rects"]]:
        problems.append("the bars differ in number or order")
    elif len(new["rects"]) == len(old["rects"]):
        for i, (a, b) in enumerate(zip(new["rects"], old["rects"])):
            if not _same_fill(a[0], b[0]) or any(abs(x - y) > pixels for x, y in zip(a[1:], b[1:])):
                problems.append(f"rect {i}: {a} against {b}")
    else:
        problems.append(f"{len(new['rects'])} rects against {len(old['rects'])}")
    if [(c, len(p)) for c, p in new["lines"]] != [(c, len(p)) for c, p in old["lines"]]:
        problems.append("the lines differ in number, colour or length")
    else:
        for (colour, a), (_, b) in zip(new["lines"], old["lines"]):
            if any(abs(x - y) > pixels for p, q in zip(a, b) for x, y in zip(p, q)):
                problems.append(f"a {colour} line moved: {a} against {b}")
    if len(new["labels"]) != len(old["labels"]):
        problems.append(f"labels {new['labels']} against {old['labels']}")
    else:
        for a, b in zip(new["labels"], old["labels"]):
            if a != b and not _same_label(a, b, relative):
                problems.append(f"label {a!r} against {b!r}")
    return problems


def _same_label(a, b, relative):
    """Labels such as 0.556 or 6.88e-4 may differ by one unit in their last digit, where a value
    sits on a rounding boundary; other labels must be equal."""
    if NUMBER.fullmatch(a) is None or NUMBER.fullmatch(b) is None:
        return False
    x, y = float(a), float(b)
    mantissa = a.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(a.lower().split("e")[1]) if "e" in a.lower() else 0
    return close(x, y, relative) or abs(x - y) <= 1.0001 * 10.0 ** (exponent - decimals)
