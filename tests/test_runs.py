"""The run store and the scheduler's bookkeeping (the engine itself is tested in test_training)."""

import subprocess
import sys

import numpy as np
import pytest
from annotation_fixtures import _sha, image_dataset

from mass_ide.core import projects, runs
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets
from mass_ide.core.data.import_report import ImportedItem, ImportReport
from mass_ide.core.errors import Conflict, InvalidInput
from mass_ide.core.runs.scheduler import RunScheduler, pid_alive, worker_command

CLASSES = ("no tumour", "tumour")


def labelled_images(ws, *, count: int = 4, labelled: int = 4) -> datasets.Dataset:
    """A cancer-prediction project with ``count`` small PNG images, the first ``labelled`` of them labelled
    (the two classes in turn)."""
    from PIL import Image

    project = projects.create_project(ws, name="Cls", template="cancer-prediction", user="ana")
    staging = project.folder / "data" / ".staging-test"
    (staging / "images").mkdir(parents=True)
    items = []
    for index in range(count):
        path = staging / "images" / f"img{index}.png"
        Image.fromarray(np.full((10, 20), 40 * index, dtype=np.uint8)).save(path)
        items.append(ImportedItem(f"img{index}.png", "image", f"images/img{index}.png",
                                  {"width": 20, "height": 10, "mode": "L"}, _sha(path)))
    staged = datasets.StagedImport(project.id, staging, ImportReport(kind="image", items=items, source_name="i.zip"))
    dataset = datasets.commit_import(ws, staged, user="ana")
    for index, item in enumerate(datasets.all_items(ws, dataset.id)[:labelled]):
        annotations.set_label(ws, item.id, label=CLASSES[index % 2], expected_version=0, user="ana")
    return dataset


def test_a_run_freezes_a_version_and_merges_the_configuration(workspace):
    dataset = labelled_images(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana",
                          overrides={"epochs": 2, "learning_rate": 0.01})
    assert (run["status"], run["dataset_version"], run["epochs_total"]) == ("queued", 1, 2)
    assert run["config"]["learning_rate"] == 0.01 and run["config"]["task"] == "image-classification"
    again = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana", version=1)
    assert again["dataset_version"] == 1
    assert [r["id"] for r in runs.list_runs(workspace, dataset.project_id)] == [again["id"], run["id"]]


def test_bad_runs_are_refused(workspace):
    dataset = labelled_images(workspace)
    with pytest.raises(InvalidInput, match="has no frozen version 7"):
        runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana", version=7)
    with pytest.raises(InvalidInput, match="processes must be between 1 and 64"):
        runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana", processes=0)


def test_a_dataset_without_enough_labels_is_refused_before_a_run_is_queued(workspace):
    dataset = image_dataset(workspace)  # three unlabelled pictures
    with pytest.raises(InvalidInput, match=r"only 0 of the 3 items of the dataset are labelled; training needs at "
                                           r"least 4 .*label at least 4 more items in the annotation view, or "
                                           r"import labelled data"):
        runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    assert datasets.list_versions(workspace, dataset.id) == []  # refused before a version was frozen
    version = datasets.freeze(workspace, dataset.id, user="ana")["number"]
    first = datasets.all_items(workspace, dataset.id)[0]
    annotations.set_label(workspace, first.id, label="tumour", expected_version=0, user="ana")  # after the freeze
    with pytest.raises(InvalidInput, match="only 0 of the 3 items of version 1 are labelled"):
        runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana", version=version)
    with pytest.raises(InvalidInput, match="only 1 of the 3 items of the dataset are labelled.*at least 3 more"):
        runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    assert workspace.db["runs"].count == 0


def test_unlabelled_items_are_refused_unless_skipped_and_a_lone_class_is_refused(workspace):
    dataset = labelled_images(workspace, count=5, labelled=4)
    with pytest.raises(InvalidInput, match=r'1 of 5 items have no label; label them, or set "unlabelled": "skip"'):
        runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana",
                          overrides={"unlabelled": "skip"})
    assert run["status"] == "queued"
    lone = datasets.all_items(workspace, dataset.id)[1]  # "tumour" → "no tumour": one tumour left
    annotations.set_label(workspace, lone.id, label="no tumour", expected_version=1, user="ana")
    with pytest.raises(InvalidInput, match="class 'tumour' has a single sample"):
        runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana",
                        overrides={"unlabelled": "skip"})
    assert workspace.db["runs"].count == 1


def test_a_failed_runs_error_has_a_one_sentence_summary(workspace):
    import traceback

    dataset = labelled_images(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    assert run["error_summary"] is None
    try:
        try:
            raise KeyError("mask")
        except KeyError:
            raise InvalidInput("item 'img2.png' changed since the version was frozen;\nfreeze a new version")
    except InvalidInput:
        text = traceback.format_exc()
    runs.update_run(workspace, run["id"], status="failed", error=text)
    failed = runs.get_run(workspace, run["id"])
    assert failed["error"] == text
    assert failed["error_summary"] == ("InvalidInput: item 'img2.png' changed since the version was frozen; "
                                       "freeze a new version")
    runs.update_run(workspace, run["id"], status="interrupted", error="the worker stopped while the server was down")
    assert runs.list_runs(workspace, dataset.project_id)[0]["error_summary"] == \
        "the worker stopped while the server was down"


def test_cancel_and_resume_rules(workspace):
    dataset = labelled_images(workspace)
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
    dataset = labelled_images(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    runs.record_progress(workspace, run["id"], [("train/loss", 0.9, 1, 1), ("train/loss", 0.7, 2, 1)])
    first = runs.metrics_since(workspace, run["id"])
    runs.record_progress(workspace, run["id"], [("val/auc", 0.8, 2, 1)])
    newer = runs.metrics_since(workspace, run["id"], since=first[-1]["id"])
    assert [m["value"] for m in first] == [0.9, 0.7] and [m["name"] for m in newer] == ["val/auc"]
    assert [(m["step"], m["epoch"]) for m in first] == [(1, 1), (2, 1)] and all(m["at"] > 0 for m in first)


def test_progress_rides_with_a_batch_and_non_finite_values_are_left_out(workspace):
    dataset = labelled_images(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana")
    rows = [("train/loss", float("nan"), 1, 1), ("train/loss", 0.5, 2, 1, 123.5), ("train/lr", 1e-3, None, 1),
            ("train/loss", float("inf"), 3, 1)]
    runs.record_progress(workspace, run["id"], rows, epochs_done=1, epochs_total=4)
    stored = runs.metrics_since(workspace, run["id"])
    assert [(m["name"], m["value"], m["step"], m["at"] == 123.5) for m in stored] == [
        ("train/loss", 0.5, 2, True), ("train/lr", 1e-3, None, False)]
    assert (runs.get_run(workspace, run["id"])["epochs_done"], runs.get_run(workspace, run["id"])["epochs_total"]) == (1, 4)


def test_recover_marks_runs_of_dead_workers_interrupted_and_adopts_live_ones(workspace):
    dataset = labelled_images(workspace)
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
    dataset = labelled_images(workspace)
    run = runs.create_run(workspace, dataset.project_id, dataset_id=dataset.id, user="ana", processes=2)
    command = worker_command(workspace, run)
    assert command[1:5] == ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    assert command[-4:] == ["-m", "mass_ide.core.runs.worker", str(workspace.root), str(run["id"])]


def test_the_recorder_writes_in_its_own_thread_and_flush_and_close_wait_for_it(workspace):
    from mass_ide.core.runs.worker import RunRecorder

    dataset = labelled_images(workspace)
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
