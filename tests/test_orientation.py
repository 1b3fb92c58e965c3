"""Every volume is shown in the radiological convention, from its affine: image, mask, prediction and report slices.

Volumes with different affines (RAS, LPS, a sagittal acquisition stored A-S-L, an
oblique one) carry four bright marker voxels at known anatomical places (one per
octant pattern: right-anterior-superior, left-posterior-superior,
right-posterior-inferior, left-anterior-inferior). Each is looked for in the
rendered PNGs of all three views and must appear where radiology puts it:
axial with anterior at the top and the patient's right on the screen's left,
coronal with superior at the top and right on the left, sagittal with superior
at the top and anterior on the left.
"""

import hashlib
import io
import math

import numpy as np
import pytest
from PIL import Image

from mass_ide.core import projects
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets, orientation, render
from mass_ide.core.data.import_report import ImportedItem, ImportReport
from mass_ide.core.data.volumes import volume_meta
from mass_ide.core.errors import InvalidInput

SHAPE = (10, 12, 14)
SPACING = np.array([1.5, 1.5, 2.0])


def _rotation(z_degrees: float, x_degrees: float) -> np.ndarray:
    z, x = math.radians(z_degrees), math.radians(x_degrees)
    about_z = np.array([[math.cos(z), -math.sin(z), 0], [math.sin(z), math.cos(z), 0], [0, 0, 1]])
    about_x = np.array([[1, 0, 0], [0, math.cos(x), -math.sin(x)], [0, math.sin(x), math.cos(x)]])
    return about_z @ about_x


def _affine(directions: np.ndarray) -> np.ndarray:
    """An affine whose voxel axis i steps SPACING[i] mm along world direction column i (RAS+ world)."""
    affine = np.eye(4)
    affine[:3, :3] = directions * SPACING
    affine[:3, 3] = [-12.0, 30.0, 55.0]
    return affine


