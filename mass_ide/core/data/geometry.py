"""An image or volume item's voxel grid and the affine its slices are shown by: what masks, slices and recipes
are laid out on."""

import numpy as np

from mass_ide.core.data import orientation
from mass_ide.core.data.datasets import Item
from mass_ide.core.errors import InvalidInput


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
