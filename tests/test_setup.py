"""The set-up: its pins agree everywhere, the kernel is registered, and broken set-ups are repaired."""

import json
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


def pins(text):
    return dict(re.findall(r"^[\s-]*([A-Za-z0-9_.-]+)==([^\s#]+)", text, re.MULTILINE))


def test_environment_yml_pins_the_same_packages_as_the_venv():
    requirements = pins((ROOT / "requirements.txt").read_text())
    environment = (ROOT / "environment.yml").read_text()
    assert requirements and pins(environment) == requirements
    assert re.search(r"^\s*-\s*python=3\.11\s*$", environment, re.MULTILINE)
    assert sys.version_info[:2] == (3, 11)


def test_torch_pin_matches_tch():
    shell = dict(re.findall(r"^([A-Z_]+)=(\S+)$", (ROOT / "scripts/pins.sh").read_text(), re.MULTILINE))
    assert pins((ROOT / "requirements.txt").read_text())["torch"] == shell["TORCH_VERSION"]
    # tch 0.26 binds libtorch 2.13.
    assert re.search(r'^tch = "0\.26\.\d+"', (ROOT / "Cargo.toml").read_text(), re.MULTILINE)
    assert shell["TORCH_VERSION"] == "2.13.0"
    import torch
    assert torch.__version__.split("+")[0] == shell["TORCH_VERSION"]


def test_kernelspec_is_in_the_venv_and_points_at_this_checkout():
    spec = json.loads((ROOT / ".venv/share/jupyter/kernels/gradflow-rust/kernel.json").read_text())
    assert spec["argv"][0] == str(ROOT / "scripts" / "kernel")
    assert spec["language"] == "rust"


# Broken set-ups, repaired by `scripts/setup.sh venv` in a clone of this repository. The clone
# installs from the wheels the first set-up kept in ~/.cache/gradflow, without the network.

@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    path = tmp_path_factory.mktemp("clone") / "gradflow"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(path)], check=True)
    return path


def setup_venv(clone):
    done = subprocess.run(["bash", "scripts/setup.sh", "venv"], cwd=clone, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def torch_version(clone):
    return subprocess.run([str(clone / ".venv/bin/python"), "-c", "import torch; print(torch.__version__)"],
                          capture_output=True, text=True).stdout.strip()


def site_packages(clone):
    return clone / ".venv/lib/python3.11/site-packages"


def test_the_kernel_without_libtorch_says_what_to_run(clone):
    """Before set-up, the kernel stops with one line instead of a loader crash."""
    done = subprocess.run([str(clone / "scripts/kernel"), "--control_file", "none"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "libtorch or evcxr_jupyter is missing; run 'make setup'" in done.stderr


def test_a_missing_or_deleted_venv_is_made(clone):
    assert not (clone / ".venv").exists()
    assert "creating .venv" in setup_venv(clone)
    assert torch_version(clone).startswith("2.13.0")
    assert setup_venv(clone).splitlines()[-1].startswith("==> set-up complete"), "a second run does nothing"


def test_a_wrong_torch_version_is_replaced(clone):
    version = site_packages(clone) / "torch/version.py"
    version.write_text(version.read_text().replace("2.13.0", "2.12.0"))
    metadata = next(site_packages(clone).glob("torch-2.13.0*.dist-info"))
    (metadata / "METADATA").write_text((metadata / "METADATA").read_text().replace("Version: 2.13.0", "Version: 2.12.0", 1))
    assert torch_version(clone).startswith("2.12.0")
    assert "installing torch" in setup_venv(clone)
    assert torch_version(clone).startswith("2.13.0")


def test_a_half_installed_torch_is_reinstalled(clone):
    (site_packages(clone) / "torch/__init__.py").unlink()
    assert "reinstalling" in setup_venv(clone)
    assert torch_version(clone).startswith("2.13.0")


def test_binder_files_agree_with_the_local_set_up():
    post_build = ROOT / "postBuild"
    assert subprocess.run(["bash", "-n", str(post_build)]).returncode == 0, "postBuild parses"
    text = post_build.read_text()
    # The same pins as `make`: evcxr's version and the kernel's name come from scripts/pins.sh,
    # torch and the rest from environment.yml, which matches requirements.txt.
    assert 'source "$root/scripts/pins.sh"' in text
    assert '--version "$EVCXR_VERSION" evcxr_jupyter' in text
    assert "kernels/$KERNEL_NAME" in text and '"GRADFLOW_LIBTORCH"' in text
    assert "GRADFLOW_LIBTORCH" in (ROOT / "scripts/kernel").read_text()
    assert "scripts/notebooks.py\" prebuild" in text
