"""The set-up: its pins agree everywhere, the kernel is registered, and broken set-ups are repaired."""

import json
import os
import re
import subprocess
import sys

import pytest

import notebooks
from conftest import ROOT


def pins(text):
    """Each pinned package with its version and environment marker, as pip reads them."""
    return sorted(re.findall(r"^[\s-]*([A-Za-z0-9_.-]+)==([^\s#;]+)[ \t]*(;[^#\n]*)?", text, re.MULTILINE))


def python_versions():
    return re.search(r'^PYTHON_VERSIONS="([^"]+)"', (ROOT / "scripts/pins.sh").read_text(), re.MULTILINE)[1].split()


def test_environment_yml_pins_the_same_packages_as_the_venv():
    requirements = pins((ROOT / "requirements.txt").read_text())
    environment = (ROOT / "environment.yml").read_text()
    assert requirements and pins(environment) == requirements
    versions = python_versions()
    assert versions == ["3.10", "3.11", "3.12", "3.13"]
    lowest, highest = versions[0], versions[-1]
    # The Binder image's Python is pinned to one of them (tests/test_binder.py builds with it).
    assert re.search(r"^\s*-\s*python=(\d+\.\d+)\s", environment, re.MULTILINE)[1] in versions
    assert f"Python {lowest} to {highest}" in (ROOT / "README.md").read_text()
    assert "%d.%d" % sys.version_info[:2] in versions


def test_torch_pin_matches_tch():
    shell = dict(re.findall(r"^([A-Z_]+)=(\S+)$", (ROOT / "scripts/pins.sh").read_text(), re.MULTILINE))
    versions = {name: version for name, version, _ in pins((ROOT / "requirements.txt").read_text())}
    assert versions["torch"] == shell["TORCH_VERSION"]
    # tch 0.26 binds libtorch 2.13.
    assert re.search(r'^tch = "0\.26\.\d+"', (ROOT / "Cargo.toml").read_text(), re.MULTILINE)
    assert shell["TORCH_VERSION"] == "2.13.0"
    import torch
    assert torch.__version__.split("+")[0] == shell["TORCH_VERSION"]


def test_kernelspec_is_in_the_venv_and_points_at_this_checkout():
    spec = json.loads((ROOT / ".venv/share/jupyter/kernels" / notebooks.KERNEL_NAME / "kernel.json").read_text())
    assert spec["argv"][0] == str(ROOT / "scripts" / "kernel")
    assert spec["language"] == "rust"


# Broken set-ups, repaired by `scripts/setup.sh venv` in a clone of this repository. Each test
# gets a clone of its own; those that break a venv get a copy of one made once, whose files are
# hard links (a test replaces a file, never writes into it). Installs come from the wheels the
# first set-up kept in ~/.cache/gradflow, without the network.

def new_clone(tmp_path):
    path = tmp_path / "gradflow"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(path)], check=True)
    return path


def setup_venv(clone, env=None):
    done = subprocess.run(["bash", "scripts/setup.sh", "venv"], cwd=clone, capture_output=True, text=True,
                          timeout=1200, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def set_up_venv(tmp_path_factory):
    """A clone with its venv made, to be copied, never changed."""
    clone = new_clone(tmp_path_factory.mktemp("template"))
    setup_venv(clone)
    return clone / ".venv"


@pytest.fixture
def clone_with_venv(set_up_venv, tmp_path):
    clone = new_clone(tmp_path)
    subprocess.run(["cp", "-al", str(set_up_venv), str(clone / ".venv")], check=True)
    # The copied venv still links to the template's torch until the set-up points it here.
    assert setup_venv(clone).splitlines()[-1].startswith("==> set-up complete")
    return clone


def replace(path, old, new):
    """Writes a changed copy of `path` in its place, leaving its other hard links alone."""
    text = path.read_text()
    assert old in text
    path.unlink()
    path.write_text(text.replace(old, new, 1))


def torch_version(clone):
    return subprocess.run([str(clone / ".venv/bin/python"), "-c", "import torch; print(torch.__version__)"],
                          capture_output=True, text=True).stdout.strip()


def torch_folder(clone):
    """Where the venv's torch is, whatever Python made the venv: .venv/libtorch links there."""
    link = clone / ".venv/libtorch"
    assert link.is_symlink() and (link / "lib/libtorch_cpu.so").exists()
    return link.resolve()


def test_the_kernel_without_libtorch_says_what_to_run(tmp_path):
    """Before set-up, the kernel stops with one line instead of a loader crash."""
    clone = new_clone(tmp_path)
    done = subprocess.run([str(clone / "scripts/kernel"), "--control_file", "none"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "libtorch or evcxr_jupyter is missing; run 'make setup'" in done.stderr


def test_a_missing_venv_is_made_and_a_second_run_does_nothing(tmp_path):
    clone = new_clone(tmp_path)
    assert "creating .venv" in setup_venv(clone)
    assert torch_version(clone).startswith("2.13.0")
    assert torch_folder(clone).is_relative_to(clone / ".venv")
    assert setup_venv(clone).splitlines()[-1].startswith("==> set-up complete"), "a second run does nothing"


def test_a_python_outside_the_range_gets_one_line_naming_those_that_work(tmp_path):
    clone = new_clone(tmp_path)
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "python3").write_text("#!/bin/sh\necho 3.9\n")
    (shims / "python3").chmod(0o755)
    done = subprocess.run(["bash", "scripts/setup.sh", "venv"], cwd=clone, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{shims}:{os.environ['PATH']}"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "setup: gradflow needs CPython 3.10, 3.11, 3.12, 3.13 as python3 (torch 2.13.0 has wheels for these), "
        "found 3.9; install one, or choose one (with pyenv: PYENV_VERSION=3.12.1 make ...), and run make again"]
    assert not (clone / ".venv").exists()


def test_a_wrong_torch_version_is_replaced(clone_with_venv):
    torch = torch_folder(clone_with_venv)
    replace(torch / "version.py", "2.13.0", "2.12.0")
    metadata = next(torch.parent.glob("torch-2.13.0*.dist-info"))
    replace(metadata / "METADATA", "Version: 2.13.0", "Version: 2.12.0")
    assert torch_version(clone_with_venv).startswith("2.12.0")
    assert "installing torch" in setup_venv(clone_with_venv)
    assert torch_version(clone_with_venv).startswith("2.13.0")


def test_a_half_installed_torch_is_reinstalled(clone_with_venv):
    (torch_folder(clone_with_venv) / "__init__.py").unlink()
    assert "reinstalling" in setup_venv(clone_with_venv)
    assert torch_version(clone_with_venv).startswith("2.13.0")


def test_binder_files_agree_with_the_local_set_up():
    post_build = ROOT / "postBuild"
    assert subprocess.run(["bash", "-n", str(post_build)]).returncode == 0, "postBuild parses"
    text = post_build.read_text()
    # The same pins as `make`: evcxr's version and the kernel's name come from scripts/pins.sh,
    # torch and the rest from environment.yml, which matches requirements.txt.
    assert 'source "$root/scripts/pins.sh"' in text
    assert '"$root/scripts/evcxr/build"' in text, "one builder of evcxr"
    assert '"$root/scripts/kernelspec" "$prefix" "$torch_dir"' in text, "one writer of kernel.json"
    assert "GRADFLOW_LIBTORCH" in (ROOT / "scripts/kernel").read_text()
    assert "scripts/notebooks.py\" prebuild" in text
