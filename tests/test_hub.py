"""A class on one server (`make test-hub`, as root; not in `pytest tests`): gradflow installed once
by `make install-hub` from a checkout that a student owns, a real JupyterHub on 127.0.0.1 (PAM
logins, LocalProcessSpawner, configurable-http-proxy) and three Unix users that the test creates
and removes, with homes open to read (0755, as many systems make them). Each logs in through the
hub and runs notebook 01 through the hub's proxy, all three at once: every line equal to
PyTorch's, every chart there. Before that run, a classmate (the third student, a real Unix user)
tries every attack on the first student's kernel: every lock it can open held, the names a kernel
once used in /tmp made first with planted sockets, an init.evcxr race and a /tmp/.cargo with a
rustc-wrapper that records who runs it; after it, a fake engine, reading the student's files and
changing the install. Memory of the hub and of each student's server is printed (`-s` or the
summary shows it), never asserted against a time or a size."""

import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
import requests
import websocket

import notebooks
from conftest import ROOT, SEED_NOTEBOOK, work_folder
from kernels import REPORT_CELL, dependency_libraries
from notebook_checks import check_outputs_current, check_seed_notebook
from other_users import python_for
from outputs import svgs, text
from pytorch import reference

pytestmark = pytest.mark.hub

# The hub, the proxy and the single-user server that a class would install, from their registries.
JUPYTERHUB = "jupyterhub==6.1.1"
PROXY = "configurable-http-proxy@5.3.0"
STUDENTS = 3
# Where each student's server finds notebook 01: ~/gradflow, where gradflow-singleuser copies it.
NOTEBOOK = "gradflow/notebooks/" + SEED_NOTEBOOK.name
# How many process ids after the last one a classmate plants sockets for: enough to cover the
# first student's kernel, started seconds later beside two others on a busy machine.
PLANTED_PIDS = 3000
MIB = 2**20
GIB = 2**30


def jupyterlab_pin():
    """requirements.txt's JupyterLab: the students' server is the one the project tests."""
    return next(line.split(";")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
                if line.startswith("jupyterlab=="))


class Student:
    """A Unix user of the class, and their browser: a session with the hub's cookies."""

    def __init__(self, name):
        self.name = name
        self.password = secrets.token_urlsafe(16)
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
        subprocess.run(["chpasswd"], input=f"{name}:{self.password}\n", text=True, check=True)
        account = pwd.getpwnam(name)
        self.uid, self.home = account.pw_uid, Path(account.pw_dir)
        # Open to read, as many distributions make homes: gradflow must keep its files private.
        self.home.chmod(0o755)
        self.http = requests.Session()
        self.url = None

    def run_as(self, *command, **kwargs):
        """Runs `command` as this user, from the temporary folder."""
        return subprocess.Popen(["runuser", "-u", self.name, "--", *command], cwd="/tmp", **kwargs)

    def processes(self):
        return [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == self.uid]

    def remove(self):
        # Only what the test started as this user is left: its processes, by id.
        for process in self.processes():
            process.kill()
        psutil.wait_procs(self.processes(), timeout=30)
        subprocess.run(["userdel", "--remove", self.name], stderr=subprocess.DEVNULL)

    # Through the hub, as a browser.

    def log_in(self, hub):
        """Logs in on the hub's page, which starts this student's server; waits until JupyterLab
        answers through the proxy (the server's own login goes through the hub's OAuth)."""
        self.url = f"{hub}/user/{self.name}"
        self.http.get(f"{hub}/hub/login").raise_for_status()
        said = self.http.post(f"{hub}/hub/login", data={"username": self.name, "password": self.password,
                                                       "_xsrf": self.http.cookies.get("_xsrf", path="/hub/")})
        assert said.ok and "Invalid username or password" not in said.text, said.text[-2000:]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            page = self.http.get(f"{self.url}/lab")
            if page.ok and page.url.startswith(f"{self.url}/lab"):
                return
            time.sleep(1)
        raise AssertionError(f"{self.name}'s server did not start in 5 minutes: {page.status_code} {page.url}")

    def xsrf(self):
        return self.http.cookies.get("_xsrf", path=f"/user/{self.name}/")

    def api(self, method, path, **kwargs):
        answer = self.http.request(method, f"{self.url}/api/{path}", headers={"X-XSRFToken": self.xsrf()}, **kwargs)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def notebook(self, path):
        """The notebook at `path` in this student's home, as their server reads it."""
        return nbformat.from_dict(self.api("GET", f"contents/{path}?content=1")["content"])

    def open(self, path):
        """Opens `path` as JupyterLab does (a session, which starts a kernel in its folder)."""
        session = self.api("POST", "sessions", json={"path": path, "type": "notebook", "name": Path(path).name,
                                                     "kernel": {"name": notebooks.KERNEL_NAME}})
        return Kernel(self, session)


