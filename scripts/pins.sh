# Versions and places shared by scripts/setup.sh, scripts/kernel and postBuild, which source this
# file after setting $root to the checkout, and scripts/notebooks.py, which asks bash for them.

# tch 0.26 binds libtorch 2.13.0; requirements.txt pins torch==2.13.0 to match.
TORCH_VERSION=2.13.0
EVCXR_VERSION=0.22.0
# The CPython versions that torch 2.13.0 and the other pins have wheels for, and that are tested.
PYTHON_VERSIONS="3.10 3.11 3.12 3.13"
KERNEL_NAME=gradflow-rust
# The slide decks' scripts, from the npm registry; nbconvert's reveal.js template is made for 4.0.
SLIDES_NPM="reveal.js@4.0.2 requirejs@2.3.8 jquery@3.7.1"

# Outside the checkout, so that a second clone on this machine reuses what the first built.
GRADFLOW_CACHE=${GRADFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gradflow}
# The kernel's evcxr: by default built with the patches in scripts/evcxr/patches (their README says
# why), in a folder named after the patches' content so that a changed patch builds anew;
# GRADFLOW_EVCXR=stock (in the set-up's or the kernel's environment) picks evcxr as published.
GRADFLOW_EVCXR=${GRADFLOW_EVCXR:-patched}
EVCXR_HOME=$GRADFLOW_CACHE/evcxr-$EVCXR_VERSION
if [ "$GRADFLOW_EVCXR" != stock ]; then
  EVCXR_HOME=$EVCXR_HOME-$(cat "$root"/scripts/evcxr/patches/*.patch | sha256sum | cut -c1-12)
fi
EVCXR_JUPYTER=$EVCXR_HOME/bin/evcxr_jupyter
WHEELS=$GRADFLOW_CACHE/wheels
SLIDES_ASSETS=$GRADFLOW_CACHE/slides-assets
# Rust, where postBuild installs it with rustup (a Binder image has none): in the cache, not in
# ~/.cargo, which on Binder is this checkout's .cargo/. scripts/kernel puts it on PATH.
RUST_HOME=$GRADFLOW_CACHE/rust

# Whether $1, or a folder above it, holds a Cargo.toml (where cargo looks for a workspace).
gradflow_under_cargo_toml() {
  local dir=$1 up
  while :; do
    [ -e "$dir/Cargo.toml" ] && return 0
    up=$(dirname "$dir")
    [ "$up" != "$dir" ] || return 1
    dir=$up
  done
}

# The kernels' build folders, one set per checkout (the dependencies are built against that
# checkout's libtorch). They must lie outside every Cargo workspace: cargo refuses evcxr's
# package inside one ("believes it's in a workspace when it's not"), and evcxr 0.22 writes its
# Cargo.toml with no [workspace] table and has no setting to add one. On Binder $HOME is this
# checkout, so ~/.cache lies inside our workspace: there they go to the temporary folder, the one
# place outside $HOME that every user can write and that an image keeps.
KERNEL_BUILDS=$GRADFLOW_CACHE/kernel-build
in_checkout=
if gradflow_under_cargo_toml "$KERNEL_BUILDS"; then
  # Not in gradflow-<uid>, the engine's socket folder, which only the client makes (mode 700):
  # made here by mkdir, it would be open to others and the client would refuse it.
  KERNEL_BUILDS=${TMPDIR:-/tmp}/gradflow-kernels-$(id -u)
  in_checkout=1
fi
KERNEL_BUILD=$KERNEL_BUILDS/$(printf '%s' "${root:?}" | sha256sum | cut -c1-12)
# What the set-up pre-builds there, which each slot's first kernel starts from.
KERNEL_PREBUILT=$KERNEL_BUILD/prebuilt

# The engine (the `gradflow` program, which links libtorch) that notebook cells ask to compute,
# and that scripts/kernel names to the kernel: built in the checkout's target/, as `cargo build`
# builds it, except on Binder, where postBuild leaves the repository as it was and it goes
# beside the kernels' builds.
ENGINE_TARGET=$root/target
[ -z "$in_checkout" ] || ENGINE_TARGET=$KERNEL_BUILD/engine-target
ENGINE_PROGRAM=$ENGINE_TARGET/release/gradflow

# An administrator's install for every user of a server (make install-hub) names its own shared,
# read-only places instead; each user's kernels still build in their own cache.
if [ -f "$root/scripts/installed.sh" ]; then
  source "$root/scripts/installed.sh"
fi
