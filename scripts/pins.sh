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

# The kernels' build folders, one set per checkout (the dependencies are built against that
# checkout's libtorch), in the user's own cache, never in the temporary folder: cargo reads
# .cargo/config.toml in every folder above where it builds, and anyone can make one in /tmp.
# They lie outside every Cargo workspace but this checkout's, whose Cargo.toml excludes .cache
# (on Binder $HOME is this checkout): cargo refuses evcxr's package inside a workspace
# ("believes it's in a workspace when it's not"), and evcxr 0.22 writes no [workspace] table.
KERNEL_BUILDS=$GRADFLOW_CACHE/kernel-build
KERNEL_BUILD=$KERNEL_BUILDS/$(printf '%s' "${root:?}" | sha256sum | cut -c1-12)
# What the set-up pre-builds there, which each slot's first kernel starts from, and the lock
# that the set-up holds while it rebuilds it (none for an install's, which never changes).
KERNEL_PREBUILT=$KERNEL_BUILD/prebuilt
KERNEL_PREBUILT_LOCK=$KERNEL_PREBUILT.lock

# Whether every folder from / to $1 belongs to this user or root, is no link, and can be
# changed by no one else, not even with the sticky bit (a build reads .cargo/config.toml from
# every folder above it): OpenSSH's StrictModes, path by path from the top, so that a folder
# passed cannot be changed by anyone else before the next is looked at. What is missing at
# the end is left for the caller to make. Says which folder fails, and why, on standard error.
gradflow_folders_safe() {
  local uid owner mode kind reached='' part problem
  local -a parts
  uid=$(id -u)
  [[ $1 == /* ]] || { echo "gradflow: $1 is not an absolute path" >&2; return 1; }
  IFS=/ read -ra parts <<<"${1#/}"
  for part in '' "${parts[@]}"; do
    if [ -z "$part" ] && [ -n "$reached" ]; then continue; fi
    case $part in . | ..) echo "gradflow: name $1 without . or .." >&2; return 1 ;; esac
    reached=${reached%/}/$part
    [ -e "$reached" ] || [ -L "$reached" ] || return 0
    # stat without -L describes a link itself, never what it leads to.
    read -r owner mode kind < <(stat -c '%u %a %F' -- "$reached")
    if [ "$kind" != directory ]; then problem="is a $kind, not a folder"
    elif [ "$owner" != "$uid" ] && [ "$owner" != 0 ]; then problem="belongs to another user (uid $owner)"
    elif (( 8#$mode & 8#022 )); then problem="can be changed by other users (mode $mode)"
    else continue
    fi
    echo "gradflow: will not use $1: $reached $problem, so another user could change what runs there as you (uid $uid)" >&2
    return 1
  done
}

# The engine (the `gradflow` program, which links libtorch) that notebook cells ask to compute,
# and that scripts/kernel names to the kernel: built in the checkout's target/, as `cargo build`
# builds it, except on Binder, where postBuild leaves the repository as it was and it goes
# beside the kernels' builds.
ENGINE_TARGET=$root/target
[[ $KERNEL_BUILD != "$root"/* ]] || ENGINE_TARGET=$KERNEL_BUILD/engine-target
ENGINE_PROGRAM=$ENGINE_TARGET/release/gradflow

# An administrator's install for every user of a server (make install-hub) names its own shared,
# read-only places instead; each user's kernels still build in their own cache.
if [ -f "$root/scripts/installed.sh" ]; then
  source "$root/scripts/installed.sh"
fi
