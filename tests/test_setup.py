"""The set-up's pins agree everywhere they are written, and the kernel is registered."""

import json
import re
import sys

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
