"""A cleaned copy carries its source's labels and masks, masks moved onto the new grid by nearest neighbour."""

import nibabel
import numpy as np
import pytest
from PIL import Image

from mass_ide.core import audit, projects
from mass_ide.core.annotation import cleaning
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets, recipes
from mass_ide.core.data.geometry import item_grid
from mass_ide.core.errors import InvalidInput
from mass_ide.core.samples import writers as samples
from mass_ide.core.samples.phantoms import make_phantom
from mass_ide.core.samples.volumes import write_ct_pair

LABS = "id,stage,bili,albumin\n1,4, 1.2 ,3.1\n2,3,,2.9\n3,4,3.5,\n4,2,0.8,4.0\n"


def labels_by_key(ws, dataset_id: int) -> dict[str, str]:
    """Each labelled item's key and class label."""
    found = {}
    for item in datasets.all_items(ws, dataset_id):
        label = annotations.get_annotation(ws, item.id).label
        if label is not None:
            found[item.key] = label
    return found


def cleaned_copy(ws, dataset_id: int, steps: list[dict], *, user: str = "cleo") -> datasets.Dataset:
    """Save ``steps`` as the dataset's recipe and apply it (by ``user``)."""
    recipes.save_recipe(ws, dataset_id, steps=steps, user=user)
    return cleaning.apply_recipe(ws, dataset_id, user=user)


@pytest.fixture
def labelled_labs(workspace, tmp_path):
    """A liver-function table of four rows; rows 1, 2 and 4 labelled by ben."""
    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    source = tmp_path / "labs.csv"
    source.write_text(LABS, encoding="utf-8")
    dataset = datasets.import_dataset(workspace, "labs", source=source, user="ana")
    items = datasets.all_items(workspace, dataset.id)
    for item, label in [(items[0], "4"), (items[1], "3"), (items[3], "2")]:
        annotations.set_label(workspace, item.id, label=label, expected_version=0, user="ben")
    return dataset


def test_a_cleaning_step_keeps_every_label_of_a_table(workspace, labelled_labs):
    cleaned = cleaned_copy(workspace, labelled_labs.id, [{"op": "trim"}])
    assert datasets.count_labelled(workspace, cleaned.id) == datasets.count_labelled(workspace, labelled_labs.id) == 3
    assert labels_by_key(workspace, cleaned.id) == labels_by_key(workspace, labelled_labs.id) == {
        "row-000001": "4", "row-000002": "3", "row-000004": "2"}
    assert cleaned.report["carried"] == {"labels": 3, "masks": 0}


def test_carried_labels_say_where_they_came_from_and_who_labelled_them(workspace, labelled_labs):
    cleaned = cleaned_copy(workspace, labelled_labs.id, [{"op": "trim"}])
    source, copy = (datasets.all_items(workspace, d.id)[0] for d in (labelled_labs, cleaned))
    carried = annotations.get_annotation(workspace, copy.id)
    assert (carried.label, carried.version, carried.updated_by) == ("4", 1, "cleo")
    [event] = audit.events(workspace.db, target=f"item:{copy.id}")
    assert (event["user"], event["action"]) == ("cleo", "annotation.label")
    origin = event["detail"]["carried_from"]
    assert (origin["dataset"], origin["item"], origin["key"]) == (labelled_labs.id, source.id, "row-000001")
    assert (origin["annotated_by"], origin["version"], origin["recipe"]) == ("ben", 1, [{"op": "trim"}])
    [clean] = [e for e in audit.events(workspace.db, target=f"dataset:{cleaned.id}") if e["action"] == "dataset.clean"]
    assert clean["detail"]["derived_from"] == labelled_labs.id


def test_labels_follow_their_rows_when_a_step_drops_rows(workspace, labelled_labs):
    """Rows 2 (labelled 3) and 3 (unlabelled) lack a value and are dropped; row 4 becomes row 2 with its label."""
    steps = [{"op": "missing", "strategy": "drop_rows", "columns": ["albumin", "bili"]}]
    cleaned = cleaned_copy(workspace, labelled_labs.id, steps)
    assert cleaned.item_count == 2
    assert labels_by_key(workspace, cleaned.id) == {"row-000001": "4", "row-000002": "2"}
    assert [item.meta["id"] for item in datasets.all_items(workspace, cleaned.id)] == ["1", "4"]
    assert "1 labelled item(s) were dropped by the recipe" in " ".join(cleaned.report["warnings"])


