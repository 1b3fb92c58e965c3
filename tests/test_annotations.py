"""Labels and masks: versions and conflicts, mask geometry, slices, freezing and exports."""

import io
import json

import numpy as np
import pytest
from annotation_fixtures import SPACING, ct_volume, image_dataset, volume_dataset
from hostile_files import png_declaring
from PIL import Image

from mass_ide.core import audit
from mass_ide.core.annotation import label_files as exports
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets, render
from mass_ide.core.errors import Conflict, InvalidInput


def first_item(ws, dataset):
    items, _ = datasets.list_items(ws, dataset.id)
    return items[0]


def test_labels_have_versions_authors_and_conflicts(workspace):
    dataset = image_dataset(workspace)
    item = first_item(workspace, dataset)
    saved = annotations.set_label(workspace, item.id, label="tumour", expected_version=0, user="ana")
    assert (saved.label, saved.version, saved.updated_by) == ("tumour", 1, "ana")
    with pytest.raises(Conflict, match=r"saved by ana at .* \(version 1\) after the version 0"):
        annotations.set_label(workspace, item.id, label="no tumour", expected_version=0, user="ben")
    assert annotations.get_annotation(workspace, item.id).label == "tumour"
    again = annotations.set_label(workspace, item.id, label="no tumour", expected_version=1, user="ben")
    assert (again.label, again.version, again.updated_by) == ("no tumour", 2, "ben")
    actions = [(e["user"], e["action"]) for e in audit.events(workspace.db, target=f"item:{item.id}")]
    assert actions == [("ben", "annotation.label"), ("ana", "annotation.label")]


def test_unknown_class_and_masks_in_a_classification_project_are_refused(workspace):
    item = first_item(workspace, image_dataset(workspace))
    with pytest.raises(InvalidInput, match="unknown class 'maybe'; choose one of: no tumour, tumour"):
        annotations.set_label(workspace, item.id, label="maybe", expected_version=0, user="ana")
    with pytest.raises(InvalidInput, match="masks are for segmentation"):
        annotations.write_mask_slice(workspace, item.id, axis="axial", index=0,
                                     values=np.zeros((20, 10), np.uint8), expected_version=0, user="ana")


def test_progress_and_unlabelled_filter(workspace):
    dataset = image_dataset(workspace)
    items, total = datasets.list_items(workspace, dataset.id)
    annotations.set_label(workspace, items[1].id, label="tumour", expected_version=0, user="ana")
    unlabelled, remaining = datasets.list_items(workspace, dataset.id, unlabelled_only=True)
    assert (total, remaining, datasets.count_labelled(workspace, dataset.id)) == (3, 2, 1)
    assert [i.key for i in unlabelled] == ["img0.png", "img2.png"]


@pytest.mark.parametrize(("axis", "index", "shape"), [("axial", 3, (16, 12)), ("coronal", 5, (16, 8)),
                                                      ("sagittal", 7, (12, 8))])
def test_mask_slices_round_trip_on_the_volume_geometry(workspace, axis, index, shape):
    import nibabel

    item = first_item(workspace, volume_dataset(workspace))
    stroke = np.zeros(shape, dtype=np.uint8)
    stroke[2:5, 1:4] = 1
    stroke[6, 2] = 2
    saved = annotations.write_mask_slice(workspace, item.id, axis=axis, index=index, values=stroke,
                                         expected_version=0, user="ana")
    assert saved.version == 1 and saved.mask_file.name == f"{item.id}.nii"
    assert np.array_equal(annotations.read_mask_slice(workspace, item.id, axis=axis, index=index), stroke)
    mask, image = nibabel.load(saved.mask_file), nibabel.load(item.file)
    assert mask.shape == image.shape and np.allclose(mask.affine, image.affine)
    assert mask.header.get_zooms() == pytest.approx(SPACING)
    assert int(np.asanyarray(mask.dataobj).sum()) == int(stroke.sum())


