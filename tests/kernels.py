"""One gradflow kernel driven cell by cell as JupyterLab drives it, and what the kernel tests
share: here (tests/test_kernel.py, tests/test_evcxr.py) and through a hub (tests/test_hub.py)."""

import queue
import time

import notebooks

# How long output that comes after a cell's end is waited for.
LATE_OUTPUT_S = 1


class Kernel:
    """One gradflow kernel, driven cell by cell as JupyterLab drives it."""

    def __init__(self, **env):
        """`env`: variables the kernel gets besides this process's."""
        import os

        from jupyter_client.manager import start_new_kernel

        # A kernel in a build slot never used before first copies the pre-built folder.
        self.manager, self.client = start_new_kernel(kernel_name=notebooks.KERNEL_NAME,
                                                     cwd=str(notebooks.NOTEBOOKS),
                                                     startup_timeout=notebooks.CELL_TIMEOUT_S,
                                                     env={**os.environ, **env})

    def engines(self):
        """The engine processes this kernel started (`gradflow serve`)."""
        import psutil

        kernel = psutil.Process(self.manager.provisioner.pid)
        return [p for p in kernel.children(recursive=True) if p.name() == "gradflow"]

    def run(self, code, interrupt_after=None):
        """Everything the cell shows as text; with `interrupt_after` seconds, the stop button
        is pressed then, while the cell still runs."""
        msg_id = self.client.execute(code)
        if interrupt_after is not None:
            time.sleep(interrupt_after)
            self.manager.interrupt_kernel()
        shown, idle = [], False
        while True:
            try:
                # evcxr can pass a cell's standard error on after it says it is idle; the page
                # still shows it under the cell, so it is waited for here too.
                msg = self.client.get_iopub_msg(timeout=LATE_OUTPUT_S if idle else notebooks.CELL_TIMEOUT_S)
            except queue.Empty:
                return "".join(shown)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] == "idle":
                idle = True
            if kind == "stream":
                shown.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                shown.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                shown.append("\n".join([content["ename"], content["evalue"], *content["traceback"]]))

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


# A cell that asks the engine for a report.
REPORT_CELL = ("let report = DeepNetwork::builder(&[3, 3, 3, 3, 3, 1]).shortcut(Shortcut::On).build()?"
               ".gradients(&[1.0f32, 0.0, -1.0])?;\nreport")


def dependency_libraries(folder):
    """The notebooks' crate compiled in a build folder (its libraries), with their times of writing."""
    return sorted((p.name, p.stat().st_mtime_ns) for p in (folder / "target").rglob("libgradflow-*.rlib"))
