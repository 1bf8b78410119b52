"""ARCHITECTURE.md's invariants, read from the source and from cargo.

- The notebooks' crate (`crates/gradflow`) has no dependencies at all: no tch, no plotters in
  the graph evcxr compiles every cell against. Its modules are layered: plain data (and the
  encoding) → the protocol (the requests) → the client (and the socket it connects by) → the
  handles and experiments, which ask the engine through the client. Plain data never reaches
  the protocol or the client; the protocol names plain data only.
- In both crates dependencies point one way: no module imports one that imports it back. In the
  engine charts never touch tch or a computing module, and the network and its experiments
  never reach the server that answers with them.

And the tests' own: a test module imports shared helpers, never another test module.
"""

import ast
import functools
import re
import subprocess
from collections import defaultdict, namedtuple

import pytest
from graphlib import CycleError, TopologicalSorter

from conftest import ROOT

LIGHT = ROOT / "crates/gradflow/src"
ENGINE = ROOT / "crates/gradflow-engine/src"
# The light crate's layers, bottom up. Plain data (and the encoding it crosses the boundary in):
# nothing here may ask the engine for anything, nor name a request.
PLAIN = {"settings", "results", "repr", "limits", "error", "wire"}
# Every request, its kind and the protocol's version: plain data only.
PROTOCOL = "protocol"
# The one client of the engine (`ask`, `Handle`), and where it finds the engine's socket.
CLIENT, SOCKET = "client", "socket"
# The handles and experiments: the only modules that ask the engine, all through the client.
ASKING = {"tensor", "nn", "network", "sweep", "train", "explore", "landscape", "hessian", "chart"}
# What each layer may import; `lib`, the root, re-exports from any but the socket.
MAY_IMPORT = {
    **{module: PLAIN for module in PLAIN},
    PROTOCOL: PLAIN,
    SOCKET: PLAIN,
    CLIENT: PLAIN | {PROTOCOL, SOCKET},
    **{module: PLAIN | {PROTOCOL, CLIENT} | ASKING for module in ASKING},
    "lib": PLAIN | {PROTOCOL, CLIENT} | ASKING,
}

# The engine's modules that compute with libtorch (the network, its experiments, and the
# server's answers to tensor, model and experiment requests), and its server: the modules that
# hold the values notebooks hold handles to, answer requests, or take the command line.
COMPUTING = {"network", "sweep", "train", "explore", "landscape", "hessian", "tensors", "models", "experiments"}
SERVER = {"serve", "store", "tensors", "models", "experiments", "peer", "cli"}
# What computes and what draws, on top of which the server sits.
EXPERIMENTS = {"network", "sweep", "train", "explore", "landscape", "hessian", "chart"}