def test_mask_saves_check_version_values_and_shape(workspace):
    item = first_item(workspace, volume_dataset(workspace))
    good = np.ones((16, 12), dtype=np.uint8)
    annotations.write_mask_slice(workspace, item.id, axis="axial", index=0, values=good, expected_version=0, user="ana")
    with pytest.raises(Conflict):
        annotations.write_mask_slice(workspace, item.id, axis="axial", index=1, values=good, expected_version=0,
                                     user="ben")
    with pytest.raises(InvalidInput, match="label classes"):
        annotations.write_mask_slice(workspace, item.id, axis="axial", index=1, values=good * 7, expected_version=1,
                                     user="ana")
    with pytest.raises(InvalidInput, match=r"the mask here is \(16, 12\), not \(12, 16\)"):
        annotations.write_mask_slice(workspace, item.id, axis="axial", index=1, values=good.T, expected_version=1,
                                     user="ana")
    with pytest.raises(InvalidInput, match="outside 0..7"):
        annotations.read_mask_slice(workspace, item.id, axis="axial", index=8)
    assert not np.any(annotations.read_mask_slice(workspace, item.id, axis="axial", index=1))


def png_pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return np.asarray(image)


def test_slices_render_windowed_and_in_display_orientation(workspace):
    item = first_item(workspace, volume_dataset(workspace))
    axial = png_pixels(render.render_slice(item, axis="axial", index=3, window="abdomen"))
    assert axial.shape == (12, 16)  # a RAS volume: rows = y from anterior, columns = x from the patient's right
    expected = ct_volume()[:, :, 3].T[::-1, ::-1]
    assert np.array_equal(axial == 0, expected == -1000)  # air is black in the abdomen window
    assert axial.max() > 128  # the 'liver' at 60 HU is above the window's level of 40
    assert png_pixels(render.render_slice(item, axis="sagittal", index=0)).shape == (8, 12)
    with pytest.raises(InvalidInput, match="window must be one of abdomen, liver, bone"):
        render.render_slice(item, axis="axial", index=0, window="brain")
    with pytest.raises(InvalidInput, match="axis must be one of"):
        render.render_slice(item, axis="oblique", index=0)


def test_image_items_render_as_stored(workspace):
    item = first_item(workspace, image_dataset(workspace))
    stored = np.asarray(Image.open(item.file).convert("L"))
    assert np.array_equal(png_pixels(render.render_slice(item, axis="axial", index=0, window="127.5,255")), stored)
    plane = stored.T  # the picture's grid: columns × rows
    assert np.array_equal(render.to_display(item, plane, axis="axial"), stored)
    assert np.array_equal(render.from_display(item, stored, axis="axial"), plane)


def test_freeze_hashes_labels_and_snapshots_masks(workspace):
    dataset = volume_dataset(workspace)
    item = first_item(workspace, dataset)
    first = datasets.freeze(workspace, dataset.id, user="ana")
    annotations.write_mask_slice(workspace, item.id, axis="axial", index=2, values=np.ones((16, 12), np.uint8),
                                 expected_version=0, user="ana")
    second = datasets.freeze(workspace, dataset.id, user="ana")
    assert (first["number"], second["number"]) == (1, 2) and first["digest"] != second["digest"]
    mask_sha = second["manifest"][0]["mask_sha256"]
    snapshot = workspace.root / "artifacts" / f"{mask_sha}.nii"
    assert snapshot.is_file() and datasets.file_sha256(snapshot) == mask_sha
    annotations.write_mask_slice(workspace, item.id, axis="axial", index=2, values=np.zeros((16, 12), np.uint8),
                                 expected_version=1, user="ana")
    assert datasets.file_sha256(snapshot) == mask_sha  # the frozen version does not change with later strokes
    assert [v["number"] for v in datasets.list_versions(workspace, dataset.id)] == [2, 1]


