"""Shared fixtures: each notebook is executed through the real kernel once per test session;
JupyterLab runs once per UI test module."""

import copy
import os
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import browser as browser_module  # noqa: E402  (scripts/browser.py; `browser` is the fixture)
import lab as lab_module  # noqa: E402  (scripts/lab.py; `lab` is the fixture)
import notebooks  # noqa: E402  (scripts/notebooks.py)

NOTEBOOK_PATHS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# The seed notebook, cell for cell, and the "what if" notebook.
SEED_NOTEBOOK = ROOT / "notebooks" / "01-shortcut-connections.ipynb"
EXPLORE_NOTEBOOK = ROOT / "notebooks" / "02-explore.ipynb"
# The notebooks that show the explorer (notebook 03, the loss surface and curvature, does not).
EXPLORER_NOTEBOOKS = [SEED_NOTEBOOK, EXPLORE_NOTEBOOK]
SCREENSHOTS = ROOT / "target" / "screenshots"


def work_folder(prefix):
    """A new folder, readable by all, for a test's clones and installs that other Unix users run:
    not in /tmp, where kernels refuse to build (anyone could plant a .cargo/config.toml there,
    scripts/pins.sh). Root's go in /opt, another user's in their cache. The caller removes it."""
    parent = Path("/opt") if os.geteuid() == 0 else Path.home() / ".cache"
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    work.chmod(0o755)
    return work


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium at 1280 x 720, a common projector, with no network."""
    driver = browser_module.chromium(tempfile.mkdtemp())
    # Every script returns within seconds; long waits poll (WebDriver's reads time out at 120 s).
    driver.set_script_timeout(60)
    set_viewport(driver, 1280, 720)
    yield driver
    driver.quit()


def set_viewport(driver, width, height):
    """The page's own size, as on a screen of `width` x `height` (the window's frame aside)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


@pytest.fixture(scope="session")
def committed():
    """The notebook as committed, outputs included."""
    return lambda path: nbformat.read(path, as_version=4)


@pytest.fixture(scope="session")
def executed(committed):
    """The notebook executed afresh through the gradflow kernel (cached per session)."""
    cache = {}

    def run(path):
        if path not in cache:
            cache[path] = notebooks.execute(copy.deepcopy(committed(path)))
        return cache[path]

    return run


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on copies of the notebooks (and RISE's stylesheet for them), in folders of its
    own: no settings, workspaces or trust from elsewhere. `../crates` from the copies leads to
    this checkout's crate."""
    home = tmp_path_factory.mktemp("lab")
    with lab_module.jupyterlab(home, NOTEBOOK_PATHS + [ROOT / "notebooks" / "rise.css"], ROOT / "crates") as url:
        yield url
