"""The Binder / JupyterHub image, proven without Docker (`make test-binder`, not `pytest tests`):
the Dockerfile that repo2docker writes for this repository, and postBuild run as that Dockerfile
runs it, then notebook 01 through the kernel it registered, its lines equal to PyTorch's there."""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

import notebooks
from conftest import ROOT, work_folder
from other_users import python_for, readable
from outputs import cell_containing, text

pytestmark = pytest.mark.binder

# The repo2docker that mybinder.org runs today; the Dockerfile depends on its version, so it is
# pinned here and installed apart from the notebooks' stack, which it has no business in.
REPO2DOCKER = "jupyter-repo2docker==2026.4.0"
# Binder's notebook user.
NB_USER, NB_UID = "jovyan", 1000
# Who runs postBuild when the tests run as root: a uid with no account and no files of the clone.
UNPRIVILEGED_UID = 4242
SEED = [3, 3, 3, 3, 3, 1]
# Cells of notebook 01 and what PyTorch prints for them: (snippet, experiment, 0 module or 1 gradients).
SEED_CHECKS = [
    ("let model = DeepNetwork::builder", {"layer_sizes": SEED, "shortcut": False}, 0),
    ("a sign of vanishing gradients", {"layer_sizes": SEED, "shortcut": False}, 1),
    ("print_gradients(&model_with_shortcut", {"layer_sizes": SEED, "shortcut": True}, 1),
    ("the second run on the same model", {"layer_sizes": SEED, "shortcut": False, "runs": 2}, 1),
]


def environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def pinned_python():
    """The image's Python, x.y, as environment.yml pins it."""
    pins = [d for d in environment()["dependencies"] if isinstance(d, str) and re.match(r"python\b", d)]
    assert len(pins) == 1 and re.fullmatch(r"python=3\.\d+", pins[0]), f"pin one x.y Python: {pins}"
    return pins[0].split("=")[1]


def pip_list():
    """environment.yml's pip packages, which the image installs into its conda environment."""
    return next(d["pip"] for d in environment()["dependencies"] if isinstance(d, dict))


def new_clone(parent):
    """A fresh clone of this repository's last commit, as repo2docker copies a repository."""
    path = Path(parent) / "gradflow"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(path)], check=True)
    return path


# (a) The Dockerfile.