def test_labels_export_as_csv(workspace):
    dataset = image_dataset(workspace)
    item = first_item(workspace, dataset)
    annotations.set_label(workspace, item.id, label="tumour", expected_version=0, user="ana")
    lines = exports.labels_csv(workspace, dataset.id).splitlines()
    assert lines[0] == "key,label,labelled_by,labelled_at"
    assert lines[1].startswith("img0.png,tumour,ana,") and lines[2] == "img1.png,,,"


def test_masks_export_as_a_decathlon_folder_that_monai_reads(workspace):
    from monai.data import load_decathlon_datalist
    from monai.transforms import LoadImage

    dataset = volume_dataset(workspace)
    item = first_item(workspace, dataset)
    with pytest.raises(InvalidInput, match="no item .* has a painted mask"):
        exports.export_msd(workspace, dataset.id, user="ana")
    stroke = np.zeros((16, 12), np.uint8)
    stroke[4:10, 3:8] = 1
    annotations.write_mask_slice(workspace, item.id, axis="axial", index=4, values=stroke, expected_version=0,
                                 user="ana")
    folder = exports.export_msd(workspace, dataset.id, user="ana")
    manifest = json.loads((folder / "dataset.json").read_text())
    assert manifest["labels"] == {"0": "background", "1": "liver", "2": "tumour"} and manifest["numTraining"] == 1
    [case] = load_decathlon_datalist(str(folder / "dataset.json"), data_list_key="training", base_dir=str(folder))
    label = LoadImage(image_only=True)(case["label"])
    assert tuple(label.shape) == (16, 12, 8) and int(label[:, :, 4].sum()) == int(stroke.sum())
    assert manifest["numTest"] == 1  # the volume without a mask is the Decathlon's test case
    [test_case] = load_decathlon_datalist(str(folder / "dataset.json"), data_list_key="test", base_dir=str(folder))
    assert tuple(LoadImage(image_only=True)(test_case["image"]).shape) == (16, 12, 8)


def test_a_decathlon_export_with_every_volume_masked_has_an_empty_imagests(workspace):
    dataset = volume_dataset(workspace, cases=1)
    annotations.write_mask_volume(workspace, first_item(workspace, dataset).id, values=np.ones((16, 12, 8), np.uint8),
                                  expected_version=0, user="ana")
    folder = exports.export_msd(workspace, dataset.id, user="ana")
    assert folder.name == f"Task{dataset.id:02d}_Cases"  # nnU-Net reads Task<number>_<name> from it
    assert sorted(p.name for p in folder.iterdir()) == ["dataset.json", "imagesTr", "imagesTs", "labelsTr"]
    assert list((folder / "imagesTs").iterdir()) == []
    manifest = json.loads((folder / "dataset.json").read_text())
    assert (manifest["numTraining"], manifest["numTest"], manifest["test"]) == (1, 0, [])


def png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(("axis", "index", "display"), [("axial", 3, (12, 16)), ("coronal", 5, (8, 16)),
                                                        ("sagittal", 7, (8, 12))])
