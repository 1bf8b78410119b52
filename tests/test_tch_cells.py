"""The notebooks' tch-spelled cells compile against real tch 0.26, unchanged.

Notebook 01's `print_gradients`, notebook 02's architecture cell (`ExampleDeepNeuralNetwork`)
and its `print_gradients` are read from the notebooks, found by what they contain, and written
verbatim into a scratch crate under target/tch-cells that depends on tch alone; only the
notebooks' `use gradflow::…` lines are rewritten, each name to tch's item of that name or to
`ours` below (whose extension traits are brought in too). `ours` holds what those cells use
that is gradflow's own and that a tch program lacks: it is the list of differences from tch,
each item saying what tch writes instead. A cell that uses anything else of gradflow's does not
compile here, and the test shows the compiler's error with the cell it came from.

It builds with the workspace's Cargo.lock, profiles, libtorch and target folder, offline:
torch-sys, which `cargo test --release --workspace` built, is reused, and tch is compiled once
more for the scratch crate's dependency features (about 30 s on 2 cores; the first build on
an empty target folder, torch-sys's C++ included, about 3.5 minutes); after that, a second.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat

from conftest import EXPLORE_NOTEBOOK, ROOT, SEED_NOTEBOOK
from outputs import cell_containing

TCH = "=0.26.0"
# The scratch crates' folder, and where cargo builds them: where `cargo test --release --workspace`
# built tch and torch-sys (libtorch's C++ wrapper, minutes to compile), so that they are reused.
TARGET = ROOT / "target"
BUILD = ROOT / os.environ.get("CARGO_TARGET_DIR", "target")
# The cells, by a line of theirs; the `use gradflow::…` lines come from each notebook's `:dep` cell.
CELLS = {
    SEED_NOTEBOOK: ["fn print_gradients("],
    EXPLORE_NOTEBOOK: ["struct ExampleDeepNeuralNetwork {", "fn print_gradients("],
}

# gradflow's own items that the cells use and a tch program lacks: the differences from tch.
OURS = """\
//! What the notebooks' tch-spelled cells use that is gradflow's own: tch 0.26 has none of it.
//! Each item says what a tch program writes instead.
//!
//! One difference compiles the same and so is not here: gradflow's `nn::linear` draws its
//! weight and bias as PyTorch's `nn.Linear` does (`kaiming_uniform_(weight, a=sqrt(5))`, then
//! the bias), where tch's default `LinearConfig` draws the bias first, then the weight with
//! `Init::Kaiming { dist: Uniform, fan: FanIn, non_linearity: ReLU }` (bound sqrt(6 / fan_in)).
use tch::{nn, Tensor};

/// The seed's network, `DeepNetwork::builder(&layer_sizes)…build()?`. A tch program writes its
/// own, as notebook 02 does: a struct holding an `nn::VarStore` and its layers, `impl
/// nn::Module`. This stand-in has what `print_gradients` asks of it.
#[derive(Debug)]
pub struct DeepNetwork {
    vs: nn::VarStore,
    layers: nn::Sequential,
}

impl nn::Module for DeepNetwork {
    fn forward(&self, xs: &Tensor) -> Tensor {
        self.layers.forward(xs)
    }
}

impl DeepNetwork {
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.vs.named_parameters()
    }
}

/// `x.item()`, PyTorch's: the one value of a one-element tensor, which prints as Python prints
/// a float. tch writes `x.double_value(&[])` or `f64::try_from(&x)?`, an `f64`.
pub trait TensorItem {
    fn item(&self) -> f64;
}

impl TensorItem for Tensor {
    fn item(&self) -> f64 {
        self.double_value(&[])
    }
}

/// `vs.named_parameters()`, PyTorch's `model.named_parameters()`: every parameter with its
/// name, in the order they were made. tch writes `vs.variables()`, a `HashMap<String, Tensor>`
/// in no order.
pub trait VarStoreNamedParameters {
    fn named_parameters(&self) -> Vec<(String, Tensor)>;
}

