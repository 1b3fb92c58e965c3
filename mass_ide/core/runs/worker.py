"""The training worker: ``python -m mass_ide.core.runs.worker WORKSPACE RUN_ID``.

Runs one queued run with the training engine, outside the server's process.
Metrics go to SQLite in small batches; a run marked ``cancelling`` stops after
its current step; a crash is recorded with its traceback. Under ``torchrun``
every rank trains and only rank 0 writes.
"""

import argparse
import collections
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from mass_ide.core import audit, runs
from mass_ide.core.runs import tuning
from mass_ide.core.workspace import Workspace, run_in_workspace

FLUSH_SECONDS = 0.25
CANCEL_CHECK_SECONDS = 0.5


class MetricWriter:
    """A thread with its own SQLite connection that writes one run's metrics and progress.

    The training loop only appends rows to a deque and goes on: no step waits for a
    commit, and no row wakes the thread (waking it by row count made fast steps measurably
    slower). The thread commits what has gathered (rows and progress) every
    ``FLUSH_SECONDS`` in one transaction, and at once for a sync or the close.
    """

    def __init__(self, ws: Workspace, run_id: int):
        self.root, self.path, self.run_id = ws.root, ws.database_file(), run_id
        self.rows: collections.deque = collections.deque()
        self.progress_fields: dict = {}
        self.waiters: list[threading.Event] = []
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.closing = False
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, name=f"mass-run-{run_id}-metrics", daemon=True)
        self.thread.start()

    def put(self, row: tuple) -> None:
        """Queue one (name, value, step, epoch, logged at) row."""
        self.rows.append(row)

    def progress(self, **fields) -> None:
        """Queue a change of the run's progress fields; written with the next batch of rows."""
        with self.lock:
            self.progress_fields.update(fields)

    def sync(self) -> None:
        """Wait until everything queued so far is committed."""
        done = threading.Event()
        with self.lock:
            self.waiters.append(done)
        self.wake.set()
        done.wait()
        self._raise()

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        self.closing = True
        self.wake.set()
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        """Raise (once) what went wrong in the thread."""
        error, self.error = self.error, None
        if error is not None:
            raise error

    def _take(self) -> tuple[list, dict, list]:
        """What has gathered: (rows, progress fields, waiters)."""
        with self.lock:
            progress, self.progress_fields = self.progress_fields, {}
            waiters, self.waiters = self.waiters, []
        rows = [self.rows.popleft() for _ in range(len(self.rows))]
        return rows, progress, waiters

    def _loop(self) -> None:
        """Write what has gathered every ``FLUSH_SECONDS`` or when woken, until closed."""
        ws = Workspace.open(self.root, db_path=self.path)
        try:
            while True:
                self.wake.wait(timeout=FLUSH_SECONDS)
                self.wake.clear()
                closing = self.closing
                rows, progress, waiters = self._take()
                try:
                    runs.record_progress(ws, self.run_id, rows, **progress)
                except Exception as error:  # noqa: BLE001 - raised in the training thread at its next sync or close
                    self.error = error
                for waiter in waiters:
                    waiter.set()
                if closing:
                    return
        finally:
            ws.close()


class RunRecorder:
    """The engine's callbacks for one run: metrics and progress written by a :class:`MetricWriter`, log lines,
    cancel checks.

    ``watch`` (a live-curves widget in a notebook, say) gets every metric, epoch and log line too.
    Call :meth:`close` when the run ends.
    """

    def __init__(self, ws: Workspace, run: dict, *, writer: bool, watch=None):
        self.ws, self.run, self.writer, self.watch = ws, run, writer, watch
        self.checked_at = time.monotonic()
        self.stop_requested = self.pruned = False
        self.log_path = runs.run_dir(ws, run) / "log.txt"
        self.metrics = MetricWriter(ws, run["id"]) if writer else None
        if writer:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)

    def on_metric(self, name: str, value: float, *, step: int, epoch: int) -> None:
        """Hand a metric to the writer thread."""
        if self.watch is not None:
            self.watch.on_metric(name, value, step=step, epoch=epoch)
        if self.metrics is not None:
            self.metrics.put((name, value, step, epoch, time.time()))

    def on_epoch(self, epoch: int, epochs: int, metrics: dict) -> None:
        """Record progress at the end of an epoch; a tuning trial asks the pruner whether to go on."""
        if self.watch is not None:
            self.watch.on_epoch(epoch, epochs, metrics)
        if self.metrics is not None:
            self.metrics.progress(epochs_done=epoch, epochs_total=epochs)
            if self.run["study_id"] and tuning.report_epoch(self.ws, self.run, epoch=epoch, metrics=metrics):
                self.on_log(f"pruned after epoch {epoch}: the tuner found earlier trials better at this point")
                self.pruned = self.stop_requested = True

    def on_log(self, line: str) -> None:
        """Append a line to the run's log."""
        if self.watch is not None:
            self.watch.on_log(line)
        if self.writer:
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(f"{audit.now_iso()} {line}\n")

    def flush(self) -> None:
        """Wait until every metric so far is written."""
        if self.metrics is not None:
            self.metrics.sync()

    def close(self, *, quiet: bool = False) -> None:
        """Write what is left and stop the writer thread (again: nothing); ``quiet``: keep its error to itself."""
        metrics, self.metrics = self.metrics, None
        if metrics is not None:
            try:
                metrics.close()
            except Exception:
                if not quiet:
                    raise

    def should_stop(self) -> bool:
        """Whether someone asked to cancel (checked at most twice a second)."""
        if not self.stop_requested and time.monotonic() - self.checked_at >= CANCEL_CHECK_SECONDS:
            self.checked_at = time.monotonic()
            self.stop_requested = runs.get_run(self.ws, self.run["id"])["status"] == "cancelling"
        return self.stop_requested