def test_grey_patches_keep_their_labels_through_a_grey_conversion(workspace, tmp_path):
    """The real tumour patches are already 8-bit grey: converting them to grey changes no pixel and no label."""
    projects.create_project(workspace, name="Cls", template="cancer-prediction", user="ana")
    samples.write_tumour_patches(tmp_path / "patches", size=16)
    patches = datasets.import_dataset(workspace, "cls", source=tmp_path / "patches", user="ana")
    for item in datasets.all_items(workspace, patches.id)[::2]:  # every other patch, so unlabelled ones stay so
        label = item.meta["suggested_label"].replace("_", " ")
        annotations.set_label(workspace, item.id, label=label, expected_version=0, user="ben")
    cleaned = cleaned_copy(workspace, patches.id, [{"op": "grayscale"}])
    assert datasets.count_labelled(workspace, cleaned.id) == datasets.count_labelled(workspace, patches.id) == 48
    assert labels_by_key(workspace, cleaned.id) == labels_by_key(workspace, patches.id)
    source, copy = (datasets.all_items(workspace, d.id)[5] for d in (patches, cleaned))
    with Image.open(source.file) as before, Image.open(copy.file) as after:
        assert np.array_equal(np.asarray(before), np.asarray(after))


def nearest_on_grid(labels: np.ndarray, source_affine: np.ndarray, shape, affine: np.ndarray) -> np.ndarray:
    """``labels`` sampled at the centre of every voxel of the grid (``shape``, ``affine``): the nearest source voxel.

    Positions beyond the source's edge take the edge voxel. Fails if a centre lies (within 0.01 voxel) halfway
    between two source voxels, where "nearest" would be a tie and an exact comparison would not be honest.
    """
    ijk = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), axis=-1).reshape(-1, 3)
    mapping = np.linalg.inv(source_affine) @ affine
    position = ijk @ mapping[:3, :3].T + mapping[:3, 3]
    assert np.abs(position - np.floor(position) - 0.5).min() > 0.01, "a sample lies on a tie"
    nearest = np.clip(np.rint(position).astype(int), 0, np.array(labels.shape) - 1)
    return labels[tuple(nearest.T)].reshape(shape)


def test_a_phantom_mask_is_resampled_voxel_for_voxel_onto_the_new_grid(workspace, tmp_path):
    """A CT phantom (1.5 × 1.5 × 2.0 mm) with its liver/tumour mask, windowed and resampled to 2.0 × 2.0 × 2.4 mm.

    The reference is nearest neighbour by its definition: for every voxel centre of the new grid (the new image's
    affine), the label of the source voxel whose centre is nearest, found with plain numpy from the two affines,
    independently of MONAI. The phantom cannot simply be generated again at 2 mm as the reference, because its
    random organs and tumours are drawn on its own grid. 2.0/1.5 and 2.4/2.0 put every new centre at least a tenth
    of a voxel from a tie, so nearest neighbour has one answer and the check can be exact: the carried mask must
    equal the reference voxel for voxel, and lie on the new image's grid.
    """
    projects.create_project(workspace, name="Seg", template="liver-segmentation", user="ana")
    ct, labels = make_phantom(shape=(48, 40, 30), seed=3)
    assert set(np.unique(labels)) == {0, 1, 2}  # liver and tumour both present
    ct_path, _ = write_ct_pair(tmp_path / "cts" / "phantom_ct.nii.gz", tmp_path / "phantom_labels.nii.gz",
                                         ct=ct, labels=labels, spacing=(1.5, 1.5, 2.0))
    volumes = datasets.import_dataset(workspace, "seg", source=ct_path.parent, user="ana")
    [source] = datasets.all_items(workspace, volumes.id)
    annotations.write_mask_volume(workspace, source.id, values=labels, expected_version=0, user="ben")

    steps = [{"op": "window", "level": 60, "width": 400}, {"op": "resample", "spacing": [2.0, 2.0, 2.4]}]
    cleaned = cleaned_copy(workspace, volumes.id, steps)
    [copy] = datasets.all_items(workspace, cleaned.id)
    shape, affine = item_grid(copy)
    assert np.allclose(nibabel.affines.voxel_sizes(affine), [2.0, 2.0, 2.4])
    carried = annotations.get_annotation(workspace, copy.id)
    assert (carried.kind, carried.updated_by, datasets.count_labelled(workspace, cleaned.id)) == ("mask", "cleo", 1)
    mask_file = nibabel.load(carried.mask_file)
    assert mask_file.shape == shape and np.allclose(mask_file.affine, affine)
    expected = nearest_on_grid(labels, item_grid(source)[1], shape, affine)
    assert np.array_equal(np.asarray(mask_file.dataobj), expected)