@pytest.fixture(scope="module")
def dockerfile(tmp_path_factory):
    """What `repo2docker --no-build --debug` prints for a clone, as Binder's user builds it."""
    work = tmp_path_factory.mktemp("repo2docker")
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    subprocess.run([str(work / "venv/bin/python"), "-m", "pip", "install", "-q", REPO2DOCKER], check=True)
    done = subprocess.run([str(work / "venv/bin/repo2docker"), "--no-build", "--debug", "--user-id", str(NB_UID),
                           "--user-name", NB_USER, "."], cwd=new_clone(work), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def instructions(dockerfile):
    """The Dockerfile's instructions, one string each, with the user each runs as."""
    user, steps = "root", []
    for line in re.sub(r"\\\n", " ", dockerfile).splitlines():
        if line.startswith("USER "):
            user = line.split()[1]
        if re.match(r"(RUN|COPY|USER|ENV|ARG|WORKDIR|CMD) ", line):
            steps.append((user, line))
    return steps


def index(steps, pattern):
    found = [i for i, (_, line) in enumerate(steps) if re.search(pattern, line)]
    assert found, f"no step matches {pattern!r}"
    return found[0]


def test_the_image_python_is_the_pinned_one(dockerfile):
    assert "Python version unspecified" not in dockerfile
    assert f"Building conda environment for python={pinned_python()}" in dockerfile


def test_the_dockerfile_installs_environment_yml_then_runs_postbuild_as_the_notebook_user(dockerfile):
    steps = instructions(dockerfile)
    # The repository is $HOME: that is why postBuild's caches land inside our Cargo workspace.
    assert index(steps, r"^ARG REPO_DIR=\$\{HOME\}$") < index(steps, r"^WORKDIR \$\{REPO_DIR\}$")
    env_update = index(steps, r'env update -p \$\{NB_PYTHON_PREFIX\} --file "environment.yml"')
    copy_env = index(steps, r"^COPY .*src/environment.yml \$\{REPO_DIR\}/environment.yml$")
    copy_repo = index(steps, r"^COPY .*src/ \$\{REPO_DIR\}/$")
    post_build = index(steps, r"^RUN ./postBuild$")
    assert copy_env < env_update < copy_repo < post_build
    assert steps[env_update][0] == steps[post_build][0] == "${NB_USER}"
    assert f"--chown={NB_UID}:{NB_UID} src/ " in steps[copy_repo][1]
    # Nothing puts a Rust toolchain on PATH: postBuild installs one and scripts/kernel finds it.
    assert not any("cargo" in line for _, line in steps if line.startswith("ENV PATH"))
    assert re.search(r'^CMD \["jupyter", "notebook"', dockerfile, re.MULTILINE)


# (b) postBuild, run as the image runs it.

def as_user(uid):
    """The command prefix that runs as `uid` (none when the tests are not root)."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"] if uid else []


def image_environment(work):
    """The image's conda environment: a venv with environment.yml's pip list. pip finds wheels in
    the set-up's wheel folder (the same pins as requirements.txt): that is the image's Python stack,
    not the project's build cache, and it saves downloading 2.7 GB again. Returns the venv and
    the environment variables its Python needs."""
    python, variables = python_for(pinned_python(), work)
    env = work / "env"
    subprocess.run([str(python), "-m", "venv", str(env)], check=True)
    requirements = work / "image-requirements.txt"
    requirements.write_text("\n".join(pip_list()) + "\n")
    wheels, = notebooks.pins("WHEELS")
    subprocess.run([str(env / "bin/python"), "-m", "pip", "install", "-q", "--find-links", wheels, "-r",
                    str(requirements)], check=True, timeout=1200)
    return env, variables


def rustup_stand_in(work):
    """A `curl` whose rustup installer links this machine's Rust toolchain into $CARGO_HOME/bin, so
    that postBuild takes its rustup path."""
    sysroot = Path(subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True,
                                  check=True).stdout.strip())
    toolchain = readable(sysroot, work)
    stubs = work / "stubs"
    stubs.mkdir()
    (stubs / "curl").write_text(f"""#!/bin/sh
cat <<'SH'
mkdir -p "$CARGO_HOME/bin" "$RUSTUP_HOME" && ln -s {toolchain}/bin/* "$CARGO_HOME/bin/"
SH
""")
    (stubs / "curl").chmod(0o755)
    return stubs


def image_env(home, env, python_variables, stubs, tmp):
    """The environment the image gives postBuild and the kernels: nothing of ours cached, no cargo."""
    return {"HOME": str(home), "USER": NB_USER, "LANG": "C.UTF-8", "TMPDIR": str(tmp),
            "PATH": f"{env}/bin:{stubs}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            **python_variables}


@pytest.fixture(scope="module")
def image():
    """A fresh clone as $HOME, its files read-only to the user that runs postBuild in it: a uid of
    no account when the tests are root (root writes through any mode), else this user with every
    file of the clone made read-only. Only $HOME itself is theirs, as in the image."""
    work = work_folder("gradflow-binder-")
    try:
        uid = UNPRIVILEGED_UID if os.geteuid() == 0 else 0
        home = new_clone(work)
        env, python_variables = image_environment(work)
        stubs = rustup_stand_in(work)
        tmp = work / "tmp"
        tmp.mkdir()
        if uid:
            # The notebook user owns $HOME, its conda environment and its temporary folder.
            subprocess.run(["chown", "-R", f"{uid}:{uid}", str(env), str(tmp)], check=True)
            os.chown(home, uid, uid)
        else:
            subprocess.run(["chmod", "-R", "a-w", *map(str, home.iterdir())], check=True)
        yield {"home": home, "env": env, "uid": uid, "work": work, "vars": image_env(home, env, python_variables, stubs, tmp)}
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(work)])
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def post_built(image):
    """postBuild run as repo2docker runs it: in $HOME, as the notebook user."""
    done = subprocess.run([*as_user(image["uid"]), "./postBuild"], cwd=image["home"], env=image["vars"],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return image


def pins(image, *names):
    """What scripts/pins.sh names in the image, for its user."""
    said = notebooks.pins(*names, root=image["home"], user=as_user(image["uid"]), env=image["vars"])
    return [Path(line) for line in said]


def test_postbuild_writes_nothing_in_the_repository_but_its_caches(post_built):
    home = post_built["home"]
    # $HOME belongs to the notebook user, which git would otherwise call dubious.
    status = subprocess.run(["git", "-c", f"safe.directory={home}", "status", "--porcelain", "--untracked-files=all",
                             "--ignored"], cwd=home, capture_output=True, text=True, check=True).stdout
    changed = [line for line in status.splitlines() if not re.match(r"(\?\?|!!) \.(cache|local)/", line)]
    assert not changed, "postBuild changed the repository:\n" + "\n".join(changed[:20])


def test_postbuild_builds_the_engine_beside_the_kernels_builds_and_keeps_only_its_program(post_built):
    program, builds = pins(post_built, "ENGINE_PROGRAM", "KERNEL_BUILD")
    # In the cache beside the kernels' builds (~/.cache/gradflow), not in the repository's target/.
    assert program.is_file() and program.is_relative_to(builds), program
    assert [p.name for p in program.parent.iterdir()] == ["gradflow"]
    said = subprocess.run([*as_user(post_built["uid"]), str(program), "--version"], env=post_built["vars"],
                          capture_output=True, text=True)
    assert said.returncode == 0 and said.stdout.startswith("gradflow "), said.stderr


def test_postbuild_registers_the_kernel_in_the_image_environment(post_built):
    listing = subprocess.run([*as_user(post_built["uid"]), "jupyter", "kernelspec", "list", "--json"],
                             env=post_built["vars"], capture_output=True, text=True, check=True).stdout
    found = json.loads(listing)["kernelspecs"]["gradflow-rust"]
    assert Path(found["resource_dir"]).is_relative_to(post_built["env"])
    assert found["spec"]["argv"][0] == str(post_built["home"] / "scripts/kernel")
    torch = found["spec"]["env"]["GRADFLOW_LIBTORCH"]
    assert Path(torch).is_relative_to(post_built["env"]) and Path(torch, "lib/libtorch_cpu.so").exists()


def test_postbuild_installs_rust_and_prebuilds_in_the_users_cache_outside_our_workspace(post_built):
    rust_home, builds, prebuilt, evcxr = pins(post_built, "RUST_HOME", "KERNEL_BUILD", "KERNEL_PREBUILT",
                                              "EVCXR_JUPYTER")
    assert (rust_home / "cargo/bin/cargo").exists(), "postBuild took its rustup path"
    cache = post_built["home"] / ".cache/gradflow"
    assert evcxr.is_relative_to(cache) and evcxr.exists()
    # Not in /tmp, where anyone could plant a .cargo/config.toml above the builds; cargo takes
    # evcxr's package there because our workspace excludes .cache.
    assert builds.is_relative_to(cache), builds
    assert ".cache" in tomllib.loads((post_built["home"] / "Cargo.toml").read_text())["workspace"]["exclude"]
    assert (prebuilt / "target").is_dir()


# Run in the image's environment, as its user: notebook 01 through the registered kernel, and
# PyTorch's lines for the same experiments, from the clone's own helpers.
RUN_SEED_NOTEBOOK = """
import json, sys
home, checks, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
sys.path[:0] = [home + "/scripts", home + "/tests"]
import nbformat, notebooks, pytorch
nb = notebooks.execute(notebooks.NOTEBOOKS / "01-shortcut-connections.ipynb")
nbformat.write(nb, out)
print(json.dumps([ref[part] for ref, (_, _, part) in zip(pytorch.references([c[1] for c in checks]), checks)]))
"""


def test_notebook_01_through_the_image_kernel_prints_pytorchs_lines(post_built):
    out = post_built["work"] / "tmp" / "01.ipynb"
    done = subprocess.run([*as_user(post_built["uid"]), "python", "-c", RUN_SEED_NOTEBOOK, str(post_built["home"]),
                           json.dumps(SEED_CHECKS), str(out)], env=post_built["vars"], capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = json.loads(done.stdout.splitlines()[-1])
    nb = nbformat.read(out, as_version=4)
    for (snippet, _, _), lines in zip(SEED_CHECKS, expected):
        assert lines and text(cell_containing(nb, snippet)) == lines, snippet
    builds, = pins(post_built, "KERNEL_BUILD")
    assert (builds / "slot-0" / "target").is_dir(), "the kernel built in a slot copied from the pre-built folder"