def execute(ws: Workspace, run_id: int, *, watch=None) -> str:
    """Train run ``run_id`` to its end; returns the final status."""
    from mass_ide.core.training import load_training_data, train

    writer = int(os.environ.get("RANK", "0")) == 0
    run = runs.get_run(ws, run_id)
    folder = runs.run_dir(ws, run)
    folder.mkdir(parents=True, exist_ok=True)
    recorder = RunRecorder(ws, run, writer=writer, watch=watch)
    try:
        data = load_training_data(ws, run["dataset_id"], run["dataset_version"], run["config"])
        checkpoint = folder / "checkpoints" / "last.pt"
        result = train(run["config"], data, run_dir=folder, callbacks=recorder,
                       resume_from=checkpoint if run["resume"] and checkpoint.exists() else None,
                       should_stop=recorder.should_stop)
        recorder.close()
    except Exception:
        recorder.close(quiet=True)  # the run's own error is the one to record
        if writer:
            recorder.on_log(traceback.format_exc())
            runs.update_run(ws, run_id, status="failed", error=traceback.format_exc(), finished_at=audit.now_iso())
            if run["study_id"]:
                tuning.tell(ws, run, value=None)
        raise
    finally:
        recorder.close(quiet=True)  # interrupted (KeyboardInterrupt in a notebook): stop the writer thread
    status = "pruned" if recorder.pruned else result.status
    if writer:
        if status == "completed" and result.checkpoint and should_register(run):
            auto_register(ws, {**run, "result": result.to_json()}, recorder)
        runs.update_run(ws, run_id, status=status, epochs_done=result.epochs_done, result=result.to_json(),
                        finished_at=audit.now_iso())
        if run["study_id"]:
            best = result.best_metric["value"] if result.best_metric and status == "completed" else None
            tuning.tell(ws, run, value=best, pruned=status == "pruned")
    return status


def should_register(run: dict) -> bool:
    """Whether a run registers itself when it completes: yes, unless it is a tuning trial or says "register": false."""
    return not run["study_id"] and run["config"].get("register", True) is not False


def auto_register(ws: Workspace, run: dict, recorder: RunRecorder) -> None:
    """Register a finished run's best checkpoint as a model version; a failure is logged, never fails the run.

    Called just before the run is marked completed, so a completed run already has its version.
    """
    from mass_ide.core.runs import registering

    try:
        version = registering.register_finished_run(ws, run, user=run["created_by"])
    except Exception as error:  # the run itself succeeded; the user can still register it with the button
        recorder.on_log(f"not registered in the model registry: {type(error).__name__}: {error}")
        return
    recorder.on_log(f"registered as model {version['model']!r} version {version['number']}")


def train_in_process(ws: Workspace, project_id: str, *, dataset_id: int, user: str, version: int | None = None,
                     overrides: dict | None = None, watch=None, preset: str | None = None) -> dict:
    """Create a run and train it here (a notebook's kernel, the command line); it joins the run list.

    ``preset``: "quick" or "full" (``None``: full), with ``overrides`` on top.
    """
    run = runs.create_run(ws, project_id, dataset_id=dataset_id, user=user, version=version, overrides=overrides,
                          preset=preset)
    runs.update_run(ws, run["id"], status="running", pid=os.getpid(), started_at=audit.now_iso())
    try:
        execute(ws, run["id"], watch=watch)
    except Exception:  # recorded on the run, with its traceback
        pass
    return runs.get_run(ws, run["id"])


def tune_in_process(ws: Workspace, study_id: int, *, on_trial=None) -> dict:
    """Train a study's trials here, one after another, until it completes or is stopped (from anywhere).

    ``on_trial`` gets each trial's run when it ended. Returns the study.
    """
    while (trial := tuning.claim_trial(ws, study_id, pid=os.getpid())) is not None:
        try:
            execute(ws, trial["id"])
        except Exception:  # a failed trial is recorded and the study goes on
            pass
        if on_trial is not None:
            on_trial(runs.get_run(ws, trial["id"]))
        tuning.ask_next(ws, study_id)
    return tuning.get_study(ws, study_id)


def main(argv: list[str] | None = None) -> int:
    """Entry point of a worker process."""
    parser = argparse.ArgumentParser(description="Run one Mass IDE training run.")
    parser.add_argument("workspace", type=Path)  # positional: torchrun would take --run for its --run-path
    parser.add_argument("run", type=int)
    args = parser.parse_args(argv)
    return run_in_workspace(args.workspace, lambda ws: execute(ws, args.run))


if __name__ == "__main__":
    sys.exit(main())
