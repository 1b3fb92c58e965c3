"""Cleaning recipes and data quality, on datasets imported by the real importers."""

import base64
import io

import nibabel
import numpy as np
import pytest
from PIL import Image

from mass_ide.core import projects
from mass_ide.core.annotation import cleaning
from mass_ide.core.data import datasets, quality, recipes
from mass_ide.core.errors import InvalidInput

MESSY_LABS = (
    "id,stage,bili,albumin,note\n"
    "1,4, 1.2 ,3.1,  ok!\n"
    "2,3,,2.9,b\n"
    "3,4,3.5,,c-2\n"
    "4,2,0.8,4.0,\n"
)


@pytest.fixture
def lab_values(workspace, tmp_path):
    """A liver-function project with a messy table of lab values."""
    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    source = tmp_path / "labs.csv"
    source.write_text(MESSY_LABS, encoding="utf-8")
    return datasets.import_dataset(workspace, "labs", source=source, user="ana")


def test_operations_are_offered_per_kind_with_schemas():
    assert [o["op"] for o in recipes.operations_json("tabular")] == [
        "trim", "strip", "cast", "scale", "missing", "drop_columns"]
    window = {o["op"]: o for o in recipes.operations_json("volume")}["window"]
    assert window["params"]["required"] == ["op", "level", "width"]


def test_preview_shows_before_and_after_without_changing_anything(workspace, lab_values):
    steps = [{"op": "trim"}, {"op": "strip", "chars": "punctuation", "columns": ["note"]},
             {"op": "cast", "column": "bili", "to": "number"}, {"op": "missing", "strategy": "median", "columns": ["bili"]}]
    shown = recipes.preview(workspace, lab_values.id, steps=steps)
    assert shown["before"]["rows"][0] == ["1", "4", " 1.2 ", "3.1", "  ok!"]
    assert shown["after"]["rows"][0] == ["1", "4", 1.2, "3.1", "ok"]
    assert shown["after"]["rows"][1][2] == 1.2  # the median of 1.2, 3.5, 0.8
    bili_before = {c["name"]: c for c in shown["quality_before"]["columns"]}["bili"]
    bili_after = {c["name"]: c for c in shown["quality_after"]["columns"]}["bili"]
    assert (bili_before["missing"], bili_after["missing"]) == (1, 0)
    assert recipes.get_recipe(workspace, lab_values.id) == []


def test_apply_makes_a_new_cleaned_dataset_and_keeps_the_source(workspace, lab_values):
    steps = [{"op": "trim"}, {"op": "missing", "strategy": "drop_rows", "columns": ["albumin", "bili"]},
             {"op": "scale", "column": "bili", "factor": 17.1, "unit": "µmol/L"}]
    recipes.save_recipe(workspace, lab_values.id, steps=steps, user="ana")
    cleaned = cleaning.apply_recipe(workspace, lab_values.id, user="ana")
    assert (cleaned.item_count, lab_values.item_count) == (2, 4)
    assert cleaned.report["derived_from"] == lab_values.id and cleaned.report["recipe"] == steps
    table = recipes.read_table(cleaned.folder / "table.csv")
    assert table.columns[2] == "bili [µmol/L]" and float(table.rows[0][2]) == pytest.approx(20.52)
    assert recipes.read_table(lab_values.folder / "table.csv").rows[0][2] == " 1.2 "


@pytest.mark.parametrize(("steps", "message"), [
    ([{"op": "explode"}], "step 1: unknown operation; for tabular data choose one of: trim"),
    ([{"op": "trim"}, {"op": "cast", "column": "bili"}], "step 2 \\(cast\\): 'to' is a required property"),
    ([{"op": "missing", "strategy": "guess"}], "step 1 \\(missing\\): 'guess' is not one of"),
    ("trim", "a recipe is a list of steps"),
])
def test_bad_steps_are_refused_by_number(workspace, lab_values, steps, message):
    with pytest.raises(InvalidInput, match=message):
        recipes.save_recipe(workspace, lab_values.id, steps=steps, user="ana")


def test_unknown_column_names_the_columns(workspace, lab_values):
    with pytest.raises(InvalidInput, match="no column 'bilirubin'; the columns are: id, stage, bili"):
        recipes.preview(workspace, lab_values.id, steps=[{"op": "cast", "column": "bilirubin", "to": "number"}])


