"""JupyterLab as the UI tests and the benchmarks start it: on copies of the notebooks, with
settings, workspaces and trust of its own, and `window.jupyterapp` exposed for Selenium."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

# Every cell laid out, so that each chart can be measured wherever it is in the notebook; no
# autosave, so that each test opens the notebook as committed; no offer to fetch news from the
# network over the notebook.
SETTINGS = {
    "notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
    "docmanager-extension/plugin.jupyterlab-settings": '{"autosave": false}',
    "apputils-extension/notification.jupyterlab-settings": '{"fetchNews": "false"}',
}


@contextlib.contextmanager
def jupyterlab(home, files, crates):
    """JupyterLab on copies of `files` in `home`/notebooks, whose `../crates` leads to `crates`;
    yields its URL. Its log goes to `home`/server.log."""
    (home / "notebooks").mkdir()
    for path in files:
        shutil.copy(path, home / "notebooks" / path.name)
    (home / "crates").symlink_to(crates)
    for name, text in SETTINGS.items():
        (home / "settings/@jupyterlab" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings/@jupyterlab" / name).write_text(text)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    log = home / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={home}",
         "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={home / 'settings'}",
         f"--LabApp.workspaces_dir={home / 'workspaces'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if server.poll() is not None:
                raise RuntimeError("JupyterLab stopped:\n" + log.read_text())
            try:
                urllib.request.urlopen(url + "/api/status", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("JupyterLab did not answer in 2 minutes:\n" + log.read_text())
        yield url
    finally:
        server.terminate()
        server.wait(30)
