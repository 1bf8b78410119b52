"""ARCHITECTURE.md's invariants, read from the source: dependencies inside the gradflow crate
point one way (network → results → charts), and plain data and charts never touch tch."""

import re
from graphlib import CycleError, TopologicalSorter

from conftest import ROOT

SRC = ROOT / "crates/gradflow/src"
# Modules of plain data and the charts that read them: no tch, no computing module.
PLAIN = {"settings", "results", "chart", "repr"}
COMPUTING = {"network", "sweep", "train"}


def module_of(path):
    """`chart` for src/chart/bars.rs, `network` for src/network.rs."""
    parts = path.relative_to(SRC).with_suffix("").parts
    return parts[0] if parts[0] not in ("lib", "bin") else None


def imports(text):
    """The crate's top-level modules that `text` names through `crate::…`, braces included."""
    named = set()
    for path in re.findall(r"crate::(\{[^}]*\}|\w+)", text):
        named |= set(re.findall(r"\b([a-z_]+)\b", path))
    return named


def graph():
    modules = {}
    for path in SRC.rglob("*.rs"):
        module = module_of(path)
        if module:
            modules.setdefault(module, set()).update(imports(path.read_text()))
    known = set(modules)
    return {module: (deps & known) - {module} for module, deps in modules.items()}


def test_no_module_imports_one_that_imports_it_back():
    modules = graph()
    assert {"network", "results", "chart", "sweep", "train"} <= set(modules)
    try:
        list(TopologicalSorter(modules).static_order())
    except CycleError as cycle:
        raise AssertionError(f"an import cycle: {cycle.args[1]}") from None


def test_plain_data_and_charts_do_not_compute():
    modules = graph()
    for module in PLAIN:
        assert not modules[module] & COMPUTING, f"{module} imports {modules[module] & COMPUTING}"
    for path in SRC.rglob("*.rs"):
        if module_of(path) in PLAIN:
            assert not re.search(r"\btch::", path.read_text()), f"{path.name} uses tch"


def test_the_cycle_check_can_fail():
    cyclic = {"chart": {"results"}, "results": {"network"}, "network": {"chart"}}
    try:
        list(TopologicalSorter(cyclic).static_order())
    except CycleError:
        return
    raise AssertionError("a cycle went unnoticed")


def test_imports_read_braces_and_paths():
    assert imports("use crate::{chart, Error, Result};\nuse crate::network::DeepNetwork;") == {
        "chart", "network"}
