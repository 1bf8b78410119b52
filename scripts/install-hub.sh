#!/usr/bin/env bash
# Installs gradflow once for every user of a server (a JupyterHub class), read-only to them:
#   sudo make install-hub [PREFIX=/opt/gradflow] [JUPYTER_PREFIX=/usr/local]
# from a checkout that `make setup` has built. A new install replaces the last one whole. In PREFIX:
#   share/gradflow/                the notebooks, the notebooks' crate, the kernel's launcher
#                                  (scripts/kernel) and jupyterhub_config.py for the hub
#   lib/gradflow/bin/              evcxr_jupyter and the engine (the `gradflow` program)
#   lib/gradflow/libtorch/lib/     the libtorch libraries the engine loads
#   lib/gradflow/rust/             the Rust toolchain that compiles the cells (no rustup needed)
#   lib/gradflow/kernel-prebuilt/  the notebooks' crate compiled once, which each student's
#                                  kernel copies into ~/.cache/gradflow (seconds, not minutes)
#   bin/gradflow-singleuser        a student's server: the notebooks into ~/gradflow, then Jupyter
# and the kernelspec goes to JUPYTER_PREFIX/share/jupyter/kernels, where every user's Jupyter
# looks (/usr/local is on the search path of any Python's Jupyter). Everything installed is
# root's, folders and programs mode 755 and other files 644, whoever owns the checkout: what
# every student's kernel runs is no user's to change.
set -euo pipefail
prefix=${1:?usage: scripts/install-hub.sh PREFIX [JUPYTER_PREFIX]}
jupyter_prefix=${2:-/usr/local}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/pins.sh

say() { printf '==> %s\n' "$*"; }
fail() { printf 'install-hub: %s\n' "$*" >&2; exit 1; }

[[ $prefix == /* && $jupyter_prefix == /* ]] || fail "PREFIX and JUPYTER_PREFIX must be absolute paths"
[ "$(id -u)" = 0 ] || fail "run it as root (sudo make install-hub): the install must be root's, so that no user can change what every student's kernel runs"
for place in "$prefix" "$jupyter_prefix"; do
  gradflow_folders_safe "$place" || fail "$place, or a folder above it, could be changed by a user; choose another PREFIX or fix that folder"
done
libtorch=$(readlink -f "${GRADFLOW_LIBTORCH:-$root/.venv/libtorch}")
[ -x "$ENGINE_PROGRAM" ] && [ -x "$EVCXR_JUPYTER" ] && [ -e "$libtorch/lib/libtorch_cpu.so" ] ||
  fail "the engine, evcxr or libtorch is missing here; run 'make setup' first"
command -v rustc >/dev/null || fail "no Rust toolchain (rustc) on PATH to install for the students"

share=$prefix/share/gradflow
lib=$prefix/lib/gradflow
# Every file readable by all, writable by root alone (and made so below, whatever the copies keep).
umask 022
rm -rf "$share" "$lib"
mkdir -p "$share" "$lib/bin" "$lib/libtorch/lib" "$lib/rust/bin" "$prefix/bin"

say "the notebooks, the notebooks' crate and the kernel's launcher into $share"
# (git reads a checkout that another user owns only when told to: this one is read, not run.)
git -c safe.directory="$root" ls-files -z --cached --others --exclude-standard Cargo.toml crates/gradflow notebooks scripts/kernel scripts/kernelspec scripts/pins.sh \
    scripts/notebooks.py scripts/evcxr | tar --null -T - -cf - | tar -xf - -C "$share" --no-same-owner
# scripts/pins.sh reads this last: the shared places of this install, which no student writes.
{
  echo "# Written by make install-hub (scripts/install-hub.sh): this install's shared, read-only places."
  printf 'EVCXR_JUPYTER=%q\n' "$lib/bin/evcxr_jupyter"
  printf 'ENGINE_PROGRAM=%q\n' "$lib/bin/gradflow"
  printf 'KERNEL_PREBUILT=%q\n' "$lib/kernel-prebuilt"
  # It never changes while students use it: copied without a lock (scripts/kernel).
  echo "KERNEL_PREBUILT_LOCK="
  printf 'INSTALLED_RUST=%q\n' "$lib/rust"
} >"$share/scripts/installed.sh"
sed "s|@PREFIX@|$prefix|g" scripts/hub/jupyterhub_config.py >"$share/jupyterhub_config.py"
cp scripts/hub/gradflow-singleuser "$prefix/bin/gradflow-singleuser"

say "evcxr_jupyter $EVCXR_VERSION, the engine and the libtorch libraries it loads into $lib"
cp "$EVCXR_JUPYTER" "$lib/bin/evcxr_jupyter"
cp "$ENGINE_PROGRAM" "$lib/bin/gradflow"
LD_LIBRARY_PATH=$libtorch/lib ldd "$ENGINE_PROGRAM" |
  awk -v dir="$libtorch/lib/" 'index($3, dir) == 1 { print $3 }' | xargs cp -t "$lib/libtorch/lib"

# The toolchain's programs and libraries, not its documentation (800 MB).
sysroot=$(rustc --print sysroot)
say "Rust $(rustc --version | cut -d' ' -f2) from $sysroot into $lib/rust"
cp -a "$sysroot/bin/cargo" "$sysroot/bin/rustc" "$lib/rust/bin/"
cp -a "$sysroot/lib" "$lib/rust/lib"

say "registering the Jupyter kernel $KERNEL_NAME in $jupyter_prefix"
"$share/scripts/kernelspec" "$jupyter_prefix" "$lib/libtorch" >/dev/null

# Through the installed kernel with the installed toolchain alone (not the installer's rustup),
# from the installed notebooks' folder, so that a student's kernel finds it current.
say "pre-building the notebooks' crate for the students' kernels"
mkdir -p "$lib/kernel-prebuilt"
GRADFLOW_KERNEL_DIR=$lib/kernel-prebuilt JUPYTER_PATH=$jupyter_prefix/share/jupyter \
  PATH=$lib/rust/bin:/usr/local/bin:/usr/bin:/bin "$root/.venv/bin/python" "$share/scripts/notebooks.py" prebuild
# Root's, readable by all and writable by root alone: copies keep their owners' names otherwise
# (cp -a, and tar run as root), and the kernel's umask made the pre-built folder root's alone.
kernelspec=$jupyter_prefix/share/jupyter/kernels/$KERNEL_NAME
chown -R -h 0:0 "$share" "$lib" "$prefix/bin/gradflow-singleuser" "$kernelspec"
chmod -R u=rwX,go=rX "$share" "$lib" "$prefix/bin/gradflow-singleuser" "$kernelspec"

say "installed in $prefix ($(du -sh "$prefix" | cut -f1)); the hub's settings are in $share/jupyterhub_config.py"