# The crates' source, read as the compiler resolves its paths: each `use` and each path that
# starts at `crate`, `self` or `super` leads to the module that defines what it names, through
# any re-exports (`pub use`) on the way, so `use crate::GradientReport` is an edge to `results`.

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*)
  | (?P<block>/\*)
  | (?P<raw>b?r(?P<hashes>\#*)")
  | (?P<string>b?"(?:\\.|[^"\\])*")
  | (?P<char>b?'(?:\\(?:u\{[0-9a-fA-F]*\}|x[0-9a-fA-F]{2}|.)|[^'\\\n])')
  | (?P<lifetime>'\w+)
  | (?P<word>\$?(?:r\#)?[^\W\d]\w*)
  | (?P<number>\d\w*)
  | (?P<path>::)
  | (?P<punct>.)
""", re.X | re.S)
LITERAL = '"…"'
# What declares an item that a path can lead to, beside `mod`.
ITEMS = {"fn", "struct", "enum", "union", "trait", "type", "const", "static"}
KEYWORDS = ITEMS | {"mod", "use", "pub", "crate", "self", "super", "mut", "unsafe", "async", "extern", "impl"}
# A path's result: the module that defines the item, EXTERNAL for another crate's, or Missing.
EXTERNAL = "another crate"
Missing = namedtuple("Missing", "module")


class Token(str):
    """A token that knows its line, for the messages."""

    def __new__(cls, text, line):
        token = super().__new__(cls, text)
        token.line = line
        return token


def tokens(text):
    """The code's tokens, without comments; every literal as one LITERAL, so no text in a string
    or a comment reads as a path. Each token knows its line (`.line`)."""
    found, at, line, counted = [], 0, 1, 0
    while at < len(text):
        line, counted = line + text.count("\n", counted, at), at
        match = TOKEN.match(text, at)
        kind, at = match.lastgroup, match.end()
        if kind == "block":  # block comments nest
            depth = 1
            while depth:
                end = re.compile(r"/\*|\*/").search(text, at)
                if not end:
                    return found
                depth, at = depth + (1 if end.group() == "/*" else -1), end.end()
        elif kind == "raw":
            end = text.find('"' + match.group("hashes"), at)
            at = len(text) if end < 0 else end + 1 + len(match.group("hashes"))
            found.append(Token(LITERAL, line))
        elif kind in ("string", "char", "number"):
            found.append(Token(LITERAL, line))
        elif kind == "word":
            found.append(Token(match.group().removeprefix("r#"), line))
        elif kind in ("path", "punct"):
            found.append(Token(match.group(), line))
    return found


def use_tree(code, at, prefix):
    """A `use` tree from code[at]: ([(name bound or None, path, whether a glob)], where it ends).
    Braces nest; `self` in braces names the path before them; `as` renames."""
    path = list(prefix)
    if code[at] == "::":
        path, at = path + ["::"], at + 1
    while True:
        if code[at] == "{":
            trees, at = [], at + 1
            while code[at] != "}":
                tree, at = use_tree(code, at, path)
                trees += tree
                if code[at] == ",":
                    at += 1
                elif code[at] != "}":
                    raise SyntaxError(f"{code[at]!r} in a use tree")
            return trees, at + 1
        if code[at] == "*":
            return [(None, path, True)], at + 1
        if not re.fullmatch(r"\$?[^\W\d]\w*", code[at]):
            raise SyntaxError(f"{code[at]!r} in a use tree")
        path.append(code[at])
        at += 1
        if code[at] != "::":
            break
        at += 1
    if path[-1] == "self":
        path.pop()
    name = path[-1] if path else None
    if code[at] == "as":
        name, at = code[at + 1], at + 2
    return [(None if name == "_" else name, path, False)], at


class Crate:
    """A crate's modules, what each defines and imports, and every path its code names."""

    def __init__(self, src):
        self.modules, self.defs, self.uses = {()}, defaultdict(set), defaultdict(dict)
        self.globs, self.paths = defaultdict(list), []  # paths: (file, line, module, path)
        for path in sorted(src.rglob("*.rs")):
            parts = path.relative_to(src).with_suffix("").parts
            if parts[0] in ("bin", "main"):  # another crate's root
                continue
            module = parts[:-1] if parts[-1] in ("lib", "mod") else parts
            self.modules |= {module[:n] for n in range(len(module) + 1)}
            self.read(path, module, tokens(path.read_text()))

    def read(self, file, module, code):
        code = code + [";"] * 3  # no look-ahead runs off the end
        # The blocks open here: a module's name, or None for any other block (fn, impl, macro).
        blocks, item_start, at = [], 0, 0
        while at < len(code) - 3:
            token, scope = code[at], module + tuple(b for b in blocks if b)
            at_item = None not in blocks
            if token == "pub" and code[at + 1] == "(":  # pub(crate), pub(in crate::a): no path
                at = code.index(")", at) + 1
                continue
            if token == "{":
                blocks.append(code[at - 1] if code[at - 2] == "mod" and at_item else None)
            elif token == "}":
                blocks and blocks.pop()
            if token in (";", "{", "}"):
                item_start = at + 1
            elif token == "use":
                try:
                    trees, end = use_tree(code, at + 1, [])
                except (SyntaxError, IndexError) as error:
                    if at_item:
                        raise SyntaxError(f"{file.name}: a `use` the reader cannot read ({error})") from error
                    trees, end = None, at + 1  # a macro's template: its paths are read one by one
                if trees is not None and code[end] == ";":
                    for name, path, glob in trees:
                        self.paths.append((file, code[at].line, scope, path))
                        if at_item and glob:
                            self.globs[scope].append((scope, path))
                        elif at_item and name:
                            self.uses[scope][name] = (scope, path)
                    at = end
                    continue
            elif at_item and token in ITEMS | {"mod"}:
                name = code[at + 2] if code[at + 1] == "mut" else code[at + 1]  # static mut
                if re.fullmatch(r"[^\W\d]\w*", name) and name not in KEYWORDS:
                    if token == "mod":
                        self.modules.add(scope + (name,))
                    else:
                        self.defs[scope].add(name)
            elif at_item and token == "macro_rules" and code[at + 1] == "!":
                self.defs[scope].add(code[at + 2])
                if "macro_export" in code[item_start:at]:  # a macro the crate's root names
                    self.uses[()][code[at + 2]] = (scope, ["self", code[at + 2]])
            elif token in ("crate", "$crate", "self", "super") and code[at + 1] == "::" \
                    and code[at - 1] != "::":
                path, line = [token], token.line
                while code[at + 1] == "::" and re.fullmatch(r"\$?[^\W\d]\w*", code[at + 2]):
                    path.append(code[at + 2])
                    at += 2
                if len(path) > 1:  # not `$crate::{…}` in a macro's template, say
                    self.paths.append((file, line, scope, path))
            at += 1

    def resolve(self, scope, path, seen=frozenset()):
        """Where `path`, written in module `scope`, leads: the module that defines it, EXTERNAL,
        or Missing(the module where it stopped)."""
        if not path:
            return scope
        first = path[0]
        if first in ("crate", "$crate"):
            return self.walk((), path[1:], seen)
        if first == "::":
            return EXTERNAL
        if first in ("self", "super"):
            while path and path[0] in ("self", "super"):
                scope, path = (scope[:-1] if path[0] == "super" else scope), path[1:]
            return self.walk(scope, path, seen)
        # A name in scope (a module, an item or an import, as the 2018 edition reads paths),
        # else one that a glob brings in, else another crate's (std, plotters, gradflow).
        if scope + (first,) in self.modules or first in self.defs[scope] or first in self.uses[scope]:
            return self.walk(scope, path, seen)
        found = self.through_globs(scope, path, seen)
        return EXTERNAL if isinstance(found, Missing) else found

    def walk(self, module, path, seen):
        for at, name in enumerate(path):
            if module + (name,) in self.modules:
                module += (name,)
            elif name in self.defs[module]:
                return module
            elif name in self.uses[module]:
                if (module, name) in seen:  # imports that lead round in a circle name nothing
                    return Missing(module)
                scope, target = self.uses[module][name]
                return self.resolve(scope, target + path[at + 1:], seen | {(module, name)})
            else:
                found = self.through_globs(module, path[at:], seen)
                return Missing(module) if isinstance(found, Missing) else found
        return module

    def through_globs(self, module, path, seen):
        """Where `path` leads from one of the modules that `module` imports with `*`."""
        for scope, prefix in self.globs[module]:
            key = (scope, tuple(prefix))
            source = None if key in seen else self.resolve(scope, prefix, seen | {key})
            if isinstance(source, tuple):  # a module of this crate (not a prelude of another's)
                found = self.walk(source, path, seen | {key})
                if not isinstance(found, Missing):
                    return found
        return Missing(module)


def top(module):
    """The top-level module that `module` lies in: `chart` for chart::bars, `lib` for the root."""
    return module[0] if module else "lib"


@functools.cache
def imports(src):
    """The crate's top-level modules (and `lib`, its root), each with those it imports (what its
    paths lead to, re-exports resolved), and each import with where it is written ("file:line").
    lib.rs's re-exports are its own imports; a module that imports a re-export imports the
    module that defines the item, not lib."""
    crate = Crate(src)
    modules = {top(module): set() for module in crate.modules if len(module) <= 1}
    written = defaultdict(list)
    for file, line, scope, path in crate.paths:
        found = crate.resolve(scope, path)
        if found == EXTERNAL:
            continue
        if isinstance(found, Missing):
            if not found.module:
                raise LookupError(f"{file.name} names {'::'.join(path)}, which the crate's root neither "
                                  "defines nor re-exports (or the reader misses how)")
            found = found.module  # an item the reader does not see, such as a macro's
        modules[top(scope)].add(top(found))
        written[top(scope), top(found)].append(f"{file.relative_to(src.parent)}:{line} ({'::'.join(path)})")
    return {module: deps - {module} for module, deps in modules.items()}, written


def graph(src):
    """The crate's top-level modules, each with those it imports (`imports`, without where)."""
    return imports(src)[0]


def reach(modules, start):
    """Every module that `start` imports, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for module in modules[todo.pop()] - seen:
            seen.add(module)
            todo.append(module)
    return seen


def route(modules, start, goals):
    """The shortest chain of imports by which `start` reaches one of `goals`: [start, …, goal],
    or None."""
    came, todo = {start: None}, [start]
    while todo:
        module = todo.pop(0)
        for next_ in sorted(modules[module] - set(came)):
            came[next_] = module
            if next_ in goals:
                path = [next_]
                while came[path[-1]] is not None:
                    path.append(came[path[-1]])
                return path[::-1]
            todo.append(next_)
    return None


def where(written, module, imported):
    """Where `module` imports each of `imported`, for a message: each line once."""
    places = {}
    for other in sorted(imported):
        for place in written[module, other]:
            places.setdefault(place.split(" ")[0], place)
    return "; ".join(places.values())


def climbs(modules, written, start, forbidden):
    """How `start` reaches a module of `forbidden`, directly or through others, with where each
    import on the way is written; None where it reaches none."""
    steps = route(modules, start, forbidden)
    return steps and f"{' → '.join(steps)}: " + "; ".join(
        where(written, a, {b}) for a, b in zip(steps, steps[1:]))


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


def test_every_module_of_the_notebooks_crate_has_its_layer():
    """A new module is placed in a layer here, so that what it may import is decided."""
    assert set(graph(LIGHT)) == set(MAY_IMPORT)


@pytest.mark.parametrize("module", sorted(MAY_IMPORT))
def test_each_module_imports_only_from_its_layer_and_below(module):
    """Plain data imports plain data; the protocol, plain data; the client, those and its
    socket; the handles and experiments ask through the client, never through the socket."""
    modules, written = imports(LIGHT)
    wrong = modules[module] - MAY_IMPORT[module]
    assert not wrong, f"{module} imports {sorted(wrong)}: {where(written, module, wrong)}"


@pytest.mark.parametrize("module", sorted(PLAIN | {PROTOCOL}))
def test_plain_data_and_the_protocol_do_not_ask_the_engine(module):
    """Not even through another module: neither reaches the client, its socket or a module that
    asks the engine; plain data does not reach the protocol either."""
    modules, written = imports(LIGHT)
    above = {CLIENT, SOCKET} | ASKING | ({PROTOCOL} if module in PLAIN else set())
    found = climbs(modules, written, module, above)
    assert found is None, found


def test_only_the_client_connects():
    modules, written = imports(LIGHT)
    users = {module for module, deps in modules.items() if SOCKET in deps}
    assert users == {CLIENT}, f"{sorted(users - {CLIENT})} import the socket: " + "; ".join(
        where(written, module, {SOCKET}) for module in sorted(users - {CLIENT}))
    askers = {module for module, deps in modules.items() if CLIENT in deps}
    assert askers <= ASKING, f"{sorted(askers - ASKING)} ask the engine: " + "; ".join(
        where(written, module, {CLIENT}) for module in sorted(askers - ASKING))


def cycle(modules):
    """An import cycle among `modules` (module → modules it imports), or None."""
    try:
        list(TopologicalSorter(modules).static_order())
    except CycleError as found:
        return found.args[1]
    return None


@pytest.mark.parametrize("src, expected", [
    (LIGHT, PLAIN | {PROTOCOL, CLIENT, SOCKET} | ASKING),
    (ENGINE, COMPUTING | SERVER | EXPERIMENTS),
], ids=["notebooks' crate", "engine"])
def test_no_module_imports_one_that_imports_it_back(src, expected):
    modules, written = imports(src)
    assert expected <= set(modules), f"the test misses how {sorted(expected - set(modules))} moved"
    found = cycle(modules)
    assert found is None, f"an import cycle: {' → '.join(found[::-1])}: " + "; ".join(
        where(written, a, {b}) for a, b in zip(found[::-1], found[-2::-1]))


def uses_tch(src):
    """The engine's top-level modules whose code names tch."""
    return {top(path.relative_to(src).with_suffix("").parts[:1]) for path in src.rglob("*.rs")
            if re.search(r"\btch\b", " ".join(tokens(path.read_text())))}


def test_charts_do_not_compute():
    """Not even through another module: chart reaches no computing module, no server module,
    and no module that names tch but error (which only converts tch's errors)."""
    modules, written = imports(ENGINE)
    assert "network" in uses_tch(ENGINE) and "chart" not in uses_tch(ENGINE) | COMPUTING
    found = climbs(modules, written, "chart", COMPUTING | SERVER | uses_tch(ENGINE) - {"error"})
    assert found is None, f"chart computes: {found}"
    for path in (ENGINE / "chart").rglob("*.rs"):
        assert not re.search(r"\btch\b", " ".join(tokens(path.read_text()))), f"{path.name} uses tch"


@pytest.mark.parametrize("module", sorted(EXPERIMENTS))
def test_the_network_and_its_experiments_do_not_reach_the_server(module):
    """The server and the command line sit on top of them all: the network, the experiments and
    the charts reach none of the modules that hold values or answer requests."""
    modules, written = imports(ENGINE)
    found = climbs(modules, written, module, SERVER)
    assert found is None, found


def crate(src, files):
    """The graph of a crate whose src folder holds `files` (its path in src → its text)."""
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    return graph(src)


ERROR = {"error.rs": "pub enum Error {}\npub type Result<T> = std::result::Result<T, Error>;\n"}


def test_the_cycle_check_reads_a_cycle_from_the_source(tmp_path):
    """What the old notebooks' crate had: a client that names every config, and configs that
    call the client, in files laid out as a crate's (a folder module among them)."""
    modules = crate(tmp_path, {
        "lib.rs": "pub mod engine;\npub mod sweep;\npub mod chart;\nmod error;\npub use error::{Error, Result};\n",
        "engine.rs": "use crate::sweep::SweepConfig;\nuse crate::{Error, Result};\n",
        "sweep.rs": "use crate::engine::{self, Request};\n",
        "chart/mod.rs": "use crate::{engine, sweep::Sweep};\n",
        **ERROR,
    })
    assert modules == {"engine": {"sweep", "error"}, "sweep": {"engine"}, "chart": {"engine", "sweep"},
                       "error": set(), "lib": {"error"}}
    assert set(cycle(modules)) == {"engine", "sweep"}


def test_an_import_of_a_reexport_leads_to_the_module_that_defines_it(tmp_path):
    """`crate::GradientReport` is results' (lib.rs re-exports it), under any name and in any
    form a `use` takes: braces nested, `self`, `as`, over several lines, or a path in code."""
    modules = crate(tmp_path, {
        "lib.rs": "pub mod chart;\npub mod results;\npub mod settings;\npub mod network;\nmod error;\n"
                  "pub use error::{Error, Result};\npub use results::{GradientReport as Report, LayerGradient};\n"
                  "pub use settings::*;\n",
        "results.rs": "pub struct GradientReport;\npub struct LayerGradient;\n",
        "settings.rs": "pub enum Shortcut { On, Off }\n",
        "network.rs": "pub const SEED: u64 = 123;\n",
        "chart.rs": "use crate::{\n    Report as Shown, // the re-export's own new name\n    Result,\n"
                    "    network::{self as net, SEED},\n};\n"
                    "fn legend() -> crate::Shortcut { crate::Shortcut::On }\n"
                    "fn layers() -> Vec<crate::LayerGradient> { vec![] }\n",
        **ERROR,
    })
    assert modules["chart"] == {"results", "error", "network", "settings"}
    assert "lib" not in modules["chart"], "an import of a re-export is no import of the crate's root"
    assert modules["lib"] == {"results", "error", "settings"}


def test_a_cycle_behind_a_reexport_is_found(tmp_path):
    """The client names a config only by its re-export, the config calls the client: the old
    reader, which took lowercase names only, saw no cycle here."""
    modules = crate(tmp_path, {
        "lib.rs": "pub mod client;\npub mod sweep;\npub use sweep::SweepConfig;\npub use client::ask;\n",
        "client.rs": "use crate::SweepConfig;\npub fn ask() {}\n",
        "sweep.rs": "pub struct SweepConfig;\nfn run() { crate::ask() }\n",
    })
    assert modules["client"] == {"sweep"} and modules["sweep"] == {"client"}
    assert set(cycle(modules)) == {"client", "sweep"}


def test_reexports_chain_through_modules_and_globs(tmp_path):
    """A module's own `pub use` and `pub(crate) use` (a macro's among them), a glob, and a
    re-export of a re-export all lead to where the item is defined."""
    modules = crate(tmp_path, {
        "lib.rs": "pub mod limits;\npub mod explore;\npub mod sweep;\npub mod wire;\npub mod prelude;\n"
                  "pub use explore::MAX_LAYERS as LIMIT;\n",
        "limits.rs": "pub const MAX_LAYERS: usize = 64;\n",
        "explore.rs": "pub use crate::limits::MAX_LAYERS;\n",
        "wire.rs": "#[macro_export]\nmacro_rules! wire_struct { () => { $crate::wire::put() } }\n"
                   "macro_rules! wire_enum { () => {} }\npub(crate) use {wire_enum, wire_struct as structure};\n"
                   "pub fn put() {}\n",
        "prelude.rs": "pub use crate::wire::*;\n",
        "sweep.rs": "use crate::LIMIT;\nuse crate::prelude::{put, structure};\nuse crate::wire_struct;\n"
                    "const DEEPEST: usize = crate::explore::MAX_LAYERS;\n",
    })
    assert modules["sweep"] == {"limits", "wire"}
    assert modules["explore"] == {"limits"} and modules["prelude"] == {"wire"}


def test_only_code_is_read(tmp_path):
    """Comments, doc links, strings and visibilities name no import; `self` and `super` stay in
    their module, inline test modules included; another crate's paths are no edge."""
    modules = crate(tmp_path, {
        "lib.rs": "pub mod nn;\npub mod wire;\npub mod engine;\npub mod sweep;\npub mod chart;\n"
                  "pub use gradflow::{results, Svg};\n",
        "nn.rs": "/// Drawn by [`crate::chart::bars`].\nuse crate::wire; // not crate::engine\n"
                 "/* a block /* nested */ crate::sweep */\n"
                 "const NOT: &str = \"crate::engine\";\nconst RAW: &str = r#\"use crate::sweep;\"#;\n"
                 "pub(in crate::nn) fn f<'a>(c: char) -> bool { c == '\"' }\n"
                 "use crate::results::GradientReport;\nuse crate::Svg;\nuse std::fmt;\n"
                 "mod tests {\n    use super::*;\n    use super::super::wire::Id;\n}\n",
        "wire.rs": "pub struct Id;\n",
        "engine.rs": "", "sweep.rs": "", "chart.rs": "pub fn bars() {}\n",
    })
    assert modules["nn"] == {"wire"}


def test_plain_data_that_reaches_the_client_through_others_is_found_and_placed(tmp_path):
    """Settings names a request only by lib's re-export, and the protocol names the client: no
    direct import of settings is the client's, yet settings reaches it, and the message says
    where each import on the way is written."""
    src = tmp_path / "src"
    crate(src, {
        "lib.rs": "pub mod settings;\npub mod protocol;\npub mod client;\npub use protocol::Sweep;\n",
        "settings.rs": "pub struct SweepConfig;\n\nimpl SweepConfig {\n    fn request(&self) -> crate::Sweep {\n"
                       "        crate::Sweep\n    }\n}\n",
        "protocol.rs": "use crate::client::ask;\npub struct Sweep;\n",
        "client.rs": "pub fn ask() {}\n",
    })
    modules, written = imports(src)
    assert modules["settings"] == {"protocol"}
    assert climbs(modules, written, "settings", {CLIENT}) == (
        "settings → protocol → client: src/settings.rs:4 (crate::Sweep); src/settings.rs:5 (crate::Sweep); "
        "src/protocol.rs:1 (crate::client::ask)")
    assert climbs(modules, written, "settings", {"protocol", CLIENT}).startswith("settings → protocol: ")
    assert climbs(modules, written, "client", {"settings"}) is None


def test_a_path_the_root_does_not_hold_fails_the_reader(tmp_path):
    """The reader says so, rather than drop an edge it cannot see."""
    with pytest.raises(LookupError, match="Missing"):
        crate(tmp_path, {"lib.rs": "pub mod a;\n", "a.rs": "use crate::Missing;\n"})


def test_an_item_of_the_root_itself_is_an_edge_to_lib(tmp_path):
    """lib.rs re-exports from `a` while `a` uses a function that lib.rs defines: a cycle."""
    modules = crate(tmp_path, {
        "lib.rs": "pub mod a;\npub use a::A;\npub fn helper() {}\n",
        "a.rs": "pub struct A;\nfn f() { crate::helper() }\n",
    })
    assert modules == {"a": {"lib"}, "lib": {"a"}}
    assert set(cycle(modules)) == {"a", "lib"}


TESTS = ROOT / "tests"


def test_modules_import_shared_helpers_not_other_test_modules():
    """A test module imports what it shares from a helper (conftest, outputs, kernels, …), so
    that running one test file never collects another's tests."""
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.split(".")[0].startswith("test_"), \
                    f"{path.name}:{node.lineno} imports {name}; move what it shares into a helper module"
