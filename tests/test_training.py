"""The training engine on the templates' sample data: frozen versions in, checkpoints and reports out.

Small settings keep the file fast on two CPU cores; the accuracy floors use the
shipped real tables and CT phantoms (the segmentation floor takes about a minute).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mass_ide.core import projects, runs
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets
from mass_ide.core.data.conditions import parse_condition
from mass_ide.core.errors import InvalidInput, NotFound
from mass_ide.core.runs.scheduler import worker_command
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.training import RunCallbacks, load_training_data, train
from mass_ide.core.training.evaluation import classification_report, roc_auc, roc_curve
from mass_ide.core.training.split import split_samples
from mass_ide.core.workspace import Workspace

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
BREAST_CANCER = {"task": "tabular-classification", "target": "diagnosis", "positive_when": "diagnosis == malignant",
                 "model": {"name": "mlp", "hidden": [32], "dropout": 0.1}, "epochs": 30, "batch_size": 32,
                 "learning_rate": 0.001, "validation_split": 0.2, "device": "cpu", "seed": 0}
SEGMENTATION_FAST = {"spacing_mm": [6.0, 6.0, 8.0], "roi_size": [16, 16, 16], "epochs": 2, "batch_size": 2,
                     "samples_per_case": 1, "augmentation": ["flip", "rotate90", "intensity_shift"],
                     "model": {"name": "unet", "channels": [4, 8, 16], "strides": [2, 2]}, "device": "cpu"}
# Liver Dice ≥ 0.90: a small 3D U-Net on CT resampled to 3 × 3 × 4 mm (2× coarser in each axis).
SEGMENTATION_FLOOR = {"spacing_mm": [3.0, 3.0, 4.0], "roi_size": [48, 48, 32], "epochs": 100, "batch_size": 2,
                      "samples_per_case": 1, "learning_rate": 0.005, "lr_schedule": "cosine", "augmentation": [],
                      "model": {"name": "unet", "channels": [8, 16, 32, 64], "strides": [2, 2, 2]},
                      "best_metric": "val/dice_liver", "device": "cpu", "seed": 0}


def template_config(name: str, **changes) -> dict:
    """A template's config.json with ``changes`` merged in (as the run form does)."""
    return {**json.loads((TEMPLATES / name / "config.json").read_text(encoding="utf-8")), **changes}


def sample_project(root: Path, template: str) -> tuple[Workspace, list]:
    """A workspace with one project of ``template``, its sample data imported and each dataset frozen."""
    ws = Workspace.open(root)
    project = projects.create_project(ws, name=template, template=template, user="ana")
    found = add_sample_data(ws, project.id, user="ana")
    for dataset in found:
        datasets.freeze(ws, dataset.id, user="ana")
    return ws, found


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """``sample(template)``: (workspace, frozen datasets) of a template's sample project, made once per module."""
    made: dict[str, tuple] = {}

    def get(template: str) -> tuple[Workspace, list]:
        if template not in made:
            made[template] = sample_project(tmp_path_factory.mktemp(template), template)
        return made[template]

    yield get
    for ws, _ in made.values():
        ws.close()


@pytest.fixture
def liver_function(sample):
    ws, [table] = sample("liver-function")
    return ws, table


@pytest.fixture
def cancer(sample):
    ws, [patches, table] = sample("cancer-prediction")
    return ws, patches, table


@pytest.fixture
def segmentation(sample):
    ws, [volumes] = sample("liver-segmentation")
    return ws, volumes


@pytest.fixture(scope="module")
def breast_cancer_data(sample):
    ws, [_, table] = sample("cancer-prediction")
    return load_training_data(ws, table.id, 1, BREAST_CANCER)