def test_a_mask_on_an_image_is_resized_by_nearest_neighbour(workspace, tmp_path):
    """A 2D mask painted on a 30 × 20 image, resized with the image to 50 × 28 pixels.

    Nearest neighbour on pixel centres: new pixel x takes source pixel floor((x + 0.5) × 30 / 50). The ratios
    30/50 = 3/5 and 20/28 = 5/7 are odd over odd, so no new centre falls halfway between two source pixels and
    there is one right answer: the check is exact.
    """
    projects.create_project(workspace, name="Seg2D", template="liver-segmentation", user="ana")
    (tmp_path / "images").mkdir()
    Image.fromarray((np.arange(600) % 256).astype(np.uint8).reshape(20, 30)).save(tmp_path / "images" / "slice.png")
    images = datasets.import_dataset(workspace, "seg2d", source=tmp_path / "images", user="ana")
    [source] = datasets.all_items(workspace, images.id)
    mask = np.zeros((30, 20, 1), dtype=np.uint8)  # voxel order: x (columns), y (rows)
    mask[3:20, 2:9] = 1
    mask[12:16, 5:7] = 2
    annotations.write_mask_volume(workspace, source.id, values=mask, expected_version=0, user="ben")

    cleaned = cleaned_copy(workspace, images.id, [{"op": "grayscale"}, {"op": "resize", "width": 50, "height": 28}])
    [copy] = datasets.all_items(workspace, cleaned.id)
    carried = annotations.get_annotation(workspace, copy.id)
    x = np.floor((np.arange(50) + 0.5) * 30 / 50).astype(int)
    y = np.floor((np.arange(28) + 0.5) * 20 / 28).astype(int)
    assert np.array_equal(np.asarray(nibabel.load(carried.mask_file).dataobj), mask[x][:, y])


def test_a_copy_whose_masks_cannot_be_carried_is_not_left_behind(workspace, tmp_path):
    """The project's classes lost 'tumour' after the mask was painted: the copy is refused whole, no files left."""
    import json

    project = projects.create_project(workspace, name="Seg", template="liver-segmentation", user="ana")
    ct, labels = make_phantom(shape=(48, 40, 30), seed=3)
    assert (labels == 2).any()
    ct_path, _ = write_ct_pair(tmp_path / "cts" / "ct.nii.gz", tmp_path / "labels.nii.gz", ct=ct, labels=labels,
                               spacing=(1.5, 1.5, 2.0))
    volumes = datasets.import_dataset(workspace, "seg", source=ct_path.parent, user="ana")
    [source] = datasets.all_items(workspace, volumes.id)
    annotations.write_mask_volume(workspace, source.id, values=labels, expected_version=0, user="ben")
    config = project.folder / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "labels": {"0": "background", "1": "liver"}}))
    before = {path.name for path in (project.folder / "data").iterdir()}, sorted((project.folder / "labels").iterdir())
    recipes.save_recipe(workspace, volumes.id, steps=[{"op": "window", "level": 60, "width": 400}], user="cleo")
    with pytest.raises(InvalidInput, match=r"mask values must be label classes \[0, 1\]"):
        cleaning.apply_recipe(workspace, volumes.id, user="cleo")
    assert [d.id for d in datasets.list_datasets(workspace, "seg")] == [volumes.id]
    after = {path.name for path in (project.folder / "data").iterdir()}, sorted((project.folder / "labels").iterdir())
    assert after == before
