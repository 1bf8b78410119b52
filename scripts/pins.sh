# Versions and places shared by the set-up, the kernel and the Makefile. Sourced, not run.

# tch 0.26 binds libtorch 2.13.0; requirements.txt pins torch==2.13.0 to match.
TORCH_VERSION=2.13.0
EVCXR_VERSION=0.22.0
KERNEL_NAME=gradflow-rust

# Outside the checkout, so that a second clone on this machine reuses what the first built.
GRADFLOW_CACHE=${GRADFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gradflow}
EVCXR_JUPYTER=$GRADFLOW_CACHE/evcxr-$EVCXR_VERSION/bin/evcxr_jupyter
WHEELS=$GRADFLOW_CACHE/wheels
KERNEL_BUILD=$GRADFLOW_CACHE/kernel-build