class Recorder(RunCallbacks):
    """Callbacks that remember every call."""

    def __init__(self):
        self.metrics, self.epochs, self.lines = [], [], []
        super().__init__(on_metric=lambda name, value, *, step, epoch: self.metrics.append((name, value, step, epoch)),
                         on_epoch=lambda epoch, epochs, metrics: self.epochs.append((epoch, epochs, metrics)),
                         on_log=self.lines.append)

    def values(self, name: str) -> list[float]:
        return [value for metric, value, _, _ in self.metrics if metric == name]


# --- pieces -----------------------------------------------------------------------------------------------------


def test_importing_the_package_does_not_import_torch_or_monai():
    code = ("import sys, mass_ide.core.training as t; t.TrainingData; t.RunCallbacks; "
            "print(sorted(m for m in ('torch', 'monai', 'ignite') if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_conditions_are_parsed_never_evaluated():
    stage = parse_condition("stage == 4")
    assert (stage.column, stage.op, stage.value) == ("stage", "==", 4.0)
    assert stage.test("4") and stage.test("4.0") and not stage.test("3")
    assert parse_condition("alk.phos >= 1500.5").test("1600")
    diagnosis = parse_condition("diagnosis == malignant")
    assert diagnosis.test("Malignant ") and not diagnosis.test("benign")
    assert parse_condition("'mean radius' < 12").column == "mean radius"
    assert parse_condition('grade != "4"').value == "4"  # quoted: text, not a number
    hostile = parse_condition("__import__('os').system('true') == 1")
    assert hostile.column == "__import__('os').system('true')"  # only ever a column name
    for bad in ("stage", "== 4", "diagnosis > malignant"):
        with pytest.raises(InvalidInput):
            parse_condition(bad)
    with pytest.raises(InvalidInput, match="compares 'stage' with a number"):
        stage.test("IV")


def test_roc_auc_curve_and_report_figures():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2])
    truth = np.array([1, 1, 0, 1, 0, 0, 1, 0], dtype=bool)
    assert roc_auc(scores, truth) == pytest.approx(12 / 16)
    assert roc_auc(np.array([0.5, 0.5, 0.5, 0.5]), np.array([1, 0, 1, 0], dtype=bool)) == 0.5  # ties count half
    assert roc_auc(scores, np.ones(8, dtype=bool)) is None
    curve = roc_curve(scores, truth)
    assert curve["fpr"][0] == curve["tpr"][0] == 0.0 and curve["fpr"][-1] == curve["tpr"][-1] == 1.0
    many = roc_curve(np.random.default_rng(0).random(5000), np.random.default_rng(1).random(5000) > 0.5)
    assert len(many["fpr"]) <= 101 and np.all(np.diff(many["fpr"]) >= 0) and np.all(np.diff(many["tpr"]) >= 0)
    probabilities = np.stack([1 - scores, scores], axis=1)
    report = classification_report(probabilities, truth.astype(int), classes=["no", "yes"], threshold=0.5)
    assert report["confusion_matrix"] == [[2, 2], [1, 3]]
    assert (report["sensitivity"], report["specificity"], report["accuracy"]) == (0.75, 0.5, 0.625)
    assert report["balanced_accuracy"] == pytest.approx(0.625) and report["roc_auc"] == pytest.approx(0.75)


def test_split_is_seeded_and_stratified():
    targets = np.array([0] * 80 + [1] * 20)
    first = split_samples(count=100, fraction=0.2, seed=3, targets=targets)
    assert first == split_samples(count=100, fraction=0.2, seed=3, targets=targets)
    assert first != split_samples(count=100, fraction=0.2, seed=4, targets=targets)
    assert len(first.validation) == 20 and sum(targets[first.validation]) == 4
    assert sorted(first.train + first.validation) == list(range(100))
    with pytest.raises(InvalidInput, match="validation_split"):
        split_samples(count=10, fraction=1.5, seed=0)


# --- reading frozen versions ------------------------------------------------------------------------------------


