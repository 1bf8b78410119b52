"""Notebook 03, the loss surface and the curvature: bad settings show a message before anything
is computed and the kernel keeps its variables; what its Markdown says of the charts is true of
the numbers it prints."""

import re
import time

import pytest

import notebooks
from conftest import ROOT
from outputs import cell_containing, text

LANDSCAPE_NOTEBOOK = ROOT / "notebooks" / "03-landscape.ipynb"

# Each bad setting, and the message the cell shows.
BAD_SETTINGS = [
    ("LandscapeConfig { points: 0, ..LandscapeConfig::default() }.run()?",
     "the points along each direction is 0; it must be from 2 to 101 (0 points in all; at most 10201)"),
    ("LandscapeConfig { points: 1000, ..LandscapeConfig::default() }.run()?",
     "the points along each direction is 1000; it must be from 2 to 101 (1000000 points in all; at most 10201)"),
    ("LandscapeConfig { directions: 3, ..LandscapeConfig::default() }.run()?",
     "the number of directions is 3; it must be 1 (a line) or 2 (a plane)"),
    ("LandscapeConfig::new(&[64; 2000]).run()?",
     "it must be at most 3000000 layer-points (fewer points or layers)"),
    ("HessianConfig::new(&[3; 100_002]).run()?",
     "a depth is 100001; it must be from 1 to 100000 layers"),
    ("HessianConfig { at_steps: vec![300, 0], ..HessianConfig::default() }.run()?",
     "the steps to measure at is [300, 0]; it must be one or more steps in increasing order"),
    ("HessianConfig { iterations: 1_000_000, ..HessianConfig::default() }.run()?",
     "power iteration's iterations is 1000000; it must be from 1 to 1000"),
]


@pytest.fixture(scope="module")
def session(committed):
    """Notebook 03's first cells, each bad setting, then a cell that uses the line made before."""
    sources = [c.source for c in committed(LANDSCAPE_NOTEBOOK).cells if c.cell_type == "code"]
    line_cell = next(i for i, s in enumerate(sources) if s.startswith("let line ="))
    cells = sources[:line_cell + 1] + [bad for bad, _ in BAD_SETTINGS] + ['println!("{}", line[1]);']
    nb = notebooks.new_notebook([("code", s) for s in cells])
    started = time.monotonic()
    nb = notebooks.execute(nb, allow_errors=True)
    return [text(c) for c in nb.cells[line_cell + 1:]], time.monotonic() - started


@pytest.mark.parametrize("index", range(len(BAD_SETTINGS)), ids=[bad for bad, _ in BAD_SETTINGS])
def test_a_bad_setting_shows_a_message_before_computing(session, index):
    shown = session[0][index]
    assert BAD_SETTINGS[index][1] in shown
    # Nothing was computed: the engine tells the progress of anything long, and nothing panicked.
    assert "gradflow:" not in shown and "panicked" not in shown


def test_the_kernel_keeps_its_variables_after_bad_settings(session):
    shown, seconds = session
    assert shown[-1].startswith("with shortcut, at initialisation: loss 0.49"), shown[-1]
    print(f"the session with {len(BAD_SETTINGS)} bad settings ran in {seconds:.1f} s")


def summaries(cell):
    """The printed summary lines of a cell, by variant: {"without": [lines], "with": [lines]}."""
    lines = [line for line in text(cell).splitlines() if " shortcut, " in line]
    return {variant: [line for line in lines if line.startswith(f"{variant} shortcut")] for variant in ("without", "with")}


def number(pattern, line):
    match = re.search(pattern, line)
    assert match, f"{pattern!r} in {line!r}"
    return float(match.group(1))


def minima(line):
    return number(r"(\d+) local minim", line)


def spread(line):
    return number(r"to ([\d.e+-]+) (?:along|over)", line) / number(r"from ([\d.e+-]+) to", line)


def largest(line):
    return number(r"largest eigenvalue ([\d.e+-]+)", line)


def negative(line):
    """How many eigenvalues are negative: the printed share of the printed count."""
    return round(number(r"([\d.]+)% of the", line) / 100 * number(r"of the (\d+) eigenvalues", line))


def share(line):
    return number(r"([\d.]+)% of the", line)


def test_the_markdown_is_true_of_the_numbers(executed):
    """Each sentence of notebook 03's Markdown about its charts, checked on its printed lines."""
    nb = executed(LANDSCAPE_NOTEBOOK)
    # The line at initialisation: "about a factor of two" without, "more than a hundredfold" with.
    line = summaries(cell_containing(nb, "let line ="))
    assert 1.5 < spread(line["without"][0]) < 3 and spread(line["with"][0]) > 100
    # After training: one bowl with shortcuts, whose lowest point is the weights; five local
    # minima without (the seed's network), seven without for nine Tanh layers.
    trained = summaries(cell_containing(nb, "let trained ="))
    deeper = summaries(cell_containing(nb, "let deeper ="))
    assert [minima(trained["with"][0]), minima(trained["without"][0])] == [1, 5]
    assert [minima(deeper["with"][0]), minima(deeper["without"][0])] == [1, 7]
    assert "loss 0.01984 at the weights, from 0.01984 to" in trained["with"][0]
    # The seed's network along training: 14 and 16 of 52 negative at initialisation, 12 and 8
    # after 300 steps; the share with shortcuts falls at every step, without it stays put from
    # step 25; the sharpness 14.6 falling to 9.2 and staying below 10 with, near 2.2 without.
    curvature = summaries(cell_containing(nb, "let curvature ="))
    without, with_ = curvature["without"], curvature["with"]
    assert [negative(without[0]), negative(with_[0])] == [14, 16]
    assert [negative(without[-1]), negative(with_[-1])] == [12, 8]
    shares = [share(measured) for measured in with_]
    assert shares == sorted(shares, reverse=True) and len(set(shares)) == len(shares), shares
    assert len({share(measured) for measured in without[1:]}) == 1
    assert [round(share(with_[0])), round(share(with_[-1])), round(share(without[-1]))] == [31, 15, 23]
    assert round(largest(with_[0]), 1) == 14.6 and round(largest(with_[1]), 1) == 9.2
    assert all(largest(measured) < 10 for measured in with_[1:])
    assert all(2.1 < largest(measured) < 2.4 for measured in without), without
    # Power iteration agrees with the whole spectrum, within PyHessian's tolerance.
    for measured in without + with_:
        power = number(r"power iteration: ([\d.e+-]+)", measured)
        assert abs(power - largest(measured)) <= 1e-3 * largest(measured), measured
    # Nine Tanh layers after training: 121 of 585 negative with shortcuts against 17 without,
    # the lowest -0.02 against a largest of 8.1.
    deeper_curvature = summaries(cell_containing(nb, "let deeper_curvature ="))
    trained_with, trained_without = deeper_curvature["with"][-1], deeper_curvature["without"][-1]
    assert [negative(trained_with), negative(trained_without)] == [121, 17]
    assert "(lowest -0.01979)" in trained_with and round(largest(trained_with), 1) == 8.1
    # The cell's own model is the seed's network with shortcuts: the engine's numbers.
    assert summaries(cell_containing(nb, "let own_line ="))["with"] == line["with"]
    assert summaries(cell_containing(nb, "let own_curvature ="))["with"] == with_[:1]
