"""evcxr as the kernel runs it, patched (scripts/evcxr/patches) or stock (GRADFLOW_EVCXR=stock):
what each patch changes keeps what evcxr does without it. The variables' types with and without
rust-analyzer, imports run again, a cell run again with new state, a `:dep` already in effect, a
type found only in `core::arch`, completions; and, with the patched kernel only, what it has done
before it answers and a broken start-up configuration that leaves a working kernel."""

import json
import os
import platform
import subprocess

import nbformat
import pytest

import notebooks
from conftest import ROOT, SEED_NOTEBOOK
from kernels import Kernel

[EVCXR, EVCXR_JUPYTER] = notebooks.pins("GRADFLOW_EVCXR", "EVCXR_JUPYTER")
patched_only = pytest.mark.skipif(EVCXR == "stock", reason="what the patched kernel does before it answers")


@pytest.fixture(scope="module")
def kernel():
    kernel = Kernel()
    yield kernel
    kernel.close()


def variables(kernel):
    """`:vars` as a dict of each variable's type."""
    lines = kernel.run(":vars").strip().splitlines()
    return dict(line.split(": ", 1) for line in lines)


# Each cell defines variables; what `:vars` then says of them. Explicit full types are taken as
# written (the patched evcxr does not ask rust-analyzer for them); the others are rust-analyzer's.
TYPED = [
    ("let typed: u64 = 7;", {"typed": "u64"}),
    ("let mut counted: Vec<(i32, String)> = Vec::new();", {"counted": "Vec<(i32, String)>"}),
    ("let inferred = vec![1u8, 2];", {"inferred": "Vec<u8>"}),
    ("let partly: Vec<_> = vec![1i64];", {"partly": "Vec<i64>"}),
    ("let (left, right) = (1u16, String::from(\"two\"));", {"left": "u16", "right": "String"}),
    ("let _ = 42;", {}),
    ("let both: i32 = 1;\nlet other = both as f64 / 2.0;", {"both": "i32", "other": "f64"}),
]


def test_variables_get_their_types_with_or_without_the_analysis(kernel):
    before = variables(kernel)
    for cell, types in TYPED:
        shown = kernel.run(cell)
        assert "error" not in shown.lower(), f"{cell}: {shown}"
        after = variables(kernel)
        assert {name: after[name] for name in types} == types, cell
        assert set(after) - set(before) == set(types), cell
        before = after
    assert kernel.run("counted.push((typed as i32, left.to_string()));\ncounted.len()").strip() == "1"
    assert kernel.run("inferred.len() + partly.len() + right.len()").strip() == "6"


def test_a_closure_is_still_refused_with_evcxrs_advice(kernel):
    shown = kernel.run("let double = |x: i32| x * 2;")
    assert "is a closure, which cannot be persisted" in shown, shown


def test_imports_run_again_or_wrong_or_new(kernel):
    assert kernel.run("use std::collections::HashMap;").strip() == ""
    assert kernel.run("use std::collections::HashMap;").strip() == ""
    for _ in range(2):  # a wrong import is not kept: run again, it fails again
        wrong = kernel.run("use std::collections::NoSuchMap;")
        assert "unresolved import `std::collections::NoSuchMap`" in wrong, wrong
    assert kernel.run("use std::collections::*;").strip() == ""
    assert kernel.run("use std::collections::*;").strip() == ""
    shown = kernel.run("let mut map: HashMap<i32, i32> = HashMap::new();\nlet set = BTreeSet::from([3, 1]);\nmap.len() + set.len()")
    assert shown.strip() == "2", shown


def test_a_cell_run_again_unchanged_sees_the_new_state(kernel):
    """The patched evcxr does not compile a cell again when its code is unchanged: each run must
    still run, with the variables as the earlier run left them."""
    assert kernel.run("let mut runs: i32 = 0;").strip() == ""
    shown = [kernel.run("runs += 1;\nruns").strip() for _ in range(3)]
    assert shown == ["1", "2", "3"]
    assert [kernel.run("eprintln!(\"run {runs}\");").strip() for _ in range(2)] == ["run 3", "run 3"]


def test_a_panic_keeps_the_earlier_variables_and_the_cell_runs_again(kernel):
    assert kernel.run("let kept_through_panic: i32 = 11;").strip() == ""
    for _ in range(2):
        shown = kernel.run("let lost: i32 = 1;\npanic!(\"on purpose\");")
        assert "on purpose" in shown, shown
    assert kernel.run("kept_through_panic").strip() == "11"
    assert "cannot find value `lost`" in kernel.run("lost")


def test_the_notebooks_dep_again_from_another_path_changes_nothing(kernel, tmp_path):
    """The notebooks name their crate by a relative path; a symbolic link to it, as the UI tests'
    copies of the notebooks have, or its absolute path are the same dependency."""
    crate = (ROOT / "crates/gradflow").resolve()
    (tmp_path / "link").symlink_to(ROOT / "crates")
    linked = os.path.relpath(tmp_path / "link/gradflow", notebooks.NOTEBOOKS)
    kernel.run("let before_dep: i32 = 5;")
    for path in ["../crates/gradflow", str(crate), linked]:
        shown = kernel.run(f':dep gradflow = {{ path = "{path}" }}\nuse gradflow::DeepNetwork;')
        assert shown.strip() == "", f"{path}: {shown}"
        assert kernel.run(":show_deps").strip() == f'gradflow = {{ path = "{crate}" }}'
    assert kernel.run("before_dep").strip() == "5"
    assert kernel.run("DeepNetwork::builder(&[3, 1]).build().is_ok()").strip() == "true"