def test_tabular_data_from_the_frozen_table(liver_function):
    ws, table = liver_function
    data = load_training_data(ws, table.id, 1, template_config("liver-function"))
    assert data.task == "tabular-classification" and data.classes == ["negative", "positive"]
    assert data.features.dtype == np.float32 and data.features.shape == (412, 9)
    assert np.isnan(data.features).any()  # missing lab values stay missing
    assert data.feature_names[0] == "bili" and data.targets.sum() == 144  # 144 patients at stage 4
    assert len(data.skipped) == 6 and all("stage" in s["reason"] for s in data.skipped)


def test_a_frozen_label_overrides_the_target_column(tmp_path):
    ws, [table] = sample_project(tmp_path / "ws", "liver-function")
    first = datasets.list_items(ws, table.id, limit=1)[0][0]
    assert first.meta["stage"] == "4"
    annotations.set_label(ws, first.id, label="3", expected_version=0, user="ana")
    datasets.freeze(ws, table.id, user="ana")
    config = template_config("liver-function")
    before, after = (load_training_data(ws, table.id, version, config) for version in (1, 2))
    index = before.keys.index(first.key)
    assert (before.targets[index], after.targets[index]) == (1, 0)
    ws.close()


def test_config_must_fit_the_data(liver_function, cancer):
    ws, table = liver_function
    with pytest.raises(InvalidInput, match="column 'grade' not in the table"):
        load_training_data(ws, table.id, 1, template_config("liver-function", target="grade", positive_when=None))
    with pytest.raises(InvalidInput, match="column 'albumen' not in the table"):
        load_training_data(ws, table.id, 1, template_config("liver-function", features=["bili", "albumen"]))
    with pytest.raises(InvalidInput, match="needs 'classes'"):
        load_training_data(ws, table.id, 1, template_config("liver-function", positive_when=None, classes=[]))
    with pytest.raises(InvalidInput, match="holds text"):
        load_training_data(ws, table.id, 1, template_config("liver-function", features=["bili", "sex"]))
    with pytest.raises(NotFound, match="no version 7"):
        load_training_data(ws, table.id, 7, template_config("liver-function"))
    with pytest.raises(InvalidInput, match="unknown task"):
        load_training_data(ws, table.id, 1, {"task": "regression"})
    ws, patches, _ = cancer
    with pytest.raises(InvalidInput, match="needs tabular items"):
        load_training_data(ws, patches.id, 1, template_config("liver-function"))


def test_images_use_the_frozen_labels_and_unlabelled_items_are_refused(cancer):
    ws, patches, _ = cancer
    config = template_config("cancer-prediction")
    before = load_training_data(ws, patches.id, 1, config)
    assert len(before) == 96 and sorted(set(before.targets.tolist())) == [0, 1]
    assert all(path.is_file() for path, _ in before.samples)
    items = datasets.list_items(ws, patches.id, limit=1000)[0]
    for item in items[:12]:  # clear labels after freezing version 1, then freeze version 2
        current = annotations.get_annotation(ws, item.id)
        annotations.set_label(ws, item.id, label=None, expected_version=current.version, user="ana")
    again = load_training_data(ws, patches.id, 1, config)
    assert again.keys == before.keys and again.targets.tolist() == before.targets.tolist()
    datasets.freeze(ws, patches.id, user="ana")
    with pytest.raises(InvalidInput, match="12 of 96 items have no label"):
        load_training_data(ws, patches.id, 2, config)
    skipping = load_training_data(ws, patches.id, 2, {**config, "unlabelled": "skip"})
    assert len(skipping) == 84 and len(skipping.skipped) == 12


def test_segmentation_data_points_at_frozen_mask_snapshots(segmentation):
    ws, volumes = segmentation
    data = load_training_data(ws, volumes.id, 1, template_config("liver-segmentation"))
    assert data.classes == ["background", "liver", "tumour"] and len(data) == 9
    assert all(mask.parent == ws.root / "artifacts" for _, mask in data.samples)
    assert all(image.is_file() and mask.is_file() for image, mask in data.samples)
    with pytest.raises(InvalidInput, match="without gaps"):
        load_training_data(ws, volumes.id, 1, template_config("liver-segmentation", labels={"0": "bg", "2": "t"}))
    with pytest.raises(InvalidInput, match="set \"spatial_dims\" to 3"):
        load_training_data(ws, volumes.id, 1, template_config("liver-segmentation", spatial_dims=2))


