"""The comparisons of committed outputs tolerate the CPU's last digits, and nothing more: each
real change to a number or a chart is caught. Runs on the committed notebooks, no kernel."""

import re

import pytest

from conftest import SEED_NOTEBOOK
from outputs import (GRID_RELATIVE, cell_containing, chart_differences, explorer_grids, grid_differences, svgs,
                     text, text_differences)



@pytest.fixture(scope="module")
def seed(committed):
    return committed(SEED_NOTEBOOK)


def scale_numbers(text, factor, only=None):
    """The text with each long float (or only the `only`-th) multiplied by `factor`."""
    count = -1

    def scale(match):
        nonlocal count
        count += 1
        return repr(float(match.group()) * factor) if only in (None, count) else match.group()
    return re.sub(r"\d+\.\d{6,}(?:e-?\d+)?", scale, text)


def test_the_cpus_last_digits_are_tolerated(seed):
    lines = text(cell_containing(seed, "print_gradients(&model_with_shortcut"))
    # PyTorch 2.13 on an Intel Xeon prints 0.5557743906974792 where an AMD EPYC prints 0.5557742714881897;
    # the committed notebook holds one of them, whichever machine executed it last.
    amd, intel = "0.5557742714881897", "0.5557743906974792"
    other_cpu = lines.replace(amd, intel) if amd in lines else lines.replace(intel, amd)
    assert other_cpu != lines and not text_differences(other_cpu, lines)
    assert not text_differences(scale_numbers(lines, 1 + 3e-7), lines)


def test_a_changed_number_is_caught(seed):
    lines = text(cell_containing(seed, "print_gradients(&model_with_shortcut"))
    assert text_differences(scale_numbers(lines, 1 + 1e-5, only=2), lines)
    assert text_differences(lines.replace("layers.4", "layers.5"), lines)


def test_a_dropped_shortcut_is_caught(seed):
    without = text(cell_containing(seed, "a sign of vanishing gradients"))
    with_ = text(cell_containing(seed, "print_gradients(&model_with_shortcut"))
    assert text_differences(without, with_)
    chart_without = svgs(cell_containing(seed, "without.chart()"))[0]
    chart_with = svgs(cell_containing(seed, "with.chart()"))[0]
    assert chart_differences(chart_without, chart_with)


def test_a_changed_bar_or_label_is_caught(seed):
    chart = svgs(cell_containing(seed, "chart::compare(&without, &with)"))[0]
    bar = re.search(r'<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)" opacity="1" fill="#0072B2"', chart)
    assert bar, "a blue bar"
    taller = chart.replace(bar.group(0), bar.group(0).replace(f'y="{bar[2]}"', f'y="{int(bar[2]) - 6}"', 1), 1)
    assert chart_differences(taller, chart)
    assert chart_differences(chart.replace("\n0.556\n", "\n0.565\n", 1), chart)
    assert chart_differences(chart.replace("#0072B2", "#D55E00", 1), chart)
    assert not chart_differences(chart.replace("\n0.556\n", "\n0.557\n", 1), chart), "a last digit on a rounding boundary"


def test_an_explorer_grid_is_compared_beyond_the_cpus_digits(seed):
    (axes, means), = explorer_grids(cell_containing(seed, "ExplorerConfig::default().run()"))
    assert len(means) == 33792 and not grid_differences((axes, means), (axes, means))
    # Ten times the spread between this machine's libtorch code paths passes.
    assert not grid_differences((axes, [m * (1 + 1.2e-3) for m in means]), (axes, means))
    one_off, i = list(means), next(i for i, m in enumerate(means) if i >= 1000 and m > 0)
    one_off[i] *= 1 + 3 * GRID_RELATIVE
    assert grid_differences((axes, one_off), (axes, means)) == [f"mean {i}: {one_off[i]} against {means[i]}"]
    # Each setting's means read as the next one's, as when a variant or a layer goes missing.
    assert grid_differences((axes, means[1:] + means[:1]), (axes, means))
    assert grid_differences(({**axes, "depths": axes["depths"][:-1]}, means), (axes, means))