@pytest.mark.skipif(platform.machine() != "x86_64", reason="an x86_64 intrinsic")
def test_a_type_from_core_arch_is_found(kernel):
    """The patched kernel's analysis leaves out core::arch until a type needs it."""
    shown = kernel.run("let zeros = unsafe { std::arch::x86_64::_mm_setzero_ps() };")
    assert "error" not in shown.lower(), shown
    assert variables(kernel)["zeros"].endswith("__m128")
    assert kernel.run("unsafe { std::arch::x86_64::_mm_cvtss_f32(zeros) }").strip() == "0.0"


def test_completions_name_the_crates_items():
    kernel = Kernel()
    try:
        kernel.run(':dep gradflow = { path = "../crates/gradflow" }\nuse gradflow::DeepNetwork;')
        reply = kernel.client.complete("DeepNetwork::buil", 17, reply=True, timeout=notebooks.CELL_TIMEOUT_S)
        assert any("builder" in match for match in reply["content"]["matches"]), reply["content"]
    finally:
        kernel.close()


@patched_only
def test_the_kernel_answers_with_the_notebooks_crate_imported_and_nothing_defined():
    """Before its first cell the kernel has run the notebooks' `:dep`, their imports and a first
    computation, which started the engine; it defines no variable."""
    kernel = Kernel()
    try:
        assert kernel.run(":vars").strip() == ""
        assert len(kernel.engines()) == 1
        assert kernel.run("DeepNetwork::builder(&[3, 1]).shortcut(Shortcut::Off).build().is_ok()").strip() == "true"
    finally:
        kernel.close()


def imported(source):
    """The paths that the `use gradflow::…;` lines of `source` import, braces expanded:
    `use gradflow::nn::{self, Module};` imports `nn` and `nn::Module`."""
    paths = set()
    for line in source.splitlines():
        if not line.startswith("use gradflow::"):
            continue
        tree = line.removeprefix("use gradflow::").strip(" ;").replace(" ", "")
        prefix, _, names = tree.partition("{")
        for name in names.rstrip("}").split(",") if names else [""]:
            paths.add((prefix + name).removesuffix("::self").removesuffix("::"))
    return paths


def test_imports_are_read_with_their_braces():
    assert imported("use gradflow::nn::{self, Module};\nuse gradflow::{chart, Tensor};\nuse gradflow::train;") == \
        {"nn", "nn::Module", "chart", "Tensor", "train"}


@patched_only
def test_the_start_imports_what_every_notebook_imports():
    """Otherwise a notebook's first cell builds its imports, which is correct but slower."""
    started = imported((ROOT / "scripts/evcxr/start/prelude.rs").read_text())
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        first = next(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert imported(first) and imported(first) <= started, path.name


def bare_kernel(tmp_path, init, prelude):
    """evcxr_jupyter itself, with a configuration folder of its own holding `init` (init.evcxr)
    and `prelude` (prelude.rs); its standard error goes to tmp_path/stderr."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    config, spec = tmp_path / "config", tmp_path / "kernels/bare"
    config.mkdir()
    spec.mkdir(parents=True)
    (config / "init.evcxr").write_text(init)
    (config / "prelude.rs").write_text(prelude)
    libdir = subprocess.run(["rustc", "--print", "target-libdir"], capture_output=True, text=True, check=True).stdout.strip()
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": [EVCXR_JUPYTER, "--control_file", "{connection_file}"], "language": "rust", "display_name": "bare"}))
    env = {**os.environ, "EVCXR_CONFIG_DIR": str(config), "EVCXR_TMPDIR": str(tmp_path / "build"),
           "LD_LIBRARY_PATH": libdir}
    manager = KernelManager(kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]),
                            kernel_name="bare")
    stderr = open(tmp_path / "stderr", "w")
    manager.start_kernel(env=env, stderr=stderr, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=notebooks.CELL_TIMEOUT_S)
    return manager, client


@patched_only
@pytest.mark.parametrize("init, prelude", [
    (':dep missing = { path = "/nonexistent/missing" }\n', ""),
    ("", "let broken: i32 = \"three\";\n"),
], ids=["a :dep that fails", "a prelude that does not compile"])
def test_a_failing_start_up_configuration_is_reported_and_the_kernel_works(tmp_path, init, prelude):
    """Stock evcxr_jupyter exits at start when its init.evcxr or prelude.rs fails."""
    manager, client = bare_kernel(tmp_path, init, prelude)
    try:
        reply = client.execute_interactive("let answer = 6 * 7;\nanswer", timeout=notebooks.CELL_TIMEOUT_S)
        assert reply["content"]["status"] == "ok"
        assert manager.is_alive()
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    said = (tmp_path / "stderr").read_text()
    assert "The startup configuration failed, so the kernel starts without it" in said, said
    assert ("missing" if init else "mismatched types") in said, said
