"""NIfTI writing shared by the real LiTS case and the generated phantoms.

Every sample volume uses one voxel order: axis 0 runs from the patient's right
to left, axis 1 from front to back, axis 2 from feet to head (nibabel calls
this ``LPS``). The affine is the voxel spacing with those signs.
"""

from pathlib import Path

import nibabel as nib
import numpy as np

AXIS_SIGNS = (-1.0, -1.0, 1.0)  # RAS+ world: right→left and front→back run against x and y


def affine_for(spacing: tuple[float, float, float]) -> np.ndarray:
    """The voxel-to-world affine (millimetres) for ``spacing``, origin at voxel 0."""
    return np.diag([*(sign * step for sign, step in zip(AXIS_SIGNS, spacing)), 1.0])


def write_nifti(path: Path, *, array: np.ndarray, spacing: tuple[float, float, float]) -> Path:
    """Save ``array`` (its dtype kept) as a NIfTI file with ``spacing`` in millimetres."""
    image = nib.Nifti1Image(array, affine_for(spacing))
    image.header.set_xyzt_units(xyz="mm")
    nib.save(image, path)
    return path


def write_ct_pair(
    ct_path: Path, labels_path: Path, *, ct: np.ndarray, labels: np.ndarray, spacing: tuple[float, float, float]
) -> tuple[Path, Path]:
    """Save a CT in whole Hounsfield units (int16) and its 0/1/2 labels (uint8)."""
    for path in (ct_path, labels_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    hounsfield = np.clip(np.rint(ct), -32768, 32767).astype(np.int16)
    return (
        write_nifti(ct_path, array=hounsfield, spacing=spacing),
        write_nifti(labels_path, array=labels.astype(np.uint8), spacing=spacing),
    )
