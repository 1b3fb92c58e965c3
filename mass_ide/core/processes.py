"""The one supervisor of worker processes: start, adopt, watch, stop, report.

Training runs, deployments, pre-labelling and the command line's torchrun all
run their work in worker processes through this module. A worker is started in
its own session (so it has its own process group and outlives a stopped
server), with stdin closed and its output in a log file. A :class:`Worker`
started here keeps its handle, so it is reaped and its exit code is known; one
*adopted* after a server restart is watched by its pid, and its exit code is
not known. Stopping sends SIGTERM to the worker's process group, waits up to a
deadline, then sends SIGKILL. :class:`Workers` keeps a server's workers by key
(a run's or a deployment's id) and says which ended; :class:`Supervising` is the
base of the run scheduler and the deployment supervisor.
"""

import os
import signal
import subprocess
import time
from collections.abc import Hashable, Iterable
from pathlib import Path

STOP_GRACE_S = 10
POLL_S = 0.05  # how often a worker we did not start is checked while waiting for it


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


def signal_group(pid: int | None, signum: int) -> bool:
    """Send ``signum`` to the process group led by a live ``pid``; whether it was sent."""
    if not pid_alive(pid):
        return False
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def terminate(pid: int | None) -> None:
    """Ask a worker and its process group to stop (SIGTERM), without waiting."""
    signal_group(pid, signal.SIGTERM)


class Worker:
    """One worker process: started here (``process`` is its handle) or adopted by its pid."""

    def __init__(self, pid: int, *, process: subprocess.Popen | None = None):
        self.pid, self.process = pid, process

    @property
    def adopted(self) -> bool:
        """Whether another process started it (its exit code cannot be known here)."""
        return self.process is None

    @property
    def returncode(self) -> int | None:
        """The exit code of a worker started here once it exited (negative: killed by that signal); else None."""
        return None if self.process is None else self.process.poll()

    @property
    def running(self) -> bool:
        """Whether the worker still runs (a worker started here is reaped when it exited)."""
        if self.process is not None:
            return self.process.poll() is None
        return pid_alive(self.pid)

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait until the worker exited; its exit code (None for an adopted one). TimeoutExpired after ``timeout``."""
        if self.process is not None:
            return self.process.wait(timeout=timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while pid_alive(self.pid):
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(POLL_S)
        return None

    def stop(self, *, grace_s: float = STOP_GRACE_S) -> int | None:
        """Stop the worker's process group (SIGTERM, SIGKILL after ``grace_s``); its exit code when known."""
        stop_all([self], grace_s=grace_s)
        return self.returncode

    def report(self) -> dict:
        """What is known of the worker: pid, whether it runs, its exit code (None while running or unknown)."""
        running = self.running
        return {"pid": self.pid, "running": running, "returncode": None if running else self.returncode}

    def __repr__(self) -> str:
        return f"Worker(pid={self.pid}, {'adopted' if self.adopted else 'started here'})"


def start(command: list[str], *, log: Path | None = None, env: dict | None = None) -> Worker:
    """Start ``command`` in its own session with stdin closed, stdout and stderr appended to ``log`` (None: to
    ours), and ``env`` added to our environment."""
    full_env = {**os.environ, **env} if env else None
    if log is None:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True, env=full_env)
        return Worker(process.pid, process=process)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True, env=full_env)
    return Worker(process.pid, process=process)


def adopt(pid: int | None) -> Worker | None:
    """A worker another process started and left running (a server before a restart); None when it is gone."""
    return Worker(pid) if pid_alive(pid) else None


def wait_all(workers: Iterable[Worker], *, seconds: float) -> None:
    """Wait until none of ``workers`` runs, or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    for worker in workers:
        try:
            worker.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass


def stop_all(workers: Iterable[Worker], *, grace_s: float = STOP_GRACE_S) -> None:
    """Stop workers and their process groups: SIGTERM, then SIGKILL to those still running after ``grace_s``."""
    workers = list(workers)
    for worker in workers:
        signal_group(worker.pid, signal.SIGTERM)
    wait_all(workers, seconds=grace_s)
    for worker in workers:
        if worker.running:
            signal_group(worker.pid, signal.SIGKILL)
    wait_all(workers, seconds=grace_s)  # SIGKILL cannot be refused: gone in a moment


def stop_pids(pids: Iterable[int], *, grace_s: float = STOP_GRACE_S) -> None:
    """Stop workers known only by their pids (never reaped here: they may be someone else's children)."""
    stop_all([Worker(pid) for pid in pids if pid], grace_s=grace_s)


class Workers:
    """A server's workers by key: ``children`` it started, ``adopted`` pids a previous server left running."""

    def __init__(self):
        self.children: dict[Hashable, Worker] = {}
        self.adopted: dict[Hashable, int] = {}

    def __len__(self) -> int:
        return len(self.children) + len(self.adopted)

    def start(self, key: Hashable, command: list[str], *, log: Path | None = None, env: dict | None = None) -> Worker:
        """Start the worker of ``key`` (see :func:`start`)."""
        worker = self.children[key] = start(command, log=log, env=env)
        return worker

    def adopt(self, key: Hashable, pid: int | None) -> bool:
        """Watch the live worker ``pid`` as ``key``'s; False when it is gone."""
        if adopt(pid) is None:
            return False
        self.adopted[key] = pid
        return True

    def get(self, key: Hashable) -> Worker | None:
        """The worker of ``key`` (started here or adopted), or None."""
        if key in self.children:
            return self.children[key]
        return Worker(self.adopted[key]) if key in self.adopted else None

    def ended(self) -> list[tuple[Hashable, Worker]]:
        """Forget and return the workers that exited or vanished since the last call (children are reaped)."""
        gone = [(key, worker) for key, worker in self.children.items() if not worker.running]
        gone += [(key, Worker(pid)) for key, pid in self.adopted.items() if not pid_alive(pid)]
        for key, worker in gone:
            (self.adopted if worker.adopted else self.children).pop(key)
        return gone

    def stop(self, key: Hashable, *, grace_s: float = STOP_GRACE_S) -> int | None:
        """Stop and forget ``key``'s worker; its exit code when known."""
        worker = self.get(key)
        self.children.pop(key, None)
        self.adopted.pop(key, None)
        return None if worker is None else worker.stop(grace_s=grace_s)

    def stop_all(self, *, grace_s: float = STOP_GRACE_S, adopted: bool = True) -> dict[Hashable, int]:
        """Stop every worker (the adopted ones too unless ``adopted`` is False) and forget them; their pids."""
        watched = {key: Worker(pid) for key, pid in self.adopted.items()} if adopted else {}
        watched.update(self.children)
        stop_all(watched.values(), grace_s=grace_s)
        self.children.clear()
        if adopted:
            self.adopted.clear()
        return {key: worker.pid for key, worker in watched.items()}


class Supervising:
    """Base of what keeps a server's workers (the run scheduler, the deployment supervisor): :attr:`workers`,
    with their ``children`` and ``adopted`` at hand."""

    def __init__(self):
        self.workers = Workers()

    @property
    def children(self) -> dict[Hashable, Worker]:
        """The workers started by this process, by key."""
        return self.workers.children

    @property
    def adopted(self) -> dict[Hashable, int]:
        """The pids of workers a previous server left running, by key."""
        return self.workers.adopted
