"""Reading a notebook's outputs: its text and its SVG charts."""

import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
# The chart colours of crates/gradflow/src/chart.rs.
WITHOUT_SHORTCUT = "#D55E00"
WITH_SHORTCUT = "#0072B2"


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
    """The SVG documents a code cell showed."""
    return [output.data["image/svg+xml"] for output in cell.get("outputs", [])
            if output.output_type in ("display_data", "execute_result") and "image/svg+xml" in output.data]


def bars(svg):
    """Rects of each variant's colour in a chart: its bars, plus one legend swatch each."""
    fills = [rect.get("fill") for rect in ET.fromstring(svg).iter(SVG + "rect")]
    return fills.count(WITHOUT_SHORTCUT), fills.count(WITH_SHORTCUT)


def cell_containing(nb, snippet):
    """The one code cell whose source contains `snippet`."""
    cells = [cell for cell in nb.cells if cell.cell_type == "code" and snippet in cell.source]
    assert len(cells) == 1, f"one cell contains {snippet!r}, found {len(cells)}"
    return cells[0]