def test_table_quality_has_missing_values_ranges_and_class_balance(workspace, lab_values):
    summary = quality.dataset_quality(workspace, lab_values.id)
    columns = {c["name"]: c for c in summary["columns"]}
    assert summary["rows"] == 4 and summary["class_balance"] == {"4": 2, "3": 1, "2": 1}
    assert (columns["bili"]["type"], columns["bili"]["missing"], columns["bili"]["max"]) == ("number", 1, 3.5)
    assert sum(columns["bili"]["histogram"]["counts"]) == 3
    assert columns["note"]["type"] == "text" and columns["note"]["missing"] == 1


def test_ct_window_and_resampling_apply_to_every_volume(workspace, tmp_path):
    projects.create_project(workspace, name="Seg", template="liver-segmentation", user="ana")
    folder = tmp_path / "cts"
    folder.mkdir()
    for case in range(2):
        voxels = np.full((20, 20, 10), -1000, dtype=np.int16)
        voxels[5:15, 5:15, 2:8] = 500 + case
        voxels[16:20, 8:12, :] = 100  # a marker on the patient's right (the affine is RAS)
        nibabel.save(nibabel.Nifti1Image(voxels, np.diag([1.0, 1.0, 2.0, 1.0])), folder / f"ct{case}.nii.gz")
    dataset = datasets.import_dataset(workspace, "seg", source=folder, user="ana")
    steps = [{"op": "window", "level": 40, "width": 400}, {"op": "resample", "spacing": [2.0, 2.0, 2.0]}]
    shown = recipes.preview(workspace, dataset.id, steps=steps)
    assert shown["before"]["spacing"] == [1.0, 1.0, 2.0] and shown["after"]["spacing"] == [2.0, 2.0, 2.0]
    assert shown["after"]["value_range"] == [-160.0, 240.0]
    before, after = (picture(shown["pictures"][side]) for side in ("before", "after"))
    assert shown["pictures"]["before"]["slice"] == {"axis": "axial", "index": 5, "count": 10}
    assert shown["pictures"]["after"]["slice"] == {"axis": "axial", "index": 5, "count": 10}
    assert (before.shape, after.shape) == ((20, 20), (10, 10))  # the middle axial slice, on the new grid
    assert before[10, 10] == 255 and after[5, 5] == 255 and after[0, 0] == 0  # windowed to their own range
    assert before[10, :4].mean() > 100 and before[10, 16:].max() == 0  # the patient's right on the screen's left
    recipes.save_recipe(workspace, dataset.id, steps=steps, user="ana")
    cleaned = cleaning.apply_recipe(workspace, dataset.id, user="ana")
    items, _ = datasets.list_items(workspace, cleaned.id)
    assert [item.meta["shape"] for item in items] == [[10, 10, 10], [10, 10, 10]]
    summary = quality.dataset_quality(workspace, cleaned.id)
    assert summary["kind"] == "volume" and summary["value_range"] == [-160.0, 240.0]


def picture(shown: dict) -> np.ndarray:
    """The pixels of a preview picture (a PNG data URL), checked against the size it states."""
    data = base64.b64decode(shown["src"].removeprefix("data:image/png;base64,"))
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (shown["width"], shown["height"])
        return np.asarray(image)


def test_images_resize(workspace, tmp_path):
    projects.create_project(workspace, name="Img", template="cancer-prediction", user="ana")
    for index, (label, size) in enumerate([("tumour", (30, 20)), ("no_tumour", (40, 40))]):
        (tmp_path / "images" / label).mkdir(parents=True)
        Image.new("RGB", size, (200, 30, 30)).save(tmp_path / "images" / label / f"i{index}.png")
    dataset = datasets.import_dataset(workspace, "img", source=tmp_path / "images", user="ana")
    assert quality.dataset_quality(workspace, dataset.id)["sizes"] == {"30x20": 1, "40x40": 1}
    shown = recipes.preview(workspace, dataset.id, steps=[{"op": "grayscale"}, {"op": "resize", "width": 32,
                                                                                 "height": 32}])
    before, after = picture(shown["pictures"]["before"]), picture(shown["pictures"]["after"])
    assert before.shape[2] == 3 and tuple(before[0, 0]) == (200, 30, 30)  # the picture in its own colours
    assert after.shape == (32, 32) and 60 < after[0, 0] < 90  # grey, at the new size
    recipes.save_recipe(workspace, dataset.id, steps=[{"op": "resize", "width": 32, "height": 32}], user="ana")
    cleaned = cleaning.apply_recipe(workspace, dataset.id, user="ana")
    summary = quality.dataset_quality(workspace, cleaned.id)
    assert summary["sizes"] == {"32x32": 2} and summary["class_balance"] == {"tumour": 1, "no_tumour": 1}