class Kernel:
    """A kernel of a student's server, driven over its websocket through the hub's proxy."""

    def __init__(self, student, session):
        self.student, self.session = student, session
        cookies = "; ".join(f"{c.name}={c.value}" for c in student.http.cookies)
        url = student.url.replace("http://", "ws://") + \
            f"/api/kernels/{session['kernel']['id']}/channels?session_id={uuid.uuid4().hex}&_xsrf={student.xsrf()}"
        self.socket = websocket.create_connection(url, cookie=cookies, timeout=notebooks.CELL_TIMEOUT_S)

    def run(self, code):
        """Runs a cell; returns its outputs as a notebook keeps them."""
        msg_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": self.session["id"],
                       "username": self.student.name, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        outputs, idle, replied = [], False, False
        while not (idle and replied):
            idle, replied = self._receive(msg_id, outputs, idle, replied)
        # evcxr can send a cell's printed lines after it is idle (scripts/notebooks.py's Client).
        self.socket.settimeout(notebooks.LATE_OUTPUT_S)
        try:
            while True:
                self._receive(msg_id, outputs, idle, replied)
        except websocket.WebSocketTimeoutException:
            pass
        self.socket.settimeout(notebooks.CELL_TIMEOUT_S)
        return outputs

    def _receive(self, msg_id, outputs, idle, replied):
        msg = json.loads(self.socket.recv())
        if msg["parent_header"].get("msg_id") == msg_id:
            kind = msg["header"]["msg_type"]
            if kind == "execute_reply":
                replied = True
            elif kind == "status":
                idle = idle or msg["content"]["execution_state"] == "idle"
            elif kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append(nbformat.v4.output_from_msg(msg))
        return idle, replied

    def close(self):
        self.socket.close()
        self.student.api("DELETE", f"sessions/{self.session['id']}")


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def checkout_of(owner, work):
    """This checkout as a hub user would hold it (on The Littlest JupyterHub the administrator is
    often one): a clone with this working tree's files, set up (the venv, the engine), every file
    the user's. `make install-hub` is `scripts/install-hub.sh` after `make setup`."""
    checkout = work / "checkout"
    # Without hard links: the checkout's files are given to `owner`, this repository's are not.
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(checkout)], check=True)
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout
    subprocess.run(f"tar --null -T - -cf - | tar -xf - -C {checkout}", shell=True, input=files, cwd=ROOT,
                   check=True)
    (checkout / ".venv").unlink(missing_ok=True)
    (checkout / ".venv").symlink_to(ROOT / ".venv")
    engine, = notebooks.pins("ENGINE_PROGRAM")
    (checkout / "target/release").mkdir(parents=True)
    shutil.copy2(engine, checkout / "target/release/gradflow")
    subprocess.run(["chown", "-R", "-h", f"{owner.name}:{owner.name}", str(checkout)], check=True)
    return checkout


def install(work, env, owner):
    """`make install-hub` from a checkout `owner` owns into a prefix of the test's, the kernelspec
    into the hub's environment."""
    prefix = work / "prefix"
    checkout = checkout_of(owner, work)
    begun = time.monotonic()
    subprocess.run(["scripts/install-hub.sh", str(prefix), str(env)], cwd=checkout, check=True, timeout=1800)
    return prefix, time.monotonic() - begun


def hub_environment(work):
    """The hub's Python environment, where each student's server runs from too: JupyterHub from
    PyPI and the project's JupyterLab, in a venv of a Python that every user can run."""
    version = "%d.%d" % sys.version_info[:2]
    python, variables = python_for(version, work)
    env = work / "env"
    subprocess.run([str(python), "-m", "venv", str(env)], check=True, env={**os.environ, **variables})
    wheels, = notebooks.pins("WHEELS")
    subprocess.run([str(env / "bin/python"), "-m", "pip", "install", "-q", "--find-links", wheels, JUPYTERHUB,
                    jupyterlab_pin()], check=True, timeout=1200, env={**os.environ, **variables})
    return env, variables


def proxy(work):
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(work / "proxy"), PROXY],
                   check=True, timeout=600)
    return work / "proxy/node_modules/.bin/configurable-http-proxy"