AFFINES = {
    "RAS": _affine(np.eye(3)),
    "LPS": _affine(np.diag([-1.0, -1.0, 1.0])),
    "ASL": _affine(np.array([[0.0, 0.0, -1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])),  # sagittal slices stored
    "oblique": _affine(_rotation(20, 15) @ np.diag([-1.0, -1.0, 1.0])),
}
# (right, anterior, superior) signs of each marker, and its intensity (HU-like)
MARKERS = {(1, 1, 1): 1000, (-1, -1, 1): 800, (1, -1, -1): 600, (-1, 1, -1): 400}
WINDOW = "1000,2000"  # 0..2000 onto 0..255: each marker keeps its own grey


def marker_voxels(affine: np.ndarray) -> dict[tuple, tuple[int, int, int]]:
    """The voxel nearest each marker's place: 4.5 mm right/left, anterior/posterior, up/down of the centre."""
    centre = affine[:3, :3] @ ((np.array(SHAPE) - 1) / 2) + affine[:3, 3]
    inverse = np.linalg.inv(affine)
    found = {}
    for signs in MARKERS:
        target = centre + 4.5 * np.array(signs)  # RAS+ world: +x right, +y anterior, +z superior
        found[signs] = tuple(int(v) for v in np.rint(inverse[:3, :3] @ target + inverse[:3, 3]))
    return found


def marked_volume(affine: np.ndarray) -> np.ndarray:
    volume = np.zeros(SHAPE, dtype=np.int16)
    for signs, voxel in marker_voxels(affine).items():
        volume[voxel] = MARKERS[signs]
    return volume


@pytest.fixture
def items(workspace):
    """One volume item per affine, in a segmentation project, imported as a real import records them."""
    import nibabel

    project = projects.create_project(workspace, name="Orient", template="liver-segmentation", user="ana")
    staging = project.folder / "data" / ".staging-test"
    (staging / "volumes").mkdir(parents=True)
    imported = []
    for name, affine in AFFINES.items():
        path = staging / "volumes" / f"{name}.nii.gz"
        nibabel.save(nibabel.Nifti1Image(marked_volume(affine), affine), path)
        imported.append(ImportedItem(f"{name}.nii.gz", "volume", f"volumes/{name}.nii.gz",
                                     volume_meta(affine=affine, shape=SHAPE, dtype=np.int16),
                                     hashlib.sha256(path.read_bytes()).hexdigest()))
    report = ImportReport(kind="volume", items=imported, source_name="orient.zip")
    dataset = datasets.commit_import(workspace, datasets.StagedImport(project.id, staging, report), user="ana")
    return {item.key.split(".")[0]: item for item in datasets.list_items(workspace, dataset.id)[0]}


def png_pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return np.asarray(image)


def grey(value: int) -> int:
    return int(np.clip((value - 0) * (255.0 / 2000), 0, 255))


def find_markers(item) -> dict[str, dict[tuple, tuple[int, int, int, tuple[int, int]]]]:
    """Where each marker shows, per view: (slice index, row, column, picture shape), from the rendered PNGs.

    ``seen[axis]["count"]`` is how many slices the view has (the first index refused).
    """
    seen = {}
    for axis in ("axial", "coronal", "sagittal"):
        seen[axis] = {}
        index = 0
        while True:
            try:
                picture = png_pixels(render.render_slice(item, axis=axis, index=index, window=WINDOW))
            except InvalidInput:
                seen[axis]["count"] = index
                break
            for signs, value in MARKERS.items():
                rows, columns = np.nonzero(picture == grey(value))
                if len(rows):
                    assert signs not in seen[axis], f"{signs} shows on two {axis} slices"
                    seen[axis][signs] = (index, int(rows[0]), int(columns[0]), picture.shape)
            index += 1
        assert set(seen[axis]) == {*MARKERS, "count"}, f"not every marker shows in the {axis} slices"
    return seen


def expected_place(axis: str, signs: tuple) -> tuple[bool, bool, bool]:
    """(in the top half, in the left half, in the first half of the slices) for a marker with these signs."""
    right, anterior, superior = (s > 0 for s in signs)
    if axis == "axial":  # seen from the feet; index 0 is the most inferior slice
        return anterior, right, not superior
    if axis == "coronal":  # seen from the front; index 0 is the most anterior slice
        return superior, right, anterior
    return superior, anterior, right  # sagittal, seen from the patient's left; index 0 is the rightmost slice


@pytest.mark.parametrize("name", list(AFFINES))
def test_markers_land_where_radiology_puts_them_in_every_view(items, name):
    seen = find_markers(items[name])
    for axis, places in seen.items():
        count = places["count"]
        for signs in MARKERS:
            index, row, column, (rows, columns) = places[signs]
            top, left, first_half = expected_place(axis, signs)
            assert (row < rows / 2, column < columns / 2) == (top, left), (axis, signs, row, column, rows, columns)
            assert (index < count / 2) == first_half, (axis, signs, index, count)


def test_the_axial_picture_of_a_ras_volume_is_the_radiological_one(items):
    # Spelled out for the plainest case: rows run anterior → posterior (y falling), columns right → left.
    volume = marked_volume(AFFINES["RAS"])
    axial = png_pixels(render.render_slice(items["RAS"], axis="axial", index=9, window=WINDOW))
    assert axial.shape == (12, 10)
    expected = np.clip(volume[:, :, 9].astype(np.float32) * (255.0 / 2000), 0, 255).astype(np.uint8)
    assert np.array_equal(axial, expected.T[::-1, ::-1])


@pytest.mark.parametrize("name", list(AFFINES))
def test_a_dot_painted_where_a_marker_shows_lands_on_that_marker_voxel(workspace, items, name):
    import nibabel

    item = items[name]
    seen = find_markers(item)
    affine = AFFINES[name]
    right_anterior_superior = marker_voxels(affine)[(1, 1, 1)]
    centre = affine[:3, :3] @ ((np.array(SHAPE) - 1) / 2) + affine[:3, 3]
    for axis in ("axial", "coronal", "sagittal"):
        index, row, column, shape = seen[axis][(1, 1, 1)]
        dot = np.zeros(shape, dtype=np.uint8)
        dot[row, column] = 1
        buffer = io.BytesIO()
        Image.fromarray(dot, mode="L").save(buffer, format="PNG")
        version = annotations.get_annotation(workspace, item.id).version
        values = render.decode_mask_slice(item, buffer.getvalue(), axis=axis, index=index)
        saved = annotations.write_mask_slice(workspace, item.id, axis=axis, index=index, values=values,
                                             expected_version=version, user="ana")
        mask = np.asanyarray(nibabel.load(saved.mask_file).dataobj)
        changed = [tuple(int(v) for v in voxel) for voxel in np.argwhere(mask)]
        assert changed == [right_anterior_superior], (axis, changed)
        world = affine[:3, :3] @ np.array(changed[0]) + affine[:3, 3]
        assert np.all(world > centre)  # right (+x), anterior (+y) and superior (+z) of the centre
        shown = png_pixels(render.encode_mask_slice(
            item, annotations.read_mask_slice(workspace, item.id, axis=axis, index=index), axis=axis))
        assert np.array_equal(shown, dot)  # read back, the mask slice shows where it was painted
        annotations.write_mask_slice(workspace, item.id, axis=axis, index=index, values=np.zeros_like(values),
                                     expected_version=saved.version, user="ana")


@pytest.mark.parametrize("name", list(AFFINES))
def test_suggested_and_predicted_masks_show_where_the_image_shows_the_marker(workspace, items, name):
    from mass_ide.core.annotation import prelabel
    from mass_ide.core.serving import predictions
    from mass_ide.core.serving.service import encode_mask

    item = items[name]
    seen = find_markers(item)
    classes = np.zeros(SHAPE, dtype=np.uint8)
    for number, (signs, voxel) in enumerate(marker_voxels(AFFINES[name]).items(), start=1):
        classes[voxel] = number
    answer = {"predictions": [{"mask": encode_mask(classes), "affine": AFFINES[name].tolist(), "voxels": {}}]}
    prediction_id = predictions.keep_masks(workspace, 7, answer)
    suggestion = prelabel.suggestion_file(workspace, item)
    target = annotations.open_mask(suggestion, SHAPE, AFFINES[name], "r+")
    target[:] = classes
    target.flush()
    for axis, places in seen.items():
        for number, signs in enumerate(MARKERS, start=1):
            index, row, column, _ = places[signs]
            predicted = png_pixels(predictions.mask_slice_png(workspace, 7, prediction_id, axis=axis, index=index))
            assert [tuple(p) for p in np.argwhere(predicted == number)] == [(row, column)], (axis, signs)
            suggested = png_pixels(render.encode_mask_slice(
                item, annotations.read_slice(suggestion, item, axis=axis, index=index), axis=axis))
            assert [tuple(p) for p in np.argwhere(suggested == number)] == [(row, column)], (axis, signs)


@pytest.mark.parametrize("name", list(AFFINES))
def test_report_overlays_show_the_training_volume_as_the_annotation_view_does(tmp_path, items, name):
    import nibabel
    from monai.transforms import Compose

    from mass_ide.core.training.report import middle_slice, overlay_picture
    from mass_ide.core.training.transforms import volume_loading

    # A rod through every axial plane at the right-anterior marker, so the middle axial slice holds it.
    affine = AFFINES[name]
    codes = nibabel.aff2axcodes(affine)
    along = next(i for i, code in enumerate(codes) if code in "SI")
    rod = np.zeros(SHAPE, dtype=np.float32)
    place = list(marker_voxels(affine)[(1, 1, 1)])
    place[along] = slice(None)
    rod[tuple(place)] = 1000.0
    path = tmp_path / f"{name}.nii.gz"
    nibabel.save(nibabel.Nifti1Image(rod, affine), path)
    item = datasets.Item(id=0, dataset_id=0, key=path.name, kind="volume", file=path, meta={}, sha256="")

    middle = orientation.slice_count(SHAPE, affine, "axial") // 2
    shown = png_pixels(render.render_slice(item, axis="axial", index=middle, window=WINDOW))
    [(row, column)] = [tuple(p) for p in np.argwhere(shown == grey(1000))]
    assert row < shown.shape[0] / 2 and column < shown.shape[1] / 2  # anterior at the top, right on the left

    training = Compose(volume_loading({}, ["image"]))({"image": str(path)})["image"]
    picture = middle_slice(training.as_tensor()[0].float().numpy())
    assert picture.shape == shown.shape
    assert [tuple(p) for p in np.argwhere(picture > 0)] == [(row, column)]

    marker = (picture > 0).astype(np.uint8)
    written = np.asarray(Image.open(overlay_picture(picture / 1000.0, marker, marker, tmp_path / "overlay.png")))
    factor = written.shape[0] // shown.shape[0]
    coloured = np.argwhere(np.any(written != written[..., :1], axis=2) | np.all(written == 255, axis=2))
    assert {(int(r) // factor, int(c) // factor) for r, c in coloured} == {(row, column)}


def test_the_item_json_counts_slices_per_displayed_axis(items):
    from mass_ide.server.views import item_json

    for item in items.values():
        meta = item_json(item)["meta"]
        sagittal, coronal, axial = meta["shape"]
        sizes = {axis: png_pixels(render.render_slice(item, axis=axis, index=0)).shape
                 for axis in ("axial", "coronal", "sagittal")}
        assert sizes == {"axial": (coronal, sagittal), "coronal": (axial, sagittal), "sagittal": (axial, coronal)}
        for axis, count in (("sagittal", sagittal), ("coronal", coronal), ("axial", axial)):
            render.render_slice(item, axis=axis, index=count - 1)
            with pytest.raises(InvalidInput, match=rf"{axis} slice {count} is outside 0..{count - 1}"):
                render.render_slice(item, axis=axis, index=count)
        assert meta["voxel_shape"] == list(SHAPE)
        assert sorted(meta["spacing"]) == sorted(meta["voxel_spacing"])
    assert item_json(items["ASL"])["meta"]["shape"] == [14, 10, 12]  # L-R, A-P, S-I
    assert item_json(items["ASL"])["meta"]["spacing"] == pytest.approx([2.0, 1.5, 1.5])


def test_pictures_show_as_the_file_does(tmp_path):
    picture = (np.arange(24, dtype=np.uint8) * 10).reshape(4, 6)  # rows × columns, as the file holds it
    path = tmp_path / "picture.png"
    Image.fromarray(picture, mode="L").save(path)
    item = datasets.Item(id=0, dataset_id=0, key=path.name, kind="image", file=path,
                         meta={"width": 6, "height": 4, "mode": "L"}, sha256="")
    assert np.array_equal(png_pixels(render.render_slice(item, axis="axial", index=0, window="127.5,255")), picture)
    dot = np.zeros_like(picture)
    dot[0, 5] = 1  # the top-right pixel
    buffer = io.BytesIO()
    Image.fromarray(dot, mode="L").save(buffer, format="PNG")
    values = render.decode_mask_slice(item, buffer.getvalue(), axis="axial", index=0)
    assert [tuple(p) for p in np.argwhere(values)] == [(5, 0)]  # the mask grid of a picture: column, row
    assert np.array_equal(png_pixels(render.encode_mask_slice(item, values, axis="axial")), dot)
    assert np.array_equal(orientation.PICTURE, orientation.axcodes_affine(orientation.DISPLAY_AXCODES))


@pytest.mark.parametrize("name", list(AFFINES))
@pytest.mark.parametrize("axis", ["axial", "coronal", "sagittal"])
def test_to_display_and_from_display_are_inverses(name, axis):
    volume = np.arange(np.prod(SHAPE)).reshape(SHAPE)
    affine = AFFINES[name]
    where = orientation.slice_where(SHAPE, affine, axis, 3)
    shown = orientation.to_display(volume[where], affine, axis)
    assert np.array_equal(orientation.from_display(shown, affine, axis), volume[where])
    assert np.array_equal(orientation.display_slice(volume, affine, axis, 3), shown)
