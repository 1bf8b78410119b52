"""What another Unix user can reach on this machine, for the tests that run the notebooks as
one (tests/test_binder.py, tests/test_hub.py): a folder open to all, or a hard-linked copy of
it, and a CPython they can run."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def open_to_all(path):
    """Whether every user can enter `path` and each folder above it."""
    return all(parent.stat().st_mode & 0o001 for parent in [path, *path.parents])


def readable(path, work):
    """`path`, or where another user cannot reach it (root's home is closed to others), a
    hard-linked copy of it in `work` (instant, no disk)."""
    if open_to_all(path):
        return path
    copy = work / path.name
    subprocess.run(["cp", "-al", str(path), str(copy)], check=True)
    return copy


def python_for(version, work):
    """This machine's CPython `version` (x.y), one that the notebook user can run: (its
    interpreter, and the loader path that a copy needs, whose run path names its original).
    Those open to all first: python3, Debian's, pyenv's."""
    candidates = [shutil.which("python3"), "/usr/bin/python3", *sorted(map(str, Path(os.environ.get(
        "PYENV_ROOT", Path.home() / ".pyenv")).glob(f"versions/{version}.*/bin/python3")))]
    found = []
    for python in filter(None, candidates):
        about = subprocess.run([python, "-c", "import os, sys; print('%d.%d' % sys.version_info[:2]); "
                                "print(sys.base_prefix); print(os.path.realpath(sys.executable))"],
                               capture_output=True, text=True).stdout.split()
        if about and about[0] == version:
            found.append((Path(about[1]), Path(about[2])))
    if not found:
        pytest.fail(f"no CPython {version} here for the image's environment (environment.yml pins it)")
    base, python = next((f for f in found if open_to_all(f[0])), found[0])
    copy = readable(base, work)
    return copy / python.relative_to(base), {} if copy == base else {"LD_LIBRARY_PATH": str(copy / "lib")}
