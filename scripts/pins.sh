# Versions and places shared by scripts/setup.sh and scripts/kernel, which source this file
# after setting $root to the checkout.

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
EVCXR_JUPYTER=$GRADFLOW_CACHE/evcxr-$EVCXR_VERSION/bin/evcxr_jupyter
WHEELS=$GRADFLOW_CACHE/wheels
SLIDES_ASSETS=$GRADFLOW_CACHE/slides-assets
# The kernels' build folders, one set per checkout (the dependencies are built against that
# checkout's libtorch). Outside the checkout: cargo refuses a package inside our workspace.
KERNEL_BUILD=$GRADFLOW_CACHE/kernel-build/$(printf '%s' "${root:?}" | sha256sum | cut -c1-12)
# What the set-up pre-builds there, which each slot's first kernel starts from.
KERNEL_PREBUILT=$KERNEL_BUILD/prebuilt
