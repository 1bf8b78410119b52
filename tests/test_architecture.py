"""ARCHITECTURE.md's invariants, read from the source and from cargo.

- The notebooks' crate (`crates/gradflow`) has no dependencies at all: no tch, no plotters in
  the graph evcxr compiles every cell against. Its plain data never names the engine's client.
- In the engine (`crates/gradflow-engine`) dependencies point one way (network → results →
  charts), and charts never touch tch or a computing module.
"""

import re
import subprocess
from graphlib import CycleError, TopologicalSorter

from conftest import ROOT

LIGHT = ROOT / "crates/gradflow/src"
ENGINE = ROOT / "crates/gradflow-engine/src"
# The engine's modules that compute with libtorch, and those that must not.
COMPUTING = {"network", "sweep", "train", "explore"}
# The light crate's plain data: nothing here may ask the engine for anything.
PLAIN = {"settings", "results", "repr", "limits", "error"}
CLIENT = {"engine", "wire", "network", "sweep", "train", "explore", "chart"}


def module_of(src, path):
    """`chart` for src/chart/bars.rs, `network` for src/network.rs."""
    parts = path.relative_to(src).with_suffix("").parts
    return parts[0] if parts[0] not in ("lib", "bin") else None


def imports(text):
    """The crate's top-level modules that `text` names through `crate::…`, braces included."""
    named = set()
    for path in re.findall(r"crate::(\{[^}]*\}|\w+)", text):
        named |= set(re.findall(r"\b([a-z_]+)\b", path))
    return named


def graph(src):
    modules = {}
    for path in src.rglob("*.rs"):
        module = module_of(src, path)
        if module:
            modules.setdefault(module, set()).update(imports(path.read_text()))
    known = set(modules)
    return {module: (deps & known) - {module} for module, deps in modules.items()}


def test_the_notebooks_crate_depends_on_nothing():
    tree = subprocess.run(
        ["cargo", "tree", "--offline", "-p", "gradflow", "-e", "normal,build", "--prefix", "none"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\n")
    packages = {line.split()[0] for line in tree if line.strip()}
    assert packages == {"gradflow"}, f"the notebooks' crate depends on {packages - {'gradflow'}}"


def test_the_engine_is_what_links_libtorch():
    tree = subprocess.run(
        ["cargo", "tree", "--offline", "-p", "gradflow-engine", "-e", "normal", "--prefix", "none"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    assert re.search(r"^tch v", tree, re.M), "the dependency check reads cargo tree wrongly"


def test_plain_data_does_not_ask_the_engine():
    modules = graph(LIGHT)
    assert PLAIN | CLIENT <= set(modules)
    for module in PLAIN:
        assert not modules[module] & CLIENT, f"{module} imports {modules[module] & CLIENT}"


def test_no_engine_module_imports_one_that_imports_it_back():
    modules = graph(ENGINE)
    assert {"network", "chart", "sweep", "train", "explore", "serve"} <= set(modules)
    try:
        list(TopologicalSorter(modules).static_order())
    except CycleError as cycle:
        raise AssertionError(f"an import cycle: {cycle.args[1]}") from None


def test_charts_do_not_compute():
    modules = graph(ENGINE)
    assert not modules["chart"] & COMPUTING, f"chart imports {modules['chart'] & COMPUTING}"
    for path in (ENGINE / "chart").rglob("*.rs"):
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