impl VarStoreNamedParameters for nn::VarStore {
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut named: Vec<_> = self.variables().into_iter().collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        named
    }
}
"""

# A tch program's top-level items, from tch's src/lib.rs.
PUBLIC_ITEM = re.compile(r"^\s*pub (?:mod|type|fn|struct|enum|trait|const|static) (\w+)", re.M)
PUBLIC_USE = re.compile(r"^\s*pub use ([^;]+);", re.M)


def use_tree(text):
    """The names that a `use` tree brings in, as (path, name): `nn::{self, Module}` gives
    (["nn"], "nn") and (["nn", "Module"], "Module")."""
    tokens = re.findall(r"\w+|::|[{},*]", text)
    leaves = []

    def tree(prefix):
        path = list(prefix)
        while True:
            token = tokens.pop(0)
            if token == "{":
                while tokens[0] != "}":
                    tree(path)
                    if tokens[0] == ",":
                        tokens.pop(0)
                tokens.pop(0)
                return
            path.append(token)
            if not tokens or tokens[0] != "::":
                break
            tokens.pop(0)
        if path[-1] == "self":
            path.pop()
        if tokens and tokens[0] == "as":
            tokens.pop(0)
            leaves.append((path, tokens.pop(0)))
        elif path[-1] != "*":
            leaves.append((path, path[-1]))

    tree([])
    assert not tokens, f"unread: {tokens} in {text!r}"
    return leaves


def tch_items(package):
    """The top-level names of the tch that `package` resolves to."""
    host = re.search(r"^host: (\S+)", subprocess.check_output(["rustc", "-vV"], text=True), re.M).group(1)
    # For this machine only: the other platforms' dependencies are not downloaded.
    run = cargo(package, "metadata", "--format-version", "1", "--filter-platform", host)
    assert run.returncode == 0, run.stderr
    metadata = json.loads(run.stdout)
    tch = next(p for p in metadata["packages"] if p["name"] == "tch")
    text = (Path(tch["manifest_path"]).parent / "src" / "lib.rs").read_text()
    names = set(PUBLIC_ITEM.findall(text))
    for tree in PUBLIC_USE.findall(text):
        names |= {name for _, name in use_tree(tree)}
    return names


def rewrite_uses(lines, ours, tch):
    """The notebook's `use gradflow::…` lines for a tch program: each name from `ours` if it is
    there, else from tch if tch has it; gradflow's other names (its charts, explorer, sweeps, …)
    are left out, so that a cell using one fails to compile."""
    out, left_out = [], []
    for line in lines:
        out.append(f"// {line}")
        for path, name in use_tree(re.fullmatch(r"use gradflow::(.*);", line).group(1)):
            alias = "" if path[-1] == name else f" as {name}"
            if path[0] in ours:
                out.append(f"use crate::ours::{'::'.join(path)}{alias};")
            elif path[0] in tch:
                out.append(f"use tch::{'::'.join(path)}{alias};")
            else:
                left_out.append(name)
    if left_out:
        out.append(f"// gradflow's own, which tch lacks: {', '.join(left_out)}")
    return out


def module_name(notebook):
    return "notebook_" + notebook.name.split("-")[0]


def cargo(package, *args):
    """cargo in `package`, offline, building where the workspace builds. It finds the workspace's
    libtorch as the workspace's builds do: LIBTORCH, else .cargo/config.toml (the package is
    below it). Nothing is run, so nothing needs libtorch's libraries on LD_LIBRARY_PATH."""
    env = dict(os.environ, CARGO_TARGET_DIR=str(BUILD))
    return subprocess.run(["cargo", *args, "--offline"], cwd=package, env=env, capture_output=True, text=True)


