"""Start queued runs in worker processes and notice workers that stop.

One run at a time per device by default; others wait in the queue. A worker
that dies is marked ``interrupted`` (killed) or ``failed`` (crashed); workers
left running by a stopped server are adopted and watched by their pid.
"""

import sys

from mass_ide.core import audit, processes, runs
from mass_ide.core.processes import pid_alive  # noqa: F401  (its old home: notebooks and tests import it from here)
from mass_ide.core.runs import tuning
from mass_ide.core.workspace import Workspace


def worker_command(ws: Workspace, run: dict) -> list[str]:
    """The command that trains ``run``: the worker module, under torchrun for several processes."""
    worker = ["-m", "mass_ide.core.runs.worker", str(ws.root), str(run["id"])]
    if run["processes"] > 1:
        return [sys.executable, "-m", "torch.distributed.run", "--standalone",
                f"--nproc_per_node={run['processes']}", *worker]
    return [sys.executable, *worker]


class RunScheduler(processes.Supervising):
    """Keeps at most ``max_running`` workers busy with the queue; call :meth:`tick` periodically.

    Its :attr:`workers` are keyed by run id: ``children`` started here, ``adopted`` pids left running by a
    previous server.
    """

    def __init__(self, ws: Workspace, *, max_running: int = 1):
        super().__init__()
        self.ws, self.max_running = ws, max_running

    def recover(self) -> None:
        """At start: adopt runs whose workers still live, mark the others interrupted."""
        for run in runs.runs_with_status(self.ws, "running", "cancelling"):
            if not self.workers.adopt(run["id"], run["pid"]):
                self._finish(run, "interrupted", "the worker stopped while the server was down")

    def _finish(self, run: dict, status: str, error: str) -> None:
        """Record how a worker ended, unless it recorded that itself."""
        if runs.get_run(self.ws, run["id"])["status"] in runs.ACTIVE:
            runs.update_run(self.ws, run["id"], status=status, error=error, finished_at=audit.now_iso())

    def _reap(self) -> None:
        """Notice workers that exited or vanished."""
        for run_id, worker in self.workers.ended():
            run = runs.get_run(self.ws, run_id)
            code = worker.returncode
            if worker.adopted:
                self._finish(run, "interrupted", "the worker stopped")
            elif run["pid"] != worker.pid:  # the run was resumed meanwhile and belongs to a newer worker
                continue
            elif run["status"] == "cancelling":
                self._finish(run, "cancelled", "cancelled")
            elif code < 0:
                self._finish(run, "interrupted", f"the worker was killed (signal {-code}); resume it to continue")
            else:
                self._finish(run, "failed", f"the worker exited with code {code}")

    def start(self, run: dict) -> None:
        """Launch the worker of a queued run."""
        log = runs.run_dir(self.ws, run) / "worker.log"
        worker = self.workers.start(run["id"], worker_command(self.ws, run), log=log)
        runs.update_run(self.ws, run["id"], status="running", pid=worker.pid, started_at=audit.now_iso())

    def tick(self) -> None:
        """Reap finished workers, then start queued runs while there is room."""
        self._reap()
        tuning.advance_all(self.ws)
        for run in runs.runs_with_status(self.ws, "queued"):
            if len(self.workers) >= self.max_running:
                break
            self.start(run)