CONFIG = """\
# The installed settings (Spawner.cmd, default_url, mem_limit), as a class's hub loads them.
load_subconfig({installed!r})
c.JupyterHub.bind_url = {url!r}
c.JupyterHub.hub_bind_url = {hub_url!r}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = {proxy_api!r}
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {users!r}
c.JupyterHub.spawner_class = "localprocess"
# This hub's own jupyterhub-singleuser, which is not on the students' PATH.
c.Spawner.cmd = [c.Spawner.cmd[0], {singleuser!r}]
c.Spawner.environment = {environment!r}
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.JupyterHub.db_url = {db!r}
c.JupyterHub.cookie_secret_file = {secret!r}
"""


def start_hub(work, env, variables, prefix, proxy_program, students):
    url, hub_url = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    config = work / "jupyterhub_config.py"
    config.write_text(CONFIG.format(
        installed=str(prefix / "share/gradflow/jupyterhub_config.py"), url=url, hub_url=hub_url,
        proxy=str(proxy_program), proxy_api=f"http://127.0.0.1:{free_port()}", users={s.name for s in students},
        singleuser=str(env / "bin/jupyterhub-singleuser"), environment=variables,
        db=f"sqlite:///{work}/jupyterhub.sqlite", secret=str(work / "cookie_secret")))
    log = open(work / "hub.log", "w")
    hub = subprocess.Popen([str(env / "bin/jupyterhub"), "-f", str(config)], cwd=work, stdout=log,
                           stderr=subprocess.STDOUT, env={**os.environ, **variables,
                                                          "PATH": f"{env}/bin:{os.environ['PATH']}"})
    for _ in range(240):
        assert hub.poll() is None, (work / "hub.log").read_text()[-5000:]
        try:
            if requests.get(f"{url}/hub/api", timeout=2).ok:
                return hub, url
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError("the hub did not answer in 2 minutes:\n" + (work / "hub.log").read_text()[-5000:])


def manifest(*folders):
    """Every file under `folders` (and each folder itself) with its owner, group, size, mode and
    time of change."""
    return {str(p): (s.st_uid, s.st_gid, s.st_size, s.st_mode, s.st_mtime_ns)
            for folder in folders for p in [folder, *folder.rglob("*")] for s in [p.lstat()]}


@pytest.fixture(scope="module")
def hub():
    """The class: gradflow installed, three students, the hub running; all removed afterwards."""
    if os.geteuid() != 0:
        pytest.fail("make test-hub creates Unix users and runs JupyterHub's LocalProcessSpawner: run it as root")
    # Not in /tmp, which others can change: the install refuses a prefix there.
    work = work_folder("gradflow-hub-")
    students, process = [], None
    try:
        suffix = secrets.token_hex(2)
        students = [Student(f"gfstudent{i}{suffix}") for i in range(1, STUDENTS + 1)]
        victim, _, classmate = students
        # The first student keeps a Cargo project of their own in their home.
        give_a_cargo_project(victim)
        readable_before = readable_by(classmate, victim.home)
        env, variables = hub_environment(work)
        prefix, install_s = install(work, env, classmate)
        process, url = start_hub(work, env, variables, prefix, proxy(work), students)
        kernelspec = env / "share/jupyter/kernels" / notebooks.KERNEL_NAME
        yield {"work": work, "env": env, "prefix": prefix, "url": url, "process": process, "students": students,
               "install_s": install_s, "installed": manifest(prefix, kernelspec), "kernelspec": kernelspec,
               "readable_before": readable_before}
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        for student in students:
            remove_from_tmp(student.uid)
            student.remove()
        shutil.rmtree(work, ignore_errors=True)


def give_a_cargo_project(student):
    """A Cargo package in the student's home, as a student of Rust keeps one: the kernels once
    moved their builds to /tmp for it."""
    (student.home / "src").mkdir()
    (student.home / "Cargo.toml").write_text('[package]\nname = "mine"\nversion = "0.1.0"\nedition = "2021"\n')
    (student.home / "src/main.rs").write_text("fn main() {}\n")
    for path in ["Cargo.toml", "src", "src/main.rs"]:
        os.chown(student.home / path, student.uid, student.uid)


def remove_from_tmp(uid):
    """What a student (or the classmate, for them) made in /tmp."""
    for path in Path("/tmp").iterdir():
        try:
            if path.lstat().st_uid == uid:
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        except FileNotFoundError:
            pass


def readable_by(student, folder):
    """The files under `folder` that `student` can read."""
    found = student.run_as("find", str(folder), "-type", "f", "-readable", stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True).communicate(timeout=120)[0]
    return set(found.splitlines())