def test_liver_function_reaches_auc_075(liver_function, tmp_path):
    ws, table = liver_function
    config = template_config("liver-function", device="cpu")
    result = train(config, load_training_data(ws, table.id, 1, config), run_dir=tmp_path)
    assert result.status == "completed" and result.epochs_done == 60
    assert result.report["roc_auc"] >= 0.75, result.report["roc_auc"]


def test_breast_cancer_reaches_auc_098(breast_cancer_data, tmp_path):
    result = train(BREAST_CANCER, breast_cancer_data, run_dir=tmp_path)
    assert result.report["roc_auc"] >= 0.98, result.report["roc_auc"]
    assert result.report["accuracy"] >= 0.9


def test_liver_segmentation_reaches_dice_090(segmentation, tmp_path):
    ws, volumes = segmentation
    config = template_config("liver-segmentation", **SEGMENTATION_FLOOR)
    result = train(config, load_training_data(ws, volumes.id, 1, config), run_dir=tmp_path)
    assert result.report["dice"]["liver"] >= 0.90, result.report["dice"]


# --- the engine's behaviour ------------------------------------------------------------------------------------


def test_callbacks_checkpoints_and_report(breast_cancer_data, tmp_path):
    import torch

    recorder = Recorder()
    result = train({**BREAST_CANCER, "epochs": 3, "checkpoint_seconds": 0}, breast_cancer_data, run_dir=tmp_path,
                   callbacks=recorder)
    names = {name for name, *_ in recorder.metrics}
    assert {"train/loss", "train/lr", "val/loss", "val/accuracy", "val/auc", "val/sensitivity"} <= names
    steps = [step for name, _, step, _ in recorder.metrics if name == "train/loss"]
    assert steps == list(range(1, len(steps) + 1)) and len(steps) == 3 * 15  # 456 rows / 32 per batch
    lr_steps = [step for name, _, step, _ in recorder.metrics if name == "train/lr"]
    assert lr_steps == [1, 16, 31] and recorder.values("train/lr") == [0.001] * 3  # each epoch's first step
    assert [(epoch, epochs) for epoch, epochs, _ in recorder.epochs] == [(1, 3), (2, 3), (3, 3)]
    assert {"train/loss", "val/auc"} <= set(recorder.epochs[-1][2])
    assert recorder.lines[0].startswith("tabular-classification: 456 training and 113 validation samples")
    assert any(line.startswith("epoch 3/3:") for line in recorder.lines)

    folder = tmp_path / "checkpoints"
    assert sorted(p.name for p in folder.iterdir()) == ["best.pt", "epoch-0001.pt", "epoch-0002.pt",
                                                       "epoch-0003.pt", "last.pt"]
    assert result.checkpoint == folder / "best.pt" and result.best_metric["name"] == "val/auc"
    best = torch.load(result.checkpoint, weights_only=True)
    assert best["epoch"] == result.best_metric["epoch"] and best["meta"]["classes"] == ["negative", "positive"]
    # the epoch file is another name of that epoch's last.pt; best.pt keeps weights and metadata, no optimizer
    assert (folder / "epoch-0003.pt").stat().st_ino == (folder / "last.pt").stat().st_ino
    last = torch.load(folder / "last.pt", weights_only=True)
    assert last["epoch"] == 3 and last["optimizer"]["state"] and "optimizer" not in best and "scaler" not in best
    best_epoch = torch.load(folder / f"epoch-{result.best_metric['epoch']:04d}.pt", weights_only=True)
    assert all(torch.equal(best["model"][k], best_epoch["model"][k]) for k in best_epoch["model"])
    assert len(best["meta"]["preprocessing"]["medians"]) == 30

    report = result.report
    for field in ("accuracy", "balanced_accuracy", "roc_auc", "sensitivity", "specificity", "confusion_matrix",
                  "roc_curve", "threshold", "split", "predictions"):
        assert field in report, field
    assert np.sum(report["confusion_matrix"]) == report["case_count"] == 113
    assert len(report["roc_curve"]["fpr"]) == len(report["roc_curve"]["tpr"]) <= 101
    split = report["split"]
    assert set(split["train"]).isdisjoint(split["validation"])
    assert sorted(split["train"] + split["validation"]) == sorted(breast_cancer_data.keys)
    assert json.loads((tmp_path / "report" / "report.json").read_text())["roc_auc"] == report["roc_auc"]


