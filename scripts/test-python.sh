#!/usr/bin/env bash
# Proves that gradflow works with another CPython: a fresh clone of this checkout's last commit,
# set up with that Python from scratch, runs notebook 01 through its kernel and compares its
# numbers with those of PyTorch run in the clone's own venv.
#   scripts/test-python.sh 3.13.0      a version that pyenv knows (PYENV_VERSION selects it)
set -euo pipefail
version=${1:?usage: scripts/test-python.sh PYTHON_VERSION (for example 3.13.0)}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

work=$(mktemp -d)
clone=$work/gradflow
cleanup() {
  # The clone's kernel build folders live in the cache, named after the clone's path.
  local builds
  builds=$(root=$clone && source "$root/scripts/pins.sh" && echo "$KERNEL_BUILD")
  rm -rf "$builds" "$work"
}
trap cleanup EXIT

git clone -q "$root" "$clone"
cd "$clone"
echo "==> a fresh clone in $clone, set up with Python $version"
PYENV_VERSION=$version scripts/setup.sh
.venv/bin/python - "$version" <<'PY'
import sys
wanted = sys.argv[1]
found = "%d.%d.%d" % sys.version_info[:3]
assert found.startswith(wanted), f"the venv runs Python {found}, not {wanted}"
print(f"==> the venv runs Python {found}")
PY
.venv/bin/python -m pytest -q -p no:cacheprovider tests/test_notebooks.py -k "01-shortcut or seed_notebook or bad_edit"
