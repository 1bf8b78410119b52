"""ARCHITECTURE.md's invariants, read from the source and from cargo.

- The notebooks' crate (`crates/gradflow`) has no dependencies at all: no tch, no plotters in
  the graph evcxr compiles every cell against. Its plain data never names the engine's client.
- In both crates dependencies point one way: no module imports one that imports it back. In the
  engine charts never touch tch or a computing module.
"""

import re
import subprocess

import pytest
from graphlib import CycleError, TopologicalSorter

from conftest import ROOT

LIGHT = ROOT / "crates/gradflow/src"
ENGINE = ROOT / "crates/gradflow-engine/src"
# The engine's modules that compute with libtorch, and those that must not.
COMPUTING = {"network", "sweep", "train", "explore"}
# The light crate's plain data (and the encoding they cross the boundary in): nothing here may
# ask the engine for anything.
PLAIN = {"settings", "results", "repr", "limits", "error", "wire"}
CLIENT = {"engine", "socket", "tensor", "nn", "network", "sweep", "train", "explore", "chart"}


def module_of(src, path):
    """`chart` for src/chart/bars.rs, `network` for src/network.rs."""
    parts = path.relative_to(src).with_suffix("").parts
    return parts[0] if parts[0] not in ("lib", "bin") else None


def imports(text):
    """The crate's top-level modules that `text` names through `crate::…`, braces included, in
    its code (a link in a comment is no import)."""
    named = set()
    code = re.sub(r"//.*", "", text)
    for path in re.findall(r"crate::(\{[^}]*\}|\w+)", code):
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


def cycle(modules):
    """An import cycle among `modules` (module → modules it imports), or None."""
    try:
        list(TopologicalSorter(modules).static_order())
    except CycleError as found:
        return found.args[1]
    return None


@pytest.mark.parametrize("src, expected", [
    (LIGHT, {"engine", "wire", "tensor", "nn", "network", "sweep", "chart"}),
    (ENGINE, {"network", "chart", "sweep", "train", "explore", "serve", "store", "tensors"}),
], ids=["notebooks' crate", "engine"])
def test_no_module_imports_one_that_imports_it_back(src, expected):
    modules = graph(src)
    assert expected <= set(modules)
    assert cycle(modules) is None, f"an import cycle: {cycle(modules)}"


def test_charts_do_not_compute():
    modules = graph(ENGINE)
    assert not modules["chart"] & COMPUTING, f"chart imports {modules['chart'] & COMPUTING}"
    for path in (ENGINE / "chart").rglob("*.rs"):
        assert not re.search(r"\btch::", path.read_text()), f"{path.name} uses tch"


def test_the_cycle_check_reads_a_cycle_from_the_source(tmp_path):
    """What the old notebooks' crate had: a client that names every config, and configs that
    call the client, in files laid out as a crate's (a folder module among them)."""
    (tmp_path / "lib.rs").write_text("pub mod engine;\npub mod sweep;\npub mod chart;\n")
    (tmp_path / "engine.rs").write_text("use crate::sweep::SweepConfig;\nuse crate::{Error, Result};\n")
    (tmp_path / "sweep.rs").write_text("use crate::engine::{self, Request};\n")
    (tmp_path / "chart").mkdir()
    (tmp_path / "chart/mod.rs").write_text("use crate::{engine, sweep::Sweep};\n")
    modules = graph(tmp_path)
    assert modules == {"engine": {"sweep"}, "sweep": {"engine"}, "chart": {"engine", "sweep"}}
    assert set(cycle(modules)) == {"engine", "sweep"}


def test_imports_read_braces_and_paths():
    assert imports("use crate::{chart, Error, Result};\nuse crate::network::DeepNetwork;") == {
        "chart", "network"}
    assert imports("/// Drawn by [`crate::nn::linear`].\nuse crate::wire; // not crate::engine") == {"wire"}