def test_short_epochs_are_checkpointed_first_last_and_every_checkpoint_seconds(breast_cancer_data, tmp_path):
    import torch

    recorder = Recorder()
    result = train({**BREAST_CANCER, "epochs": 4}, breast_cancer_data, run_dir=tmp_path, callbacks=recorder)
    folder = tmp_path / "checkpoints"
    # epochs of a fraction of a second, 30 s apart at the least: the first epoch and the last
    assert sorted(p.name for p in folder.iterdir()) == ["best.pt", "epoch-0001.pt", "epoch-0004.pt", "last.pt"]
    last, best = (torch.load(folder / name, weights_only=True) for name in ("last.pt", "best.pt"))
    assert last["epoch"] == 4 and last["best"] == result.best_metric and best["epoch"] == result.best_metric["epoch"]
    again = train({**BREAST_CANCER, "epochs": 4, "checkpoint_seconds": 0}, breast_cancer_data,
                  run_dir=tmp_path / "every")
    every = torch.load(again.checkpoint, weights_only=True)  # the same best weights as saving every epoch
    assert all(torch.equal(best["model"][name], every["model"][name]) for name in every["model"])
    with pytest.raises(InvalidInput, match="checkpoint_seconds"):
        train({**BREAST_CANCER, "checkpoint_seconds": "often"}, breast_cancer_data, run_dir=tmp_path / "bad")


def fresh_report(config: dict, data, best: Path, folder: Path) -> dict:
    """The report of ``best`` from a second, separate pass over the validation split."""
    import torch
    from monai.data import DataLoader

    from mass_ide.core.training.engine import evaluate
    from mass_ide.core.training.handlers.checkpoints import load_checkpoint
    from mass_ide.core.training.tasks import make_task

    task = make_task(config, data)
    network = task.network()
    network.load_state_dict(load_checkpoint(best)["model"])
    loader = DataLoader(task.datasets()[1], batch_size=task.val_batch_size)
    return evaluate(task, network=network, loader=loader, device=torch.device("cpu"), amp=False, folder=folder)


def test_the_report_reuses_the_best_epochs_validation_and_matches_a_second_pass(breast_cancer_data, segmentation,
                                                                                 tmp_path):
    config = {**BREAST_CANCER, "epochs": 3}
    recorder = Recorder()
    result = train(config, breast_cancer_data, run_dir=tmp_path / "table", callbacks=recorder)
    assert f"kept from epoch {result.best_metric['epoch']}'s validation" in recorder.lines[-1]
    again = fresh_report(config, breast_cancer_data, result.checkpoint, tmp_path / "again")
    assert result.report["confusion_matrix"] == again["confusion_matrix"]
    for field in ("accuracy", "balanced_accuracy", "roc_auc", "case_count"):
        assert result.report[field] == pytest.approx(again[field]), field
    assert [p["key"] for p in result.report["predictions"]] == [p["key"] for p in again["predictions"]]

    ws, volumes = segmentation
    config = template_config("liver-segmentation", **SEGMENTATION_FAST)
    data = load_training_data(ws, volumes.id, 1, config)
    recorder = Recorder()
    result = train(config, data, run_dir=tmp_path / "volumes", callbacks=recorder)
    assert "kept from epoch" in recorder.lines[-1]
    again = fresh_report(config, data, result.checkpoint, tmp_path / "again-volumes")
    assert [c["key"] for c in result.report["cases"]] == [c["key"] for c in again["cases"]]
    for kept, fresh in zip(result.report["cases"], again["cases"]):
        assert kept["dice"] == pytest.approx(fresh["dice"], nan_ok=True)
        assert kept["hd95_mm"] == pytest.approx(fresh["hd95_mm"], nan_ok=True)
    assert result.report["overlays"] == again["overlays"]
    for name in result.report["overlays"]:
        assert (tmp_path / "volumes" / "report" / name).read_bytes() == (tmp_path / "again-volumes" / name).read_bytes()