def test_a_mask_png_decodes_onto_its_slice_in_voxel_order(workspace, axis, index, display):
    item = first_item(workspace, volume_dataset(workspace))
    painted = np.zeros(display, dtype=np.uint8)
    painted[1:3, 2:6] = 1
    values = render.decode_mask_slice(item, png_bytes(painted), axis=axis, index=index)
    assert np.array_equal(values, render.from_display(item, painted, axis=axis))
    assert np.array_equal(render.to_display(item, values, axis=axis), painted)
    saved = annotations.write_mask_slice(workspace, item.id, axis=axis, index=index, values=values,
                                         expected_version=0, user="ana")
    assert saved.version == 1


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_mask_png_of_the_wrong_or_a_huge_size_is_refused_before_decoding(workspace, monkeypatch):
    from PIL import ImageFile

    item = first_item(workspace, volume_dataset(workspace))

    def refuse_to_decode(self):
        raise AssertionError("the PNG was decoded before its size was checked")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_decode)
    for width, height in ((16, 12 + 1), (9_000, 9_000), (60_000, 60_000)):
        with pytest.raises(InvalidInput, match=rf"the mask slice is (too large to decode|{width}×{height} pixels, "
                                               r"but the slice it belongs to is 16×12)"):
            render.decode_mask_slice(item, png_declaring(width, height), axis="axial", index=0)
    with pytest.raises(InvalidInput, match="axial slice 8 is outside 0..7"):
        render.decode_mask_slice(item, png_declaring(16, 12), axis="axial", index=8)
    for width, height in ((10_000, 9_000), (60_000, 60_000)):  # without a slice to compare: the bomb limit
        with pytest.raises(InvalidInput, match="too large to decode.*at most 89,478,485 pixels"):
            render.decode_png(png_declaring(width, height), name="the mask slice")
    with pytest.raises(InvalidInput, match="the mask slice is not a readable PNG"):
        render.decode_png(b"\x89PNG\r\n\x1a\n" + b"\0" * 20, name="the mask slice")


def test_classes_are_shown_in_clinical_words_and_their_training_target(workspace):
    from mass_ide.core import projects
    from mass_ide.core.data import classes

    project = projects.create_project(workspace, name="Stages", template="liver-function", user="ana")
    scheme = annotations.label_classes(workspace, project.id)
    assert scheme["classes"] == ["1", "2", "3", "4"]  # stored values stay as they are
    assert scheme["names"]["4"] == "stage 4 — cirrhosis" and scheme["names"]["positive"] == "cirrhosis (stage 4)"
    assert scheme["trains_as"] == {"1": "negative", "2": "negative", "3": "negative", "4": "positive"}
    assert scheme["units"]["ast"] == "U/L" and scheme["units"]["platelet"] == "10³/µL"
    # Unnamed classes read as stored; an unnamed condition's classes say what they test.
    config = {"classes": ["1", "2"], "positive_when": "grade >= 2"}
    assert classes.display_names(config, ["negative", "positive", "1"]) == [
        "negative (not grade >= 2)", "positive (grade >= 2)", "1"]
    assert classes.training_classes({"classes": ["a"]}, ["a"]) == {}
    with pytest.raises(InvalidInput, match="'class_names' maps class values"):
        classes.class_names({"class_names": ["stage 1"]})


def test_mask_volumes_are_in_millilitres_from_the_voxel_spacing(workspace):
    from mass_ide.core.data.geometry import class_volumes, voxel_ml

    assert voxel_ml(np.diag([2.0, -2.0, 2.5, 1.0])) == pytest.approx(0.01)  # 2 × 2 × 2.5 mm = 10 mm³
    assert class_volumes(np.array([[0, 1, 1], [2, 1, 0]]), {0: "background", 1: "liver", 2: "tumour"}) == [
        {"value": 1, "name": "liver", "voxels": 3, "ml": None}, {"value": 2, "name": "tumour", "voxels": 1, "ml": None}]
    item = first_item(workspace, volume_dataset(workspace))
    assert [c["voxels"] for c in annotations.mask_volumes(workspace, item.id)["classes"]] == [0, 0]
    stroke = np.zeros((16, 12), dtype=np.uint8)
    stroke[2:6, 1:6] = 1  # 20 liver voxels of 1.5 × 1.5 × 2 mm = 4.5 mm³ each
    annotations.write_mask_slice(workspace, item.id, axis="axial", index=3, values=stroke, expected_version=0,
                                 user="ana")
    measured = annotations.mask_volumes(workspace, item.id)
    assert measured["voxel_ml"] == pytest.approx(np.prod(SPACING) / 1000)
    assert measured["classes"][0] == {"value": 1, "name": "liver", "voxels": 20, "ml": pytest.approx(0.09)}
    with pytest.raises(InvalidInput, match="only masks have volumes"):
        annotations.mask_volumes(workspace, first_item(workspace, image_dataset(workspace)).id)
