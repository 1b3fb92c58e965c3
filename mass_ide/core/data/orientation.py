"""How a volume is shown: the radiological convention, derived from the affine, never from array order.

The one rule every view uses (image slices, mask slices read and painted,
suggested and predicted masks, the reports' overlay pictures):

- the voxels are taken on a *display grid*: the voxel array turned by flips and
  axis swaps only (``nibabel.orientations``, no resampling) so its axes point to
  the patient's left, posterior and superior (LPS+, DICOM's patient axes, and
  the training pipeline's ``Orientationd``). Its shape, ``grid_shape``, is
  (sagittal, coronal, axial) slice counts;
- axial: anterior at the top, the patient's right on the screen's left (seen
  from the feet); ``index`` 0 is the most inferior slice;
- coronal: superior at the top, the patient's right on the screen's left (seen
  from the front); ``index`` 0 is the most anterior slice;
- sagittal: superior at the top, anterior on the screen's left (seen from the
  patient's left side); ``index`` 0 is the patient's rightmost slice.

An oblique affine is shown on its closest anatomical axes
(``nibabel.orientations.io_orientation``): a slice is the voxel plane nearest
to the anatomical plane, not a resampled one. A 2D picture is shown as the file
shows it (row 0 at the top): its ``(column, row, 1)`` grid has the affine
:data:`PICTURE`.

Slices of the voxel array are "voxel order" planes (``volume[where]``, its two
remaining array axes in array order); :func:`to_display` turns one into rows ×
columns as seen, and :func:`from_display` turns a painted picture back.
"""

import numpy as np

from mass_ide.core.errors import InvalidInput

DISPLAY_AXCODES = ("L", "P", "S")
AXES = {"sagittal": 0, "coronal": 1, "axial": 2}  # name → axis of the display grid it counts along
FLIPPED_ROWS = {"sagittal": True, "coronal": True, "axial": False}  # after the transpose: superior to the top


def axcodes_affine(axcodes) -> np.ndarray:
    """A unit affine whose voxel axes point along ``axcodes`` (e.g. ``"LPS"``), for arrays oriented that way."""
    from nibabel.orientations import axcodes2ornt

    affine = np.eye(4)
    affine[:3, :3] = 0.0
    for voxel_axis, (world_axis, direction) in enumerate(axcodes2ornt(tuple(axcodes))):
        affine[int(world_axis), voxel_axis] = direction
    return affine


# A picture's (column, row, 1) grid is its own display grid: axcodes_affine(DISPLAY_AXCODES), written out so
# that importing this module does not import nibabel.
PICTURE = np.diag([-1.0, -1.0, 1.0, 1.0])


def _orientations(affine: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The nibabel orientations of the voxel axes (closest axes for an oblique affine) and of the display grid.

    No affine, or one without a direction for some axis, counts as the identity (as nibabel reads such a header).
    """
    from nibabel.orientations import axcodes2ornt, io_orientation

    voxels = io_orientation(np.eye(4) if affine is None else np.asarray(affine, dtype=float))
    if not np.all(np.isfinite(voxels)):
        voxels = io_orientation(np.eye(4))
    return voxels, axcodes2ornt(DISPLAY_AXCODES)


def display_transform(affine: np.ndarray | None) -> np.ndarray:
    """The nibabel orientation transform taking the voxel array onto the display grid."""
    from nibabel.orientations import ornt_transform

    return ornt_transform(*_orientations(affine))


def grid_order(values, affine: np.ndarray | None) -> list:
    """Per voxel axis values (a shape, a spacing) in display grid order: sagittal, coronal, axial."""
    transform = display_transform(affine)
    ordered = [None, None, None]
    for voxel_axis, (grid_axis, _) in enumerate(transform):
        ordered[int(grid_axis)] = values[voxel_axis]
    return ordered


def grid_shape(shape, affine: np.ndarray | None) -> tuple[int, int, int]:
    """The display grid's shape: how many sagittal, coronal and axial slices there are."""
    return tuple(int(n) for n in grid_order(shape, affine))


def slice_count(shape, affine: np.ndarray | None, axis: str) -> int:
    """How many slices there are along a named axis."""
    return grid_shape(shape, affine)[_grid_axis(axis)]


def _grid_axis(axis: str) -> int:
    """The display grid axis a named axis counts along (400 for an unknown name)."""
    if axis not in AXES:
        raise InvalidInput(f"axis must be one of {', '.join(AXES)}, not {axis!r}")
    return AXES[axis]


def _voxel_axis(transform: np.ndarray, grid_axis: int) -> int:
    """The voxel axis that becomes display grid axis ``grid_axis``."""
    return int(np.flatnonzero(transform[:, 0] == grid_axis)[0])


def slice_where(shape, affine: np.ndarray | None, axis: str, index: int) -> tuple:
    """The numpy index into the voxel array of slice ``index`` along a named axis, checked against the shape."""
    grid_axis = _grid_axis(axis)
    transform = display_transform(affine)
    voxel_axis = _voxel_axis(transform, grid_axis)
    count = int(shape[voxel_axis])
    if not 0 <= index < count:
        raise InvalidInput(f"{axis} slice {index} is outside 0..{count - 1}")
    where = [slice(None)] * 3
    where[voxel_axis] = index if transform[voxel_axis, 1] > 0 else count - 1 - index
    return tuple(where)


def to_display(plane: np.ndarray, affine: np.ndarray | None, axis: str) -> np.ndarray:
    """A voxel-order plane of slice ``axis`` as rows × columns on the screen."""
    from nibabel.orientations import apply_orientation

    grid_axis = _grid_axis(axis)
    transform = display_transform(affine)
    voxel_axis = _voxel_axis(transform, grid_axis)
    on_grid = np.take(apply_orientation(np.expand_dims(plane, voxel_axis), transform), 0, axis=grid_axis)
    shown = on_grid.T
    return shown[::-1] if FLIPPED_ROWS[axis] else shown


def from_display(display: np.ndarray, affine: np.ndarray | None, axis: str) -> np.ndarray:
    """The inverse of :func:`to_display`: a picture of slice ``axis`` as the voxel-order plane it shows."""
    from nibabel.orientations import apply_orientation, ornt_transform

    grid_axis = _grid_axis(axis)
    transform = display_transform(affine)
    voxel_axis = _voxel_axis(transform, grid_axis)
    on_grid = (display[::-1] if FLIPPED_ROWS[axis] else display).T
    back = ornt_transform(*_orientations(affine)[::-1])
    return np.take(apply_orientation(np.expand_dims(on_grid, grid_axis), back), 0, axis=voxel_axis)


def display_slice(volume: np.ndarray, affine: np.ndarray | None, axis: str, index: int) -> np.ndarray:
    """Slice ``index`` along ``axis`` of an ``[x, y, z]`` voxel array, as rows × columns on the screen."""
    return to_display(volume[slice_where(volume.shape, affine, axis, index)], affine, axis)