# The classmate's program, run as that Unix user before the students' kernels start; it holds
# what it made until its standard input closes, and says what it got on each line it reads.
# - Every file it can open under the install and the students' homes, locked exclusively: a
#   lock that kernels wait on would stop the class.
# - The names a kernel once used in /tmp, made first and open to all: each student's socket
#   folder (with a listening socket for each of the next process ids in the first student's)
#   and build folder, whose evcxr-config/init.evcxr it keeps replacing with a `:dep` on its own
#   crate, whose build script records who builds it.
# - /tmp/.cargo/config.toml, whose rustc-wrapper records who runs it (and runs rustc on), for
#   every build whose folder lies under /tmp.
ATTACKER = r"""
import fcntl, json, os, resource, selectors, socket, sys, threading, time
plan = json.loads(sys.argv[1])
record = plan["record"]
resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)

def open_to_all(path, mode=0o777):
    os.makedirs(path, exist_ok=True)
    os.chmod(path, mode)

locks = []
for top in plan["lock_under"]:
    for folder, _, files in os.walk(top):
        for name in files:
            try:
                fd = os.open(os.path.join(folder, name), os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locks.append(fd)
            except OSError:
                pass

open_to_all(record)
ran = os.path.join(record, "ran")
open(ran, "a").close()
os.chmod(ran, 0o666)
wrapper = os.path.join(record, "rustc-wrapper")
with open(wrapper, "w") as out:
    out.write(f"#!/bin/sh\nid -u >> {ran}\nexec \"$@\"\n")
os.chmod(wrapper, 0o755)
os.makedirs("/tmp/.cargo")
with open("/tmp/.cargo/config.toml", "w") as out:
    out.write(f'[build]\nrustc-wrapper = "{wrapper}"\n')
crate = os.path.join(record, "crate")
os.makedirs(os.path.join(crate, "src"))
with open(os.path.join(crate, "Cargo.toml"), "w") as out:
    out.write('[package]\nname = "classmate"\nversion = "0.1.0"\nedition = "2021"\nbuild = "build.rs"\n')
open(os.path.join(crate, "src/lib.rs"), "w").close()
with open(os.path.join(crate, "build.rs"), "w") as out:
    out.write("use std::io::Write;\n"
              "fn main() {\n"
              '    let id = std::process::Command::new("id").arg("-u").output().unwrap();\n'
              f'    std::fs::OpenOptions::new().append(true).open("{ran}").unwrap().write_all(&id.stdout).unwrap();\n'
              "}\n")
os.system(f"chmod -R a+rwX {crate}")

configs = []
chooser = selectors.DefaultSelector()
for victim in plan["victims"]:
    open_to_all(f"/tmp/gradflow-{victim['uid']}")
    config = f"/tmp/gradflow-kernels-{victim['uid']}/{victim['build']}/evcxr-config"
    for part in [f"/tmp/gradflow-kernels-{victim['uid']}", os.path.dirname(config), config]:
        open_to_all(part)
    configs.append(config)
    for pid in victim.get("pids", []):
        path = f"/tmp/gradflow-{victim['uid']}/engine-{pid}.sock"
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        os.chmod(path, 0o777)
        listener.listen()
        listener.setblocking(False)
        chooser.register(listener, selectors.EVENT_READ)

def race():
    # Puts its init.evcxr back as fast as it can, so that it wins against a kernel's mv.
    while True:
        for config in configs:
            with open(f"{config}/.init", "w") as out:
                out.write(f':dep classmate = {{ path = "{crate}" }}\n')
            os.replace(f"{config}/.init", f"{config}/init.evcxr")
        time.sleep(0.001)

threading.Thread(target=race, daemon=True).start()
chooser.register(sys.stdin, selectors.EVENT_READ)
print("ready", flush=True)
accepted = 0
while True:
    for key, _ in chooser.select():
        if key.fileobj is sys.stdin:
            if not sys.stdin.readline():
                sys.exit(0)
            print(json.dumps({"accepted": accepted, "locked": len(locks)}), flush=True)
        else:
            key.fileobj.accept()[0].close()
            accepted += 1
"""


