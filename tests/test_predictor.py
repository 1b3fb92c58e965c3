"""Predicting with a trained checkpoint: the same preprocessing as training, weights loaded without code."""

import pickle

import nibabel
import numpy as np
import pytest
import torch

from mass_ide.core.data import datasets
from mass_ide.core.errors import InvalidInput
from mass_ide.core.registry.model_file import model_file_state, read_model_file
from mass_ide.core.serving.predictor import Batch, Predictor
from mass_ide.core.training import load_training_data, train
from mass_ide.core.training.evaluation import roc_auc
from tests.test_training import (  # noqa: F401
    SEGMENTATION_FAST,
    sample,
    sample_project,
    template_config,
)

LIVER_FUNCTION_FAST = {"epochs": 3, "device": "cpu"}


@pytest.fixture(scope="module")
def liver_function_run(sample, tmp_path_factory):  # noqa: F811
    """A 3-epoch liver-function run on the PBC table: (workspace, table, data, result)."""
    ws, [table] = sample("liver-function")
    config = template_config("liver-function", **LIVER_FUNCTION_FAST)
    data = load_training_data(ws, table.id, 1, config)
    return ws, table, data, train(config, data, run_dir=tmp_path_factory.mktemp("run"))


def records_by_key(ws, table) -> dict[str, dict]:
    """The table's rows (item meta) by item key."""
    return {item.key: item.meta for item in datasets.all_items(ws, table.id)}