def test_same_seed_same_loss_curve(breast_cancer_data, tmp_path):
    runs = []
    for name in ("a", "b"):
        recorder = Recorder()
        train({**BREAST_CANCER, "epochs": 2}, breast_cancer_data, run_dir=tmp_path / name, callbacks=recorder)
        runs.append(recorder.values("train/loss") + recorder.values("val/loss"))
    assert runs[0] == runs[1]
    recorder = Recorder()
    train({**BREAST_CANCER, "epochs": 2, "seed": 1}, breast_cancer_data, run_dir=tmp_path / "c", callbacks=recorder)
    assert recorder.values("train/loss") != runs[0][:len(recorder.values("train/loss"))]


def test_should_stop_cancels_after_saving(breast_cancer_data, tmp_path):
    import torch

    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) >= 20  # during epoch 2 (15 iterations each)

    recorder = Recorder()
    result = train(BREAST_CANCER, breast_cancer_data, run_dir=tmp_path, callbacks=recorder, should_stop=should_stop)
    assert (result.status, result.epochs_done) == ("cancelled", 1)
    assert result.last_checkpoint == tmp_path / "checkpoints" / "last.pt"
    last = torch.load(result.last_checkpoint, weights_only=True)
    assert (last["epoch"], last["iteration"]) == (1, 20)
    assert result.report == {} and len(recorder.epochs) == 1


def test_resume_continues_at_the_next_epoch(breast_cancer_data, tmp_path):
    first = train({**BREAST_CANCER, "epochs": 4}, breast_cancer_data, run_dir=tmp_path / "a",
                  should_stop=iter([False] * 37 + [True] * 100).__next__)  # stops in epoch 3
    assert (first.status, first.epochs_done) == ("cancelled", 2)
    recorder = Recorder()
    resumed = train({**BREAST_CANCER, "epochs": 4}, breast_cancer_data, run_dir=tmp_path / "a", callbacks=recorder,
                    resume_from=first.last_checkpoint)
    assert (resumed.status, resumed.epochs_done) == ("completed", 4)
    assert [epoch for epoch, _, _ in recorder.epochs] == [3, 4]
    assert recorder.metrics[0][2] == 2 * 15 + 1  # the step count goes on too
    assert "resuming after epoch 2 of 4" in recorder.lines
    assert resumed.report["roc_auc"] > 0.9
    other_model = {**BREAST_CANCER, "model": {"name": "mlp", "hidden": [8]}}
    with pytest.raises(InvalidInput, match="does not fit this run's model"):
        train(other_model, breast_cancer_data, run_dir=tmp_path / "b", resume_from=first.last_checkpoint)
    with pytest.raises(InvalidInput, match="no checkpoint"):
        train(BREAST_CANCER, breast_cancer_data, run_dir=tmp_path / "c", resume_from=tmp_path / "missing.pt")


