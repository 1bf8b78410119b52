#!/usr/bin/env bash
# Installs whatever gradflow is missing and skips what is done, so a second run takes seconds.
#   scripts/setup.sh                 the Python venv, evcxr, the Jupyter kernel and its pre-built dependencies
#   scripts/setup.sh slides          all that, and reveal.js for the slide decks
#   scripts/setup.sh browser slides  all that, and Chromium and ChromeDriver for the browser tests
#   scripts/setup.sh references      all that, and the tests' own Python packages (tests/requirements.txt)
#   scripts/setup.sh venv            only the Python venv
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/pins.sh
venv=$root/.venv

step() { printf '==> %s\n' "$*"; worked=1; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# Exits with one line naming the versions that work, unless python3 is one of them.
check_python() {
  local found
  found=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) ||
    fail "gradflow needs CPython ${PYTHON_VERSIONS// /, } as python3, and there is no python3; install one and run make again"
  case " $PYTHON_VERSIONS " in
    *" $found "*) ;;
    *) fail "gradflow needs CPython ${PYTHON_VERSIONS// /, } as python3 (torch $TORCH_VERSION has wheels for these), found $found; install one, or choose one (with pyenv: PYENV_VERSION=3.12.1 make ...), and run make again" ;;
  esac
}

# .venv/libtorch: a link to the venv's torch folder, which .cargo/config.toml and
# scripts/kernel name, so that nothing else needs to know the venv's Python version.
link_libtorch() {
  local torch
  torch=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"] + "/torch")')
  [ "$(readlink "$venv/libtorch" 2>/dev/null)" = "$torch" ] || ln -sfn "$torch" "$venv/libtorch"
}

torch_is_pinned() {
  "$venv/bin/python" - "$TORCH_VERSION" 2>/dev/null <<'PY'
import sys, torch
sys.exit(torch.__version__.split("+")[0] != sys.argv[1])
PY
}

python_env() {
  local stamp=$venv/.gradflow-requirements
  if cmp -s requirements.txt "$stamp" && torch_is_pinned; then
    link_libtorch
    return
  fi
  if [ -e "$venv" ] && ! "$venv/bin/python" -c '' 2>/dev/null; then
    step "the .venv is broken (its Python is gone): making it anew"
    rm -rf "$venv"
  fi
  if [ ! -x "$venv/bin/python" ]; then
    check_python
    step "creating .venv with $(python3 --version)"
    python3 -m venv "$venv"
  fi
  # `python -m pip`, not .venv/bin/pip, whose first line names the folder the venv was made in.
  local install=("$venv/bin/python" -m pip install -q --no-index --find-links "$WHEELS" -r requirements.txt)
  step "installing torch $TORCH_VERSION, JupyterLab and the test tools into .venv"
  if ! "${install[@]}" 2>/dev/null; then
    step "downloading them into $WHEELS first (first time: 2.7 GB, a few minutes)"
    "$venv/bin/python" -m pip download -q -d "$WHEELS" -r requirements.txt
    "${install[@]}"
  fi
  if ! torch_is_pinned; then
    step "torch does not import: reinstalling it"
    "$venv/bin/python" -m pip install -q --force-reinstall --no-deps --no-index --find-links "$WHEELS" "torch==$TORCH_VERSION"
    torch_is_pinned || fail "torch $TORCH_VERSION does not import in .venv; delete .venv and run make again"
  fi
  link_libtorch
  cp requirements.txt "$stamp"
}

evcxr() {
  # The patched one by default, as published with GRADFLOW_EVCXR=stock (scripts/evcxr/build).
  [ -x "$EVCXR_JUPYTER" ] && return
  local which="evcxr_jupyter $EVCXR_VERSION"
  [ "$GRADFLOW_EVCXR" = stock ] || which="$which with scripts/evcxr/patches"
  step "building the Rust Jupyter kernel $which (first time only: ~11 minutes on 2 cores)"
  scripts/evcxr/build
}

rust_src() {
  # The standard library's source, which the kernel's analysis (rust-analyzer, in the patched
  # evcxr) reads to infer a cell's types. rust-analyzer installs it itself when it is missing,
  # but then under the kernel's umask 077, private to this user: a toolchain that others use
  # (make install-hub copies this one; tests/test_binder.py links it) must have it readable.
  local src
  src="$(rustc --print sysroot)/lib/rustlib/src/rust/library"
  [ -d "$src" ] && return
  command -v rustup >/dev/null || return 0
  step "adding the standard library's source to the Rust toolchain (rustup component add rust-src)"
  (umask 022 && rustup component add rust-src)
}

