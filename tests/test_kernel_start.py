"""A kernel's start removes what engines that were killed left in this user's socket folders, their
sockets and logs, and nothing else: not a live process's, not another name, not another folder's."""

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT, work_folder

TWO_DAYS = 2 * 24 * 3600


def dead_pid():
    """The pid of a process that ran and is gone."""
    child = subprocess.Popen(["true"])
    child.wait()
    assert not Path(f"/proc/{child.pid}").exists()
    return child.pid


def private(path):
    path.mkdir()
    path.chmod(0o700)
    return path


def engine_files(folder, pid):
    """What the engine of process `pid` leaves in `folder`: its socket and its log."""
    sock, log = folder / f"engine-{pid}.sock", folder / f"engine-{pid}.log"
    # A socket made without binding it (bind's paths are limited to 108 bytes).
    os.mknod(sock, 0o600 | stat.S_IFSOCK)
    log.write_text("an engine's log\n")
    return [sock, log]


@pytest.fixture
def start_kernel():
    """Runs scripts/kernel with `env` up to its last step, whose evcxr here exits at once; its
    cache lies outside /tmp, where a kernel refuses to build."""
    cache = work_folder("gradflow-kernel-start-")

    def start(**env):
        env = {key: value for key, value in os.environ.items()
               if key not in ("XDG_RUNTIME_DIR", "GRADFLOW_SOCKET_DIR", "GRADFLOW_KERNEL_DIR")} | env
        env["GRADFLOW_CACHE"] = str(cache / "cache")
        env["GRADFLOW_LIBTORCH"] = str(cache / "libtorch")
        (cache / "libtorch/lib").mkdir(parents=True, exist_ok=True)
        (cache / "libtorch/lib/libtorch_cpu.so").touch()
        evcxr = Path(subprocess.run(["bash", "-c", 'root=$1; source "$root/scripts/pins.sh"; printf %s "$EVCXR_JUPYTER"',
                                     "pins", str(ROOT)], env=env, capture_output=True, text=True, check=True).stdout)
        if cache not in evcxr.parents:
            pytest.skip(f"this checkout's kernel runs an installed evcxr ({evcxr})")
        evcxr.parent.mkdir(parents=True, exist_ok=True)
        evcxr.write_text("#!/bin/sh\nexit 0\n")
        evcxr.chmod(0o755)
        done = subprocess.run([str(ROOT / "scripts/kernel"), "--control_file", "none"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr

    yield start
    shutil.rmtree(cache)


def test_a_kernel_start_removes_what_killed_engines_left_and_nothing_else(tmp_path, start_kernel):
    tmp = private(tmp_path / "tmp")
    folder = private(tmp / "gradflow-0123456789abcdef")
    removed = engine_files(folder, dead_pid()) + engine_files(folder, dead_pid())
    # This process's, and pid 1's, which runs whatever it is.
    kept = engine_files(folder, os.getpid()) + engine_files(folder, 1)
    dead = dead_pid()
    for name in [f"engine-{dead}.sock.old", f"engine-0{dead}.log", "engine-x.log", f"notes-{dead}.log",
                 f"engine-{dead}.txt", f"Engine-{dead}.log"]:
        (folder / name).write_text("not an engine's\n")
        kept.append(folder / name)
    # An engine's names on what no engine makes: a link (never followed), and a file for a socket.
    elsewhere = tmp_path / "elsewhere.log"
    elsewhere.write_text("not an engine's\n")
    link, not_a_socket = folder / f"engine-{dead_pid()}.log", folder / f"engine-{dead_pid()}.sock"
    link.symlink_to(elsewhere)
    not_a_socket.write_text("not a socket\n")
    kept += [link, not_a_socket]
    # Other folders: open to others, named otherwise, reached through a link, and another user's.
    open_to_others = tmp / "gradflow-fedcba9876543210"
    open_to_others.mkdir()
    open_to_others.chmod(0o755)
    kept += engine_files(open_to_others, dead_pid())
    kept += engine_files(private(tmp / "gradflow-elsewhere"), dead_pid())
    linked = private(tmp_path / "linked")
    kept += engine_files(linked, dead_pid())
    (tmp / "gradflow-aaaaaaaaaaaaaaaa").symlink_to(linked)
    if os.geteuid() == 0:
        theirs = private(tmp / "gradflow-bbbbbbbbbbbbbbbb")
        for path in [theirs, *engine_files(theirs, dead_pid())]:
            os.chown(path, 65534, 65534, follow_symlinks=False)
            kept.append(path)
        for path in engine_files(folder, dead_pid()):
            os.chown(path, 65534, 65534)
            kept.append(path)
    # A folder that killed engines alone left, two days ago: emptied, then removed as empty.
    old = private(tmp / "gradflow-cccccccccccccccc")
    removed += engine_files(old, dead_pid())
    os.utime(old, (time.time() - TWO_DAYS,) * 2)
    # One as old with a live process's engine stays.
    old_in_use = private(tmp / "gradflow-dddddddddddddddd")
    kept += engine_files(old_in_use, os.getpid())
    os.utime(old_in_use, (time.time() - TWO_DAYS,) * 2)

    start_kernel(TMPDIR=str(tmp))

    assert [path for path in removed if os.path.lexists(path)] == []
    assert [path for path in kept if not os.path.lexists(path)] == []
    assert not old.exists() and old_in_use.is_dir()
    assert elsewhere.read_text() == "not an engine's\n"


def test_the_runtime_folder_and_the_named_socket_folder_are_cleaned_too(tmp_path, start_kernel):
    runtime = private(private(tmp_path / "run") / "gradflow")
    named = private(tmp_path / "named")
    tmp = private(tmp_path / "tmp")
    in_tmp = private(tmp / "gradflow-0123456789abcdef")
    removed = engine_files(runtime, dead_pid()) + engine_files(named, dead_pid()) + engine_files(in_tmp, dead_pid())
    kept = engine_files(runtime, os.getpid()) + engine_files(named, os.getpid()) + engine_files(in_tmp, os.getpid())

    start_kernel(TMPDIR=str(tmp), XDG_RUNTIME_DIR=str(runtime.parent), GRADFLOW_SOCKET_DIR=str(named))

    assert [path for path in removed if os.path.lexists(path)] == []
    assert [path for path in kept if not os.path.lexists(path)] == []
