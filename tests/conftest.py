"""Shared fixtures: each notebook is executed through the real kernel once per test session;
JupyterLab runs once per UI test module."""

import copy
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import browser as browser_module  # noqa: E402  (scripts/browser.py; `browser` is the fixture)
import notebooks  # noqa: E402  (scripts/notebooks.py)

NOTEBOOK_PATHS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# The seed notebook, cell for cell, and the "what if" notebook.
SEED_NOTEBOOK = ROOT / "notebooks" / "01-shortcut-connections.ipynb"
EXPLORE_NOTEBOOK = ROOT / "notebooks" / "02-explore.ipynb"
SCREENSHOTS = ROOT / "target" / "screenshots"


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
    (home / "notebooks").mkdir()
    for path in NOTEBOOK_PATHS + [ROOT / "notebooks" / "rise.css"]:
        shutil.copy(path, home / "notebooks" / path.name)
    (home / "crates").symlink_to(ROOT / "crates")
    settings = home / "settings/@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "docmanager-extension").mkdir(parents=True)
    (settings / "apputils-extension").mkdir(parents=True)
    # Every cell laid out, so that each chart can be measured wherever it is in the notebook;
    # no autosave, so that each test opens the notebook as committed.
    (settings / "notebook-extension/tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    (settings / "docmanager-extension/plugin.jupyterlab-settings").write_text('{"autosave": false}')
    # No offer to fetch news from the network over the notebook.
    (settings / "apputils-extension/notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}",
         "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={home}",
         "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={home / 'settings'}",
         f"--LabApp.workspaces_dir={home / 'workspaces'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(home / "server.log", "w"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        assert server.poll() is None, (home / "server.log").read_text()
        try:
            urllib.request.urlopen(url + "/api/status", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        raise AssertionError("JupyterLab did not answer in 2 minutes:\n" + (home / "server.log").read_text())
    yield url
    server.terminate()
    server.wait(30)