kernelspec() {
  local said
  said=$(scripts/kernelspec "$venv")
  [ -z "$said" ] || step "$said"
}

engine() {
  # Cargo checks the sources and says nothing when the engine is up to date.
  [ -x "$ENGINE_PROGRAM" ] || step "building the engine, which links libtorch (first time: ~3 minutes)"
  CARGO_TARGET_DIR=$ENGINE_TARGET cargo build --release --locked --quiet -p gradflow-engine --bin gradflow
}

kernel_deps() {
  # The kernel's first `:dep` compiles the notebooks' crate; do it once here, not in front of a class.
  # Kernels copy this folder into their slots (scripts/kernel), under a shared lock that this
  # holds while it rebuilds.
  local key stamp=$KERNEL_PREBUILT/.gradflow-prebuilt
  key=$( (echo "$root" "$EVCXR_VERSION"; cat Cargo.toml crates/gradflow/Cargo.toml scripts/evcxr/evcxr.toml scripts/evcxr/start/*;
          find crates/gradflow/src -type f | sort | xargs cat) | sha256sum | cut -c1-16)
  [ "$(cat "$stamp" 2>/dev/null)" = "$key" ] && return
  step "pre-building the notebooks' crate for the kernel (about 15 seconds)"
  mkdir -p "$KERNEL_PREBUILT"
  GRADFLOW_KERNEL_DIR=$KERNEL_PREBUILT flock "$KERNEL_PREBUILT_LOCK" "$venv/bin/python" scripts/notebooks.py prebuild
  echo "$key" >"$stamp"
}

slides() {
  # Unpacked from the npm registry's tarballs, so that decks need no network when shown.
  local stamp=$SLIDES_ASSETS/.gradflow-packages
  [ "$(cat "$stamp" 2>/dev/null)" = "$SLIDES_NPM" ] && return
  step "fetching reveal.js, require.js and jQuery from the npm registry for the slide decks"
  rm -rf "$SLIDES_ASSETS" && mkdir -p "$SLIDES_ASSETS"
  (cd "$SLIDES_ASSETS" && npm pack --silent $SLIDES_NPM >/dev/null &&
    for tarball in *.tgz; do
      mkdir "${tarball%-*}" && tar -xzf "$tarball" -C "${tarball%-*}" --strip-components=1 && rm "$tarball"
    done)
  echo "$SLIDES_NPM" >"$stamp"
}

# The tests' own Python packages, which the notebooks and the Binder image do not need; their
# requirements are requirements.txt's, so nothing else is resolved.
references() {
  local stamp=$venv/.gradflow-test-requirements
  cmp -s tests/requirements.txt "$stamp" && return
  local install=("$venv/bin/python" -m pip install -q --no-deps --no-index --find-links "$WHEELS" -r tests/requirements.txt)
  step "installing the tests' references (PyHessian) into .venv"
  if ! "${install[@]}" 2>/dev/null; then
    "$venv/bin/python" -m pip download -q --no-deps -d "$WHEELS" -r tests/requirements.txt
    "${install[@]}"
  fi
  cp tests/requirements.txt "$stamp"
}

browser() {
  command -v chromium >/dev/null && command -v chromedriver >/dev/null && return
  step "installing Chromium and ChromeDriver from Debian's packages (for the HTML tests)"
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
}

# Runs one step and, if it had work to do, says how long that took (make bench reads this).
timed() {
  local name=$1 begun=$SECONDS
  worked=0
  "$2"
  [ "$worked" = 0 ] || step "$name took $((SECONDS - begun)) s"
}

started=$SECONDS
timed "the Python venv" python_env
if [ "${1:-}" != venv ]; then
  timed "evcxr" evcxr
  timed "the standard library's source" rust_src
  timed "the kernelspec" kernelspec
  timed "the engine" engine
  timed "the kernel's dependencies" kernel_deps
fi
for extra in "$@"; do
  case $extra in
    browser) timed "the browser" browser ;;
    slides) timed "the slides' scripts" slides ;;
    references) timed "the tests' references" references ;;
    venv) ;;
    *) fail "unknown step $extra; expected browser, slides, references or venv" ;;
  esac
done
step "set-up complete ($((SECONDS - started)) s)"