@pytest.fixture(scope="module")
def attacker(hub):
    """Every student logs in; then the classmate plants everything (ATTACKER) before any kernel
    starts. /tmp/.cargo goes whatever happens: every build on the machine under /tmp reads it."""
    victims, classmate = hub["students"][:2], hub["students"][2]
    threads = [threading.Thread(target=s.log_in, args=(hub["url"],)) for s in hub["students"]]
    [t.start() for t in threads]
    [t.join() for t in threads]
    if os.path.lexists("/tmp/.cargo"):
        pytest.fail("/tmp/.cargo exists: the test plants its own there (and removes it); remove that one first")
    share = hub["prefix"] / "share/gradflow"
    build = hashlib.sha256(str(share).encode()).hexdigest()[:12]
    pids = next_pids(PLANTED_PIDS)
    plan = {"record": f"/tmp/gradflow-classmate-{secrets.token_hex(4)}",
            "lock_under": [str(hub["prefix"]), str(hub["kernelspec"]), *(str(s.home) for s in victims)],
            "victims": [{"uid": s.uid, "build": build, "pids": pids if s is victims[0] else []}
                        for s in victims]}
    process = classmate.run_as(str(hub["env"] / "bin/python"), "-c", ATTACKER, json.dumps(plan),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "ready", "the classmate's program did not start"

        def report():
            process.stdin.write("report\n")
            process.stdin.flush()
            return json.loads(process.stdout.readline())

        yield {"classmate": classmate, "pids": pids, "ran": Path(plan["record"]) / "ran", "report": report,
               "planted": [f"/tmp/gradflow-{s.uid}" for s in victims]}
    finally:
        process.stdin.close()
        process.wait(60)
        shutil.rmtree("/tmp/.cargo", ignore_errors=True)
        shutil.rmtree(plan["record"], ignore_errors=True)


def next_pids(count):
    """The next `count` process ids that Linux will give, wrapping past pid_max as it does."""
    last = int(Path("/proc/sys/kernel/ns_last_pid").read_text())
    top = int(Path("/proc/sys/kernel/pid_max").read_text())
    # Linux wraps to 300 (RESERVED_PIDS) after pid_max - 1.
    return [pid if pid < top else pid - top + 300 for pid in range(last + 1, last + 1 + count)]


def run_all(student, barrier, results):
    """A student opens notebook 01 from their home and runs every cell, as Run All does."""
    nb = student.notebook(NOTEBOOK)
    barrier.wait()
    begun = time.monotonic()
    kernel = student.open(NOTEBOOK)
    first_chart = None
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = kernel.run(cell.source)
            if first_chart is None and svgs(cell):
                first_chart = time.monotonic() - begun
    results[student.name] = {"nb": nb, "kernel": kernel, "first_chart_s": first_chart,
                             "run_all_s": time.monotonic() - begun}


@pytest.fixture(scope="module")
def ran(hub, attacker):
    """All three students run notebook 01 at once; their kernels stay open for what follows."""
    results, barrier = {}, threading.Barrier(STUDENTS)
    threads = [threading.Thread(target=run_all, args=(s, barrier, results)) for s in hub["students"]]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert set(results) == {s.name for s in hub["students"]}, "a student's Run All failed (see above)"
    yield results
    for result in results.values():
        result["kernel"].close()


def engine_of(student):
    """The engine process a student's kernel started."""
    [engine] = [p for p in student.processes() if p.name() == "gradflow"]
    return engine


def socket_of(student):
    """The socket a student's engine listens on, which the client (the process that runs the
    cells) names after its own process id."""
    return Path(engine_of(student).cmdline()[-1])


def test_no_name_a_classmate_made_first_is_used_and_no_lock_held_stops_a_kernel(hub, attacker, ran):
    """The students' Run All (`ran`, checked line by line below) went through while the classmate
    held every lock it could open and had made every name a kernel once used in /tmp."""
    victim = hub["students"][0]
    got = attacker["report"]()
    # Neither the rustc-wrapper of /tmp/.cargo nor the build script of the planted init.evcxr
    # ran: no student's build lies under /tmp.
    assert attacker["ran"].read_text() == "", f"the classmate's code ran as uids {attacker['ran'].read_text().split()}"
    assert got["accepted"] == 0, f"a client connected to a planted socket {got['accepted']} times"
    for planted in attacker["planted"]:
        theirs = [p for p in Path(planted).rglob("*") if p.lstat().st_uid != attacker["classmate"].uid]
        assert not theirs, f"a student's kernel used the planted {planted}: {theirs[:5]}"
    assert got["locked"] > 0, "the classmate locked nothing: the attack did not happen"
    client = int(socket_of(victim).stem.removeprefix("engine-"))
    assert client in attacker["pids"], "the classmate's sockets missed the client's process id"
    hub.setdefault("attacks", []).extend([
        ("every lock the classmate could open, held throughout", f"{got['locked']} locks held; every notebook ran"),
        ("socket and build folders made first in /tmp, open to all, with planted sockets",
         f"{got['accepted']} connections to {PLANTED_PIDS} planted sockets, the client's among them"),
        ("/tmp/.cargo/config.toml's rustc-wrapper and a racing init.evcxr's build script", "ran as no one")])


def test_the_students_socket_folder_is_theirs_alone_with_a_name_no_one_could_guess(hub, ran):
    for student in hub["students"]:
        folder = socket_of(student).parent
        assert folder.parent == Path("/tmp") and re.fullmatch(r"gradflow-[A-Za-z0-9]{16}", folder.name), folder
        found = folder.lstat()
        assert (found.st_uid, stat.S_ISDIR(found.st_mode), found.st_mode & 0o7777) == (student.uid, True, 0o700)


# A fake engine, run as the classmate: listens, says on its standard output that it is ready,
# then takes one connection, notes what it is sent within two seconds, answers with a progress
# line (which a client would show in the cell) and says what it got.
FAKE_ENGINE = r"""
import json, os, socket, sys
listener = socket.socket(socket.AF_UNIX)
listener.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
listener.listen()
listener.settimeout(120)
print("ready", flush=True)
try:
    connection, _ = listener.accept()
except socket.timeout:
    print(json.dumps({"connected": False, "received": 0}), flush=True)
    sys.exit()
connection.settimeout(2)
received = b""
try:
    while chunk := connection.recv(1 << 16):
        received += chunk
except OSError:
    pass
line = "FAKE ENGINE: <script>alert('classmate')</script>"
tokens = f"0 {len(line)}:{line} ".encode()
try:
    connection.sendall(f"{len(tokens)}\n".encode() + tokens)
except OSError:
    pass
print(json.dumps({"connected": True, "received": len(received)}), flush=True)
"""


def test_a_fake_engine_in_the_students_place_is_never_asked_or_shown(hub, attacker, ran):
    """As if the student's folder were swapped: the engine dies, and a socket that the classmate
    listens on lies at its path, the student's own (chown, mode 600). The cell says whose it is;
    nothing is sent to it and nothing it sends is shown. Then the student's engine comes back."""
    victim, classmate = hub["students"][0], attacker["classmate"]
    kernel = ran[victim.name]["kernel"]
    socket_path = socket_of(victim)
    engine = engine_of(victim)
    engine.kill()
    engine.wait(30)
    lair = Path(tempfile.mkdtemp(prefix="gradflow-fake-", dir="/tmp"))
    lair.chmod(0o777)
    fake = classmate.run_as(str(hub["env"] / "bin/python"), "-c", FAKE_ENGINE, str(lair / "engine.sock"),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert fake.stdout.readline().strip() == "ready"
        os.replace(lair / "engine.sock", socket_path)
        os.chown(socket_path, victim.uid, victim.uid)
        os.chmod(socket_path, 0o600)
        shown = text({"outputs": kernel.run(REPORT_CELL)})
        got = json.loads(fake.communicate(timeout=150)[0])
    finally:
        fake.kill()
        shutil.rmtree(lair)
        # The administrator removes it; the student's next cell starts their own engine again.
        socket_path.unlink(missing_ok=True)
        again = text({"outputs": kernel.run(REPORT_CELL)})
    assert got == {"connected": True, "received": 0}, got
    assert "FAKE ENGINE" not in shown, shown
    assert f"refuses the socket {socket_path}: the process listening there runs as another user " \
           f"(uid {classmate.uid}, you are uid {victim.uid})" in shown, shown
    _, with_shortcut = reference({"layer_sizes": [3, 3, 3, 3, 3, 1], "shortcut": True})
    assert again == with_shortcut
    hub.setdefault("attacks", []).append(
        ("a fake engine of the classmate's at the student's socket", "refused by uid in the cell; sent and shown nothing"))


def test_a_classmate_reads_nothing_that_gradflow_made_in_a_home_open_to_all(hub, ran):
    """Homes are 0755 here: the notebooks, the cells' sources and every other file the server,
    the kernel and its cells made are the student's alone."""
    victim, classmate = hub["students"][0], hub["students"][2]
    new = readable_by(classmate, victim.home) - hub["readable_before"]
    assert not new, f"the classmate can read {len(new)} of the student's files: {sorted(new)[:10]}"
    sources = sorted(victim.home.glob(".cache/gradflow/kernel-build/*/slot-0/src/*.rs"))
    notebook = victim.home / NOTEBOOK
    assert sources and notebook.is_file(), sources
    for path in [notebook, *sources]:
        said = classmate.run_as("cat", str(path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True).communicate(timeout=60)[1]
        assert "Permission denied" in said, f"{path}: {said!r}"
    for folder in [victim.home / "gradflow", victim.home / ".cache/gradflow"]:
        assert folder.lstat().st_mode & 0o777 == 0o700, folder
    hub.setdefault("attacks", []).append(
        ("the classmate reads the student's notebook, cells' sources and other files", "permission denied, all"))


def test_the_install_is_roots_whoever_owns_the_checkout(hub):
    classmate = hub["students"][2]
    for path, (uid, gid, _, mode, _) in hub["installed"].items():
        assert (uid, gid) == (0, 0), f"{path} is {uid}:{gid}'s"
        if not stat.S_ISLNK(mode):
            expected = (0o755,) if stat.S_ISDIR(mode) else (0o644, 0o755)
            assert stat.S_IMODE(mode) in expected, f"{path}: mode {stat.S_IMODE(mode):o}"
    writable = classmate.run_as("find", str(hub["prefix"]), str(hub["kernelspec"]), "-writable",
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).communicate(timeout=120)[0]
    assert writable == "", f"the checkout's owner can change the install: {writable.splitlines()[:10]}"
    hub.setdefault("attacks", []).append(
        ("the checkout's owner changes the install", "every installed file root's, 755/644: nothing writable"))


def test_each_student_prints_pytorchs_lines_and_every_chart(ran):
    committed = nbformat.read(SEED_NOTEBOOK, as_version=4)
    for name, result in ran.items():
        errors = [o for c in result["nb"].cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{name}: {errors}"
        check_seed_notebook(result["nb"])
        check_outputs_current(result["nb"], committed)


def test_each_students_kernel_built_from_the_installed_prebuilt_copy_in_their_home(hub, ran):
    prebuilt = hub["prefix"] / "lib/gradflow/kernel-prebuilt"
    for student in hub["students"]:
        slots = list(student.home.glob(".cache/gradflow/kernel-build/*/slot-0"))
        assert len(slots) == 1, f"{student.name}: {slots}"
        assert dependency_libraries(slots[0]) == dependency_libraries(prebuilt), \
            f"{student.name}'s kernel compiled the notebooks' crate again instead of copying it"


def test_a_classmate_cannot_reach_a_students_engine(hub, ran):
    victim, classmate, _ = hub["students"]
    socket_path = str(socket_of(victim))
    connect = ("import socket, sys\n"
               "s = socket.socket(socket.AF_UNIX)\n"
               "try:\n"
               "    s.connect(sys.argv[1])\n"
               "except OSError as e:\n"
               "    print('refused:', e); sys.exit()\n"
               "try:\n"
               "    s.sendall(b'5\\nhello')\n"
               "    answer = s.recv(1 << 16)\n"
               "except OSError as e:\n"
               "    print('closed unanswered:', e); sys.exit()\n"
               "print('answered:', len(answer), 'bytes')\n")
    python = str(hub["env"] / "bin/python")

    def attempt(path):
        run = classmate.run_as(python, "-c", connect, path, stdout=subprocess.PIPE, text=True)
        return run.communicate(timeout=60)[0].strip()

    # The path itself: the folder is closed to the classmate.
    said = attempt(socket_path)
    assert said.startswith("refused: [Errno 13] Permission denied"), said
    # A way in that the folder does not guard (the student opened their socket to all, and a link
    # to it lies where the classmate can reach it): the engine closes the connection unanswered.
    door = hub["work"] / "door"
    door.mkdir()
    os.link(socket_path, door / "engine.sock")
    os.chmod(socket_path, 0o666)
    try:
        said_linked = attempt(str(door / "engine.sock"))
    finally:
        os.chmod(socket_path, 0o600)
        (door / "engine.sock").unlink()
    assert said_linked.startswith("closed unanswered") or said_linked == "answered: 0 bytes", said_linked
    log = Path(socket_path).with_suffix(".log").read_text()
    assert f"refused a connection from uid {classmate.uid}" in log, log
    # The student's own engine answers on.
    _, with_shortcut = reference({"layer_sizes": [3, 3, 3, 3, 3, 1], "shortcut": True})
    assert text({"outputs": ran[victim.name]["kernel"].run(REPORT_CELL)}) == with_shortcut
    hub.setdefault("attacks", []).extend([
        ("the classmate connects to the student's socket", said),
        ("the classmate connects through a link, the socket open to all", said_linked)])


def test_nothing_is_written_outside_each_home_and_the_temporary_folder(hub, ran):
    owners = {s.uid: s for s in hub["students"]}
    criteria = ["("] + [x for uid in owners for x in ("-uid", str(uid), "-o")][:-1] + [")"]
    found = set()
    for top in ["/", "/tmp", "/var/tmp", "/dev/shm", "/run"]:
        if os.path.isdir(top):
            out = subprocess.run(["find", top, "-xdev", *criteria, "-printf", "%U %p\n"], capture_output=True,
                                 text=True).stdout
            found |= set(out.splitlines())
    outside = []
    for line in sorted(found):
        uid, path = line.split(" ", 1)
        student = owners[int(uid)]
        # The checkout the test gave the classmate to install from is the test's, not the class's.
        if not (Path(path).is_relative_to(student.home) or Path(path).is_relative_to("/tmp")
                or Path(path).is_relative_to(hub["work"] / "checkout")):
            outside.append(line)
    assert not outside, "written outside the home and /tmp:\n" + "\n".join(outside[:20])
    assert manifest(hub["prefix"], hub["kernelspec"]) == hub["installed"], "the install changed while the class used it"


def tree(processes):
    """Resident and proportional (shared pages divided among their users) memory, in bytes."""
    alive = []
    for p in processes:
        try:
            alive.append(p.memory_full_info())
        except psutil.NoSuchProcess:
            pass
    return sum(m.rss for m in alive), sum(m.pss for m in alive)


def test_memory_of_the_hub_and_of_each_students_server(hub, ran, capsys):
    """Printed for the README's class section; asserted only to be each student's own."""
    lines = [f"install-hub took {hub['install_s']:.0f} s; the install holds "
             f"{sum(s[2] for s in hub['installed'].values()) / GIB:.2f} GiB"]
    hub_process = psutil.Process(hub["process"].pid)
    hub_rss, hub_pss = tree([hub_process])
    # The hub's children are the proxy and, with LocalProcessSpawner, the students' servers.
    proxy_rss, proxy_pss = tree([p for p in hub_process.children() if "configurable-http-proxy" in " ".join(p.cmdline())])
    lines.append(f"hub (jupyterhub): {hub_rss / MIB:.0f} MiB resident, {hub_pss / MIB:.0f} MiB proportional; "
                 f"proxy: {proxy_rss / MIB:.0f} MiB, {proxy_pss / MIB:.0f} MiB")
    per_student = []
    for student in hub["students"]:
        processes = student.processes()
        [server] = [p for p in processes if any("jupyterhub-singleuser" in part for part in p.cmdline())]
        kernels = server.children(recursive=True)
        assert engine_of(student) in kernels, f"{student.name}'s engine runs outside their server"
        assert all(p.uids().effective == student.uid for p in kernels), f"{student.name}: {kernels}"
        server_rss, server_pss = tree([server])
        kernel_rss, kernel_pss = tree(kernels)
        parts = ", ".join(f"{p.name()} {tree([p])[0] / MIB:.0f}" for p in kernels)
        result = ran[student.name]
        per_student.append((server_rss, server_pss, kernel_rss, kernel_pss))
        lines.append(f"{student.name}: first chart {result['first_chart_s']:.1f} s after opening, Run All "
                     f"{result['run_all_s']:.1f} s; server {server_rss / MIB:.0f} MiB resident "
                     f"({server_pss / MIB:.0f} proportional), kernel with its engine {kernel_rss / MIB:.0f} MiB "
                     f"({kernel_pss / MIB:.0f}: {parts})")
    # A server and one kernel of notebook 01, or two such kernels (notebook 02's kernel holds
    # about as much once idle after its Run All, as `make bench ARGS=kernel` measures); 1 GiB
    # left to the system.
    for label, server, kernel, hub_bytes in [
            ("resident", max(s[0] for s in per_student), max(s[2] for s in per_student), hub_rss + proxy_rss),
            ("proportional", max(s[1] for s in per_student), max(s[3] for s in per_student), hub_pss + proxy_pss)]:
        for notebooks_open in (2, 1):
            student = server + notebooks_open * kernel
            fits = int((16 * GIB - GIB - hub_bytes) // student)
            lines.append(f"{notebooks_open} kernel(s) of notebook 01, {label}: {student / GIB:.2f} GiB a student; "
                         f"a 16 GB server (1 GB to the system) holds {fits}")
    with capsys.disabled():
        print("\n" + "\n".join("  " + line for line in lines + [f"{a}: {b}" for a, b in hub.get("attacks", [])]))