def test_bad_run_settings_are_refused_before_training(breast_cancer_data, tmp_path):
    import torch

    bad = [({"epochs": 0}, "'epochs' must be a whole number"), ({"lr_schedule": "step"}, "unknown lr_schedule"),
           ({"device": "tpu"}, "unknown device")]
    if not torch.cuda.is_available():
        bad.append(({"device": "cuda"}, "no CUDA GPU"))
    for change, message in bad:
        with pytest.raises(InvalidInput, match=message):
            train({**BREAST_CANCER, **change}, breast_cancer_data, run_dir=tmp_path)
    assert not (tmp_path / "checkpoints").exists()


def test_the_loss_is_chosen_by_the_config(breast_cancer_data, segmentation, tmp_path):
    import torch

    from mass_ide.core.training.losses import (
        LOSSES,
        classification_loss,
        segmentation_loss,
    )

    first_losses = {}
    for name in LOSSES["tabular-classification"]:
        recorder = Recorder()
        result = train({**BREAST_CANCER, "epochs": 1, "loss": name}, breast_cancer_data, run_dir=tmp_path / name,
                       callbacks=recorder)
        assert result.status == "completed" and result.report["roc_auc"] > 0.5
        first_losses[name] = recorder.values("train/loss")[0]
    assert 0 < first_losses["focal"] < first_losses["cross_entropy"]  # focal down-weights every sample
    logits, target = torch.tensor([[2.0, -1.0], [0.5, 0.5]]), torch.tensor([0, 1])
    expected = torch.nn.functional.cross_entropy(logits, target)
    assert float(classification_loss({"task": "image-classification"})(logits, target)) == pytest.approx(float(expected))

    ws, volumes = segmentation
    logits, labels = torch.randn(2, 3, 8, 8, 8), torch.randint(0, 3, (2, 1, 8, 8, 8))
    values = {name: float(segmentation_loss({"task": "segmentation", "loss": name})(logits, labels))
              for name in LOSSES["segmentation"]}
    assert len(set(values.values())) == 4 and all(v > 0 for v in values.values())
    from monai.losses import FocalLoss

    sigmoid_focal = float(FocalLoss(to_onehot_y=True)(logits, labels))  # MONAI's DiceFocalLoss: softmax Dice + this
    assert values["dice_focal"] == pytest.approx(values["dice"] + sigmoid_focal, rel=1e-5)
    config = template_config("liver-segmentation", **{**SEGMENTATION_FAST, "epochs": 1, "loss": "dice"})
    recorder = Recorder()
    result = train(config, load_training_data(ws, volumes.id, 1, config), run_dir=tmp_path / "dice", callbacks=recorder)
    assert result.status == "completed" and 0 <= recorder.values("val/loss")[0] <= 1  # a Dice loss, not Dice + CE

    for task, bad in (("tabular", {**BREAST_CANCER, "loss": "dice"}),
                      ("segmentation", {**config, "loss": "cross_entropy"})):
        with pytest.raises(InvalidInput, match="unknown loss .* choose one of: ") as refused:
            train(bad, breast_cancer_data if task == "tabular" else None, run_dir=tmp_path / f"bad-{task}")
        assert all(choice in str(refused.value) for choice in LOSSES[bad["task"]])
        assert not (tmp_path / f"bad-{task}").exists()


def test_image_classification_runs_and_reports(cancer, tmp_path):
    ws, patches, _ = cancer
    config = template_config("cancer-prediction", image_size=[32, 32], epochs=2, device="cpu",
                             model={"name": "resnet10", "spatial_dims": 2, "in_channels": 1})
    recorder = Recorder()
    result = train(config, load_training_data(ws, patches.id, 1, config), run_dir=tmp_path, callbacks=recorder)
    assert result.status == "completed" and result.epochs_done == 2
    assert result.report["classes"] == ["no tumour", "tumour"] and result.report["positive_class"] == "tumour"
    assert 0.0 <= result.report["roc_auc"] <= 1.0 and np.sum(result.report["confusion_matrix"]) == 20
    assert {"val/auc", "val/accuracy"} <= {name for name, *_ in recorder.metrics}


