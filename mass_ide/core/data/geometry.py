"""An image or volume item's voxel grid and the affine its slices are shown by (what masks, slices and recipes
are laid out on), and mask volumes in millilitres from the voxel size an affine gives.

A voxel of 2 × 2 × 2.5 mm holds 10 mm³ = 0.01 mL. Pictures have no voxel
size: their counts stay pixels.
"""

import numpy as np

from mass_ide.core.data import orientation
from mass_ide.core.data.datasets import Item
from mass_ide.core.errors import InvalidInput

MM3_PER_ML = 1000.0


def item_grid(item: Item) -> tuple[tuple[int, int, int], np.ndarray]:
    """The voxel grid (shape x, y, z) and affine of an image or volume item."""
    if item.kind == "volume":
        import nibabel

        header = nibabel.load(item.file)
        return tuple(int(n) for n in header.shape[:3]), header.affine
    if item.kind == "image":
        return (int(item.meta["width"]), int(item.meta["height"]), 1), np.eye(4)
    raise InvalidInput(f"item {item.id} is a {item.kind}; only images and volumes have masks")


def item_orientation(item: Item) -> tuple[tuple[int, int, int], np.ndarray]:
    """The item's voxel grid shape and the affine its slices are shown by (a picture: as the file shows it)."""
    shape, affine = item_grid(item)
    return shape, orientation.PICTURE if item.kind == "image" else affine


def voxel_ml(affine) -> float:
    """The volume of one voxel in mL: |det| of the affine's 3×3 part (mm³) / 1000."""
    return float(abs(np.linalg.det(np.asarray(affine, dtype=np.float64)[:3, :3]))) / MM3_PER_ML


def class_volumes(mask: np.ndarray, names: dict[int, str], affine=None) -> list[dict]:
    """Voxels and (with an affine) mL of each named class but background (0), in value order."""
    counts = np.bincount(np.asarray(mask).ravel(), minlength=max(names, default=0) + 1)
    size = voxel_ml(affine) if affine is not None else None
    return [{"value": value, "name": name, "voxels": int(counts[value]),
             "ml": None if size is None else round(float(counts[value]) * size, 6)}
            for value, name in sorted(names.items()) if value != 0]
