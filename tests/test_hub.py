"""A class on one server (`make test-hub`, as root; not in `pytest tests`): gradflow installed once
by `make install-hub`, a real JupyterHub on 127.0.0.1 (PAM logins, LocalProcessSpawner,
configurable-http-proxy) and three Unix users that the test creates and removes. Each logs in
through the hub and runs notebook 01 through the hub's proxy, all three at once: every line equal
to PyTorch's, every chart there. Around that run, the attacks of a classmate on a student's
engine; afterwards, where each student wrote, and the memory of the hub and of each student's
server, printed (`-s` or the summary shows it), never asserted against a time or a size."""

import json
import os
import pwd
import secrets
import shutil
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
from conftest import ROOT, SEED_NOTEBOOK
from outputs import svgs, text
from pytorch import reference
from test_binder import python_for
from test_kernel import REPORT_CELL, dependency_libraries
from test_notebooks import check_outputs_current, check_seed_notebook

pytestmark = pytest.mark.hub

# The hub, the proxy and the single-user server that a class would install, from their registries.
JUPYTERHUB = "jupyterhub==6.1.1"
PROXY = "configurable-http-proxy@5.3.0"
STUDENTS = 3
# Where each student's server finds notebook 01: ~/gradflow, where gradflow-singleuser copies it.
NOTEBOOK = "gradflow/notebooks/" + SEED_NOTEBOOK.name
# How many process ids after the last one a classmate plants sockets for (the attack):
# enough to cover the student's kernel, started seconds later on a busy machine.
PLANTED_PIDS = 1000
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
        self.home.chmod(0o700)
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


def install(work, env):
    """`make install-hub` into a prefix of the test's, the kernelspec into the hub's environment."""
    prefix = work / "prefix"
    begun = time.monotonic()
    subprocess.run(["make", "--no-print-directory", "install-hub", f"PREFIX={prefix}", f"JUPYTER_PREFIX={env}"],
                   cwd=ROOT, check=True, timeout=1800)
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


def manifest(folder):
    """Every file under `folder` with its size, mode and time of change."""
    return {str(p): (s.st_size, s.st_mode, s.st_mtime_ns) for p in folder.rglob("*") for s in [p.lstat()]}


@pytest.fixture(scope="module")
def hub():
    """The class: gradflow installed, three students, the hub running; all removed afterwards."""
    if os.geteuid() != 0:
        pytest.fail("make test-hub creates Unix users and runs JupyterHub's LocalProcessSpawner: run it as root")
    work = Path(tempfile.mkdtemp(prefix="gradflow-hub-"))
    work.chmod(0o755)
    students, process = [], None
    try:
        suffix = secrets.token_hex(2)
        students = [Student(f"gfstudent{i}{suffix}") for i in range(1, STUDENTS + 1)]
        env, variables = hub_environment(work)
        prefix, install_s = install(work, env)
        process, url = start_hub(work, env, variables, prefix, proxy(work), students)
        yield {"work": work, "env": env, "prefix": prefix, "url": url, "process": process, "students": students,
               "install_s": install_s, "installed": manifest(prefix)}
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        for student in students:
            student.remove()
            shutil.rmtree(f"/tmp/gradflow-{student.uid}", ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


# The attacker's program: a classmate who creates the folder where a student's client would put
# its engine's socket, open to all, with a listening socket for each of the next process ids.
PLANTER = r"""
import os, resource, selectors, socket, sys
folder, pids = sys.argv[1], map(int, sys.argv[2:])
resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
os.mkdir(folder)
os.chmod(folder, 0o777)
chooser = selectors.DefaultSelector()
for pid in pids:
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(f"{folder}/engine-{pid}.sock")
    os.chmod(f"{folder}/engine-{pid}.sock", 0o777)
    listener.listen()
    listener.setblocking(False)
    chooser.register(listener, selectors.EVENT_READ)
chooser.register(sys.stdin, selectors.EVENT_READ)
print("ready", flush=True)
accepted = 0
while True:
    for key, _ in chooser.select():
        if key.fileobj is sys.stdin:
            print(accepted, flush=True)
            sys.exit(0)
        key.fileobj.accept()[0].close()
        accepted += 1
"""


@pytest.fixture(scope="module")
def planted(hub):
    """Every student logs in; then a classmate plants the folder and sockets where the first
    student's client will look, before that student's first computing cell."""
    victim, _, attacker = hub["students"]
    threads = [threading.Thread(target=s.log_in, args=(hub["url"],)) for s in hub["students"]]
    [t.start() for t in threads]
    [t.join() for t in threads]
    folder = f"/tmp/gradflow-{victim.uid}"
    pids = next_pids(PLANTED_PIDS)
    planter = attacker.run_as(str(hub["env"] / "bin/python"), "-c", PLANTER, folder, *map(str, pids),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert planter.stdout.readline().strip() == "ready"
    try:
        dep = next(c.source for c in victim.notebook(NOTEBOOK).cells if c.cell_type == "code")
        kernel = victim.open("gradflow/notebooks/planted.ipynb")
        kernel.run(dep)
        shown = text({"outputs": kernel.run(REPORT_CELL)})
        # The process that runs the cells is the client, whose id names its socket.
        client = int(text({"outputs": kernel.run("std::process::id()")}))
        kernel.close()
    finally:
        accepted, _ = planter.communicate("", timeout=60)
    # The administrator removes the planted folder; the class goes on.
    shutil.rmtree(folder)
    return {"shown": shown, "accepted": int(accepted), "folder": folder, "attacker": attacker,
            "planted_for_the_client": client in pids}


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
def ran(hub, planted):
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


def test_a_planted_socket_folder_is_refused_with_a_message_and_never_used(planted):
    shown = planted["shown"]
    assert f"the gradflow engine refuses the folder for its socket, {planted['folder']}: it belongs to another " \
           f"user (uid {planted['attacker'].uid}" in shown, shown
    assert "It was not used" in shown, shown
    assert planted["planted_for_the_client"], "the classmate's sockets missed the client's process id"
    assert planted["accepted"] == 0, f"the client connected to a planted socket {planted['accepted']} times"


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
    engine = engine_of(victim)
    socket_path = engine.cmdline()[-1]
    assert Path(socket_path).parent == Path(f"/tmp/gradflow-{victim.uid}")
    folder = os.stat(Path(socket_path).parent)
    assert (folder.st_uid, folder.st_mode & 0o777) == (victim.uid, 0o700)
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
    hub["attacks"] = [("the classmate connects to the student's socket", said),
                      ("the classmate connects through a link, the socket open to all", said_linked)]


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
        if not (Path(path).is_relative_to(student.home) or Path(path).is_relative_to("/tmp")):
            outside.append(line)
    assert not outside, "written outside the home and /tmp:\n" + "\n".join(outside[:20])
    assert manifest(hub["prefix"]) == hub["installed"], "the install changed while the class used it"


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
             f"{sum(s[0] for s in hub['installed'].values()) / GIB:.2f} GiB"]
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
    # more after its Run All: the README adds the difference that `make bench ARGS=kernel`
    # measures); 1 GiB left to the system.
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