def write_package(package, cells):
    """A crate depending on tch only: `ours`, then one module per notebook of `cells` ({notebook:
    [(cell id, source)]}). Returns {file: [(first line, last line, what)]} for the errors."""
    shutil.rmtree(package / "src", ignore_errors=True)
    (package / "src").mkdir(parents=True)
    workspace = (ROOT / "Cargo.toml").read_text()
    # The workspace's profiles, so that cargo reuses the workspace's builds of tch and torch-sys.
    profiles = "".join(re.findall(r"^\[profile\..*?(?=^\[(?!profile\.)|\Z)", workspace, re.M | re.S))
    (package / "Cargo.toml").write_text(
        f'[package]\nname = "{package.name}"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
        f'[dependencies]\ntch = "{TCH}"\n\n[workspace]\n\n{profiles.strip()}\n')
    # The workspace's versions of tch and all below it; cargo drops what tch does not need.
    shutil.copy(ROOT / "Cargo.lock", package / "Cargo.lock")
    (package / "src" / "lib.rs").write_text("")  # for `cargo metadata` until the modules are written
    (package / "src" / "ours.rs").write_text(OURS)
    ours = set(PUBLIC_ITEM.findall(OURS))
    tch = tch_items(package)
    assert not ours & tch, f"tch has these already; take them out of OURS: {ours & tch}"
    traits = re.findall(r"^pub trait (\w+)", OURS, re.M)
    lib = ["#![allow(unused_imports, dead_code)]", "mod ours;"]
    where = {}
    for notebook, sources in cells.items():
        nb = nbformat.read(notebook, as_version=4)
        dep = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(":dep"))
        uses = re.findall(r"^use gradflow::.*;$", dep.source, re.M)
        assert uses, f"no `use gradflow::…` line in {notebook.name}'s :dep cell"
        name = module_name(notebook)
        lines = [f"// {notebook.relative_to(ROOT)}, for tch: its `use` lines rewritten, its cells verbatim."]
        lines += rewrite_uses(uses, ours, tch)
        lines += [f"use crate::ours::{{{', '.join(t + ' as _' for t in traits)}}};"]
        spans = [(1, len(lines), f"{notebook.relative_to(ROOT)}: the `use` lines of its :dep cell")]
        for cell_id, source in sources:
            lines += ["", f"// cell {cell_id}"]
            first = len(lines) + 1
            lines += source.split("\n")
            spans.append((first, len(lines), f"{notebook.relative_to(ROOT)}, cell {cell_id}"))
        (package / "src" / f"{name}.rs").write_text("\n".join(lines) + "\n")
        where[f"src/{name}.rs"] = spans
        lib.append(f"mod {name};")
    (package / "src" / "lib.rs").write_text("\n".join(lib) + "\n")
    return where


def notebook_cells():
    cells = {}
    for notebook, snippets in CELLS.items():
        nb = nbformat.read(notebook, as_version=4)
        cells[notebook] = [(cell.id, cell.source) for cell in (cell_containing(nb, s) for s in snippets)]
    return cells


def build(package, where):
    """cargo's errors, each with the notebook cell and line it came from; none if it built."""
    run = cargo(package, "build", "--release", "--message-format=json")
    if run.returncode == 0:
        return []
    errors = []
    for line in run.stdout.splitlines():
        message = json.loads(line)
        diagnostic = message.get("message") or {}
        if message.get("reason") != "compiler-message" or diagnostic.get("level") != "error":
            continue
        text = diagnostic["rendered"]
        for span in diagnostic["spans"]:
            for first, last, what in where.get(span["file_name"], []):
                if span["is_primary"] and first <= span["line_start"] <= last:
                    source = (package / span["file_name"]).read_text().split("\n")[span["line_start"] - 1]
                    text += f"  from {what}, line {span['line_start'] - first + 1}: {source.strip()}\n"
        errors.append(text)
    return errors or [run.stderr[-4000:]]


def test_the_tch_spelled_cells_compile_against_tch():
    package = TARGET / "tch-cells"
    errors = build(package, write_package(package, notebook_cells()))
    assert not errors, (f"the notebooks' cells do not compile against tch {TCH} (the crate is in {package}); "
                        "remove the difference, or add it to OURS in tests/test_tch_cells.py:\n\n" + "\n".join(errors))


def test_a_cell_using_gradflows_own_method_fails_to_compile():
    """The test can fail: one gradflow-only call in notebook 01's `print_gradients`, reported
    with its cell and line."""
    cells = {SEED_NOTEBOOK: notebook_cells()[SEED_NOTEBOOK]}
    cell_id, source = cells[SEED_NOTEBOOK][0]
    fault = "    let report = model.gradient_report();"
    cells[SEED_NOTEBOOK] = [(cell_id, source.replace("\n", f"\n{fault}\n", 1))]
    package = TARGET / "tch-cells-fault"
    errors = build(package, write_package(package, cells))
    assert any("gradient_report" in e and f"cell {cell_id}, line 2: {fault.strip()}" in e for e in errors), errors


def test_use_lines_are_rewritten_for_tch():
    lines = ["use gradflow::nn::{self, Module};", "use gradflow::{chart, DeepNetwork, Kind, Tensor as T};"]
    assert rewrite_uses(lines, {"DeepNetwork"}, {"nn", "Kind", "Tensor"}) == [
        "// use gradflow::nn::{self, Module};", "use tch::nn;", "use tch::nn::Module;",
        "// use gradflow::{chart, DeepNetwork, Kind, Tensor as T};", "use crate::ours::DeepNetwork;",
        "use tch::Kind;", "use tch::Tensor as T;", "// gradflow's own, which tch lacks: chart",
    ]
