"""The run store and the scheduler's bookkeeping (the engine itself is tested in test_training)."""

import subprocess
import sys

import pytest
from annotation_fixtures import image_dataset

from mass_ide.core import runs
from mass_ide.core.errors import Conflict, InvalidInput
from mass_ide.core.scheduler import RunScheduler, pid_alive, worker_command


def test_a_run_freezes_a_version_and_merges_the_configuration(workspace):
    dataset = image_dataset(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana",
                          overrides={"epochs": 2, "learning_rate": 0.01})
    assert (run["status"], run["dataset_version"], run["epochs_total"]) == ("queued", 1, 2)
    assert run["config"]["learning_rate"] == 0.01 and run["config"]["task"] == "image-classification"
    again = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana", version=1)
    assert again["dataset_version"] == 1
    assert [r["id"] for r in runs.list_runs(workspace, dataset.project_id)] == [again["id"], run["id"]]


def test_bad_runs_are_refused(workspace):
    dataset = image_dataset(workspace)
    with pytest.raises(InvalidInput, match="has no frozen version 7"):
        runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana", version=7)
    with pytest.raises(InvalidInput, match="processes must be between 1 and 64"):
        runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana", processes=0)


def test_cancel_and_resume_rules(workspace):
    dataset = image_dataset(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    assert runs.cancel_run(workspace, run["id"], user="ana")["status"] == "cancelled"
    with pytest.raises(Conflict, match="already cancelled"):
        runs.cancel_run(workspace, run["id"], user="ana")
    with pytest.raises(Conflict, match="saved no checkpoint"):
        runs.resume_run(workspace, run["id"], user="ana")
    checkpoint = runs.run_dir(workspace, run) / "checkpoints" / "last.pt"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"weights")
    resumed = runs.resume_run(workspace, run["id"], user="ana")
    assert (resumed["status"], resumed["resume"]) == ("queued", True)
    runs.update_run(workspace, run["id"], status="running")
    assert runs.cancel_run(workspace, run["id"], user="ana")["status"] == "cancelling"


def test_metrics_are_read_with_a_cursor(workspace):
    dataset = image_dataset(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    runs.record_progress(workspace, run["id"], [("train/loss", 0.9, 1, 1), ("train/loss", 0.7, 2, 1)])
    first = runs.metrics_since(workspace, run["id"])
    runs.record_progress(workspace, run["id"], [("val/auc", 0.8, 2, 1)])
    newer = runs.metrics_since(workspace, run["id"], since=first[-1]["id"])
    assert [m["value"] for m in first] == [0.9, 0.7] and [m["name"] for m in newer] == ["val/auc"]
    assert [(m["step"], m["epoch"]) for m in first] == [(1, 1), (2, 1)] and all(m["at"] > 0 for m in first)


def test_progress_rides_with_a_batch_and_non_finite_values_are_left_out(workspace):
    dataset = image_dataset(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    rows = [("train/loss", float("nan"), 1, 1), ("train/loss", 0.5, 2, 1, 123.5), ("train/lr", 1e-3, None, 1),
            ("train/loss", float("inf"), 3, 1)]
    runs.record_progress(workspace, run["id"], rows, epochs_done=1, epochs_total=4)
    stored = runs.metrics_since(workspace, run["id"])
    assert [(m["name"], m["value"], m["step"], m["at"] == 123.5) for m in stored] == [
        ("train/loss", 0.5, 2, True), ("train/lr", 1e-3, None, False)]
    assert (runs.get_run(workspace, run["id"])["epochs_done"], runs.get_run(workspace, run["id"])["epochs_total"]) == (1, 4)


def test_recover_marks_runs_of_dead_workers_interrupted_and_adopts_live_ones(workspace):
    dataset = image_dataset(workspace)
    dead = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    alive = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        runs.update_run(workspace, dead["id"], status="running", pid=int(finished.stdout))
        runs.update_run(workspace, alive["id"], status="running", pid=sleeper.pid)
        scheduler = RunScheduler(workspace)
        scheduler.recover()
        assert runs.get_run(workspace, dead["id"])["status"] == "interrupted"
        assert scheduler.adopted == {alive["id"]: sleeper.pid}
        sleeper.kill()
        sleeper.wait()
        assert not pid_alive(sleeper.pid)
        scheduler.tick()
        assert runs.get_run(workspace, alive["id"])["status"] == "interrupted"
    finally:
        sleeper.kill()


def test_several_processes_train_under_torchrun(workspace):
    dataset = image_dataset(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana", processes=2)
    command = worker_command(workspace, run)
    assert command[1:5] == ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    assert command[-4:] == ["-m", "mass_ide.core.worker", str(workspace.root), str(run["id"])]


def test_the_recorder_writes_in_its_own_thread_and_flush_and_close_wait_for_it(workspace):
    from mass_ide.core.worker import RunRecorder

    dataset = image_dataset(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    recorder = RunRecorder(workspace, run, writer=True)
    for step in range(1, 301):
        recorder.on_metric("train/loss", 1.0 / step, step=step, epoch=1)
    recorder.on_epoch(1, 2, {"train/loss": 0.01})
    recorder.flush()  # rows and progress are committed when flush returns
    assert [m["step"] for m in runs.metrics_since(workspace, run["id"])] == list(range(1, 301))
    assert runs.get_run(workspace, run["id"])["epochs_done"] == 1
    recorder.on_metric("val/auc", 0.75, step=300, epoch=2)
    thread = recorder.metrics.thread
    recorder.close()
    recorder.close()  # again: nothing
    assert not thread.is_alive() and runs.metrics_since(workspace, run["id"])[-1]["name"] == "val/auc"