def test_tabular_predictions_match_the_training_report(liver_function_run):
    ws, table, data, result = liver_function_run
    predictor = Predictor.load(result.checkpoint, device="cpu")
    rows = records_by_key(ws, table)
    validation = result.report["split"]["validation"]
    predictions = predictor.predict([rows[key] for key in validation])
    assert len(predictions) == len(validation)
    for prediction in predictions:
        assert list(prediction["probabilities"]) == predictor.classes == ["negative", "positive"]  # stage 4 or not
        assert sum(prediction["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        assert 0.0 <= prediction["uncertainty"] <= 1.0
        assert prediction["class"] == max(prediction["probabilities"], key=prediction["probabilities"].get)
    targets = {key: int(t) for key, t in zip(data.keys, data.targets)}
    advanced = np.array([targets[key] == 1 for key in validation])
    scores = np.array([p["probabilities"]["positive"] for p in predictions])
    assert roc_auc(scores, advanced) == pytest.approx(result.report["roc_auc"], abs=0.02)


def test_tabular_signature_has_units_and_training_ranges(liver_function_run):
    *_, result = liver_function_run
    signature = Predictor.load(result.checkpoint).signature
    assert signature["task"] == "tabular-classification" and signature["outputs"]["classes"] == ["negative", "positive"]
    columns = {c["name"]: c for c in signature["inputs"]["columns"]}
    assert columns["bili"]["unit"] == "mg/dL" and columns["platelet"]["unit"] == "10³/µL"
    assert columns["ast"]["unit"] == "U/L"  # the PBC table's AST (median 115) is on the U/L scale
    # The classes keep their stored names; the signature and the report say what they mean.
    names = {"negative": "no cirrhosis (stages 1–3)", "positive": "cirrhosis (stage 4)"}
    assert signature["outputs"]["names"] == names
    assert result.report["class_names"] == list(names.values())
    assert 0 < columns["bili"]["min"] < columns["bili"]["max"]


def test_bad_rows_are_refused_with_the_column_named(liver_function_run):
    ws, table, _, result = liver_function_run
    predictor = Predictor.load(result.checkpoint)
    row = next(iter(records_by_key(ws, table).values()))
    with pytest.raises(InvalidInput, match="misses column 'albumin'"):
        predictor.predict([{k: v for k, v in row.items() if k != "albumin"}])
    with pytest.raises(InvalidInput, match="'bili' must be a number"):
        predictor.predict([{**row, "bili": "high"}])
    with pytest.raises(InvalidInput, match="nothing to predict"):
        predictor.predict([])
    [unknown] = predictor.predict([{**row, "copper": None}])  # a missing value is imputed as in training
    assert sum(unknown["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)


def test_batches_join_into_one_forward_pass(liver_function_run):
    ws, table, _, result = liver_function_run
    predictor = Predictor.load(result.checkpoint)
    rows = list(records_by_key(ws, table).values())[:5]
    parts = [predictor.prepare(rows[:2]), predictor.prepare(rows[2:])]
    joined = Batch.join(parts)
    assert len(joined) == 5 and predictor.batchable
    assert predictor.finish(joined, predictor.forward(joined)) == predictor.predict(rows)


def test_a_model_file_keeps_weights_and_meta_only(liver_function_run, tmp_path):
    *_, result = liver_function_run
    checkpoint = torch.load(result.last_checkpoint, weights_only=True)  # last.pt keeps the optimizer, for resuming
    torch.save(model_file_state(checkpoint), tmp_path / "model.pt")
    state = read_model_file(tmp_path / "model.pt")
    assert set(state) == {"format", "model", "meta"} and "optimizer" in checkpoint
    rows = [{name: 1.0 for name in state["meta"]["preprocessing"]["features"]}]
    assert Predictor.load(tmp_path / "model.pt").predict(rows) == Predictor.load(result.last_checkpoint).predict(rows)


class Planted:
    """A pickle that would create a file if it were ever unpickled."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_with_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "executed"
    (tmp_path / "evil.pt").write_bytes(pickle.dumps({"model": Planted(marker), "meta": {}}))
    with pytest.raises(InvalidInput, match="weights-only"):
        read_model_file(tmp_path / "evil.pt")
    assert not marker.exists()
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(InvalidInput, match="not a Mass IDE model file"):
        read_model_file(tmp_path / "other.pt")


def test_image_classifier_reads_pictures_from_files_and_bytes(sample, tmp_path):  # noqa: F811
    ws, [patches, _] = sample("cancer-prediction")
    config = template_config("cancer-prediction", image_size=[32, 32], epochs=1, device="cpu",
                             model={"name": "resnet10", "spatial_dims": 2, "in_channels": 1})
    result = train(config, load_training_data(ws, patches.id, 1, config), run_dir=tmp_path)
    predictor = Predictor.load(result.checkpoint)
    assert predictor.signature["inputs"] == {"kind": "image", "channels": 1, "size": [32, 32],
                                             "formats": ["png", "jpeg", "tiff"]}
    item = datasets.all_items(ws, patches.id)[0]
    from_file, from_bytes = predictor.predict([item.file, item.file.read_bytes()])
    assert from_file == from_bytes and from_file["class"] in ("no tumour", "tumour")
    with pytest.raises(InvalidInput, match="input 1 is not a readable"):
        predictor.predict([b"not a picture"])


def test_volume_masks_come_back_on_the_input_grid(sample, tmp_path):  # noqa: F811
    ws, [volumes] = sample("liver-segmentation")
    config = template_config("liver-segmentation", **SEGMENTATION_FAST)
    result = train(config, load_training_data(ws, volumes.id, 1, config), run_dir=tmp_path)
    predictor = Predictor.load(result.checkpoint)
    assert predictor.signature["inputs"]["kind"] == "volume" and not predictor.batchable
    assert predictor.signature["outputs"]["classes"] == {"0": "background", "1": "liver", "2": "tumour"}
    item = next(i for i in datasets.all_items(ws, volumes.id) if i.key == result.report["split"]["validation"][0])
    image = nibabel.load(item.file)
    [prediction] = predictor.predict([item.file])
    assert prediction["mask"].shape == image.shape and prediction["mask"].dtype == np.uint8
    assert np.allclose(prediction["affine"], image.affine, atol=1e-4)
    assert set(np.unique(prediction["mask"])) <= {0, 1, 2}
    assert prediction["voxels"]["liver"] == int((prediction["mask"] == 1).sum())
    voxel_ml = abs(np.linalg.det(image.affine[:3, :3])) / 1000
    assert prediction["volume_ml"]["liver"] == pytest.approx(prediction["voxels"]["liver"] * voxel_ml, abs=1e-5)
    assert 0.0 <= prediction["uncertainty"] <= 1.0
    with pytest.raises(InvalidInput, match="one image or volume at a time"):
        predictor.predict([item.file, item.file])
    with pytest.raises(InvalidInput, match="not a readable NIfTI"):
        (tmp_path / "broken.nii.gz").write_bytes(b"\x1f\x8b broken")
        predictor.predict([tmp_path / "broken.nii.gz"])