def test_segmentation_runs_and_reports_dice_hd95_and_overlays(segmentation, tmp_path):
    ws, volumes = segmentation
    config = template_config("liver-segmentation", **SEGMENTATION_FAST)
    recorder = Recorder()
    result = train(config, load_training_data(ws, volumes.id, 1, config), run_dir=tmp_path, callbacks=recorder)
    assert result.status == "completed" and result.best_metric["name"] == "val/dice"
    assert {"val/dice", "val/dice_liver", "val/dice_tumour", "val/loss"} <= {n for n, *_ in recorder.metrics}
    report = result.report
    assert report["kind"] == "segmentation" and report["case_count"] == 2 == len(report["split"]["validation"])
    for case in report["cases"]:
        assert set(case["dice"]) == {"liver", "tumour"} and "liver" in case["hd95_mm"]
        assert case["dice"]["liver"] is None or 0.0 <= case["dice"]["liver"] <= 1.0
    assert 1 <= len(report["overlays"]) <= 3
    for name in report["overlays"]:
        assert (tmp_path / "report" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(report["dice"]) == {"liver", "tumour"} and "mean_dice" in report


def test_segmentation_in_2d_on_pictures(segmentation, tmp_path):
    from PIL import Image

    from mass_ide.core.samples.writers import write_tumour_patches

    ws, volumes = segmentation
    write_tumour_patches(tmp_path / "patches")
    pictures = datasets.import_dataset(ws, volumes.project_id, source=tmp_path / "patches", user="ana")
    for item in datasets.list_items(ws, pictures.id, limit=16)[0]:  # bright pixels are the class to find
        bright = (np.asarray(Image.open(item.file).convert("L")).T > 140).astype(np.uint8)[..., None]
        annotations.write_mask_volume(ws, item.id, values=bright, expected_version=0, user="ana")
    datasets.freeze(ws, pictures.id, user="ana")
    config = {"task": "segmentation", "labels": {"0": "background", "1": "bright"}, "spatial_dims": 2,
              "roi_size": [32, 32], "model": {"name": "unet", "channels": [8, 16, 32], "strides": [2, 2]},
              "epochs": 2, "batch_size": 4, "learning_rate": 0.01, "augmentation": ["flip", "rotate90"],
              "device": "cpu", "unlabelled": "skip"}
    data = load_training_data(ws, pictures.id, 1, config)
    assert len(data) == 16 and len(data.skipped) == 80
    result = train(config, data, run_dir=tmp_path / "run")
    assert result.report["dice"]["bright"] >= 0.6  # the masks line up with the pictures (no transposition)
    assert len(result.report["overlays"]) == 3


def test_torchrun_with_two_processes(cancer):
    """The IDE's own scale-out path: the run's worker under torchrun, DDP with gloo on CPU."""
    ws, _, table = cancer
    run = runs.create_run(ws, table.project_id, dataset_id=table.id, version=1, user="ana", processes=2,
                          overrides={**BREAST_CANCER, "epochs": 3})
    finished = subprocess.run(worker_command(ws, run), capture_output=True, text=True, timeout=180,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert finished.returncode == 0, finished.stderr[-3000:]
    done = runs.get_run(ws, run["id"])
    assert (done["status"], done["epochs_done"]) == ("completed", 3)
    assert 0.9 <= done["result"]["report"]["roc_auc"] <= 1.0
    metrics = runs.metrics_since(ws, run["id"])
    assert {"train/loss", "train/lr", "val/auc"} <= {m["name"] for m in metrics}
    steps = [m["step"] for m in metrics if m["name"] == "train/loss"]
    assert len(steps) == 3 * 8  # each of 2 ranks sees half of 456 rows: 228 / 32 per batch; only rank 0 records
    assert any("in 2 processes" in line for line in runs.log_tail(ws, done, lines=500))
    assert (runs.run_dir(ws, done) / "checkpoints" / "best.pt").exists()
