"""Start queued runs in worker processes and notice workers that stop.

One run at a time per device by default; others wait in the queue. A worker
that dies is marked ``interrupted`` (killed) or ``failed`` (crashed); workers
left running by a stopped server are adopted and watched by their pid.
"""

import os
import subprocess
import sys

from mass_ide.core import audit, runs
from mass_ide.core.runs import tuning
from mass_ide.core.workspace import Workspace


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this pid exists (and is not a zombie we could reap)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def worker_command(ws: Workspace, run: dict) -> list[str]:
    """The command that trains ``run``: the worker module, under torchrun for several processes."""
    worker = ["-m", "mass_ide.core.runs.worker", str(ws.root), str(run["id"])]
    if run["processes"] > 1:
        return [sys.executable, "-m", "torch.distributed.run", "--standalone",
                f"--nproc_per_node={run['processes']}", *worker]
    return [sys.executable, *worker]


class RunScheduler:
    """Keeps at most ``max_running`` workers busy with the queue; call :meth:`tick` periodically."""

    def __init__(self, ws: Workspace, *, max_running: int = 1):
        self.ws, self.max_running = ws, max_running
        self.children: dict[int, subprocess.Popen] = {}
        self.adopted: dict[int, int] = {}

    def recover(self) -> None:
        """At start: adopt runs whose workers still live, mark the others interrupted."""
        for run in runs.runs_with_status(self.ws, "running", "cancelling"):
            if pid_alive(run["pid"]):
                self.adopted[run["id"]] = run["pid"]
            else:
                self._finish(run, "interrupted", "the worker stopped while the server was down")

    def _finish(self, run: dict, status: str, error: str) -> None:
        """Record how a worker ended, unless it recorded that itself."""
        if runs.get_run(self.ws, run["id"])["status"] in runs.ACTIVE:
            runs.update_run(self.ws, run["id"], status=status, error=error, finished_at=audit.now_iso())

    def _reap(self) -> None:
        """Notice workers that exited or vanished."""
        for run_id, child in list(self.children.items()):
            code = child.poll()
            if code is None:
                continue
            del self.children[run_id]
            run = runs.get_run(self.ws, run_id)
            if run["pid"] != child.pid:  # the run was resumed meanwhile and belongs to a newer worker
                continue
            if run["status"] == "cancelling":
                self._finish(run, "cancelled", "cancelled")
            elif code < 0:
                self._finish(run, "interrupted", f"the worker was killed (signal {-code}); resume it to continue")
            else:
                self._finish(run, "failed", f"the worker exited with code {code}")
        for run_id, pid in list(self.adopted.items()):
            if not pid_alive(pid):
                del self.adopted[run_id]
                self._finish(runs.get_run(self.ws, run_id), "interrupted", "the worker stopped")

    def start(self, run: dict) -> None:
        """Launch the worker of a queued run."""
        folder = runs.run_dir(self.ws, run)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "worker.log").open("ab") as log:
            child = subprocess.Popen(worker_command(self.ws, run), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.children[run["id"]] = child
        runs.update_run(self.ws, run["id"], status="running", pid=child.pid, started_at=audit.now_iso())

    def tick(self) -> None:
        """Reap finished workers, then start queued runs while there is room."""
        self._reap()
        tuning.advance_all(self.ws)
        for run in runs.runs_with_status(self.ws, "queued"):
            if len(self.children) + len(self.adopted) >= self.max_running:
                break
            self.start(run)
