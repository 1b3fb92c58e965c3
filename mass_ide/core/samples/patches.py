"""Tumour / no-tumour patches: axial CT patches as 8-bit PNG in one folder per class.

Patches are cut from the real LiTS case 117: ``tumour/`` patches are centred on a
tumour voxel, ``no_tumour/`` patches are centred on liver and hold no tumour
voxel at all. When the real case cannot give enough of a class (large patch
sizes), generated phantoms top it up, in files named ``generated_*.png``.
"""

from pathlib import Path

import numpy as np
from PIL import Image

from mass_ide.core.errors import InvalidInput
from mass_ide.core.samples.lits import CASE_NAME, load_lits_case
from mass_ide.core.samples.phantoms import DEFAULT_SHAPE, make_phantom, phantom_seed

PER_CLASS = 48
WINDOW_LEVEL, WINDOW_WIDTH = 60.0, 400.0
CENTRE_STRIDE = 4  # in-plane spacing of candidate centres, so that neighbouring patches differ
MAX_PHANTOMS = 12
CLASSES = ("tumour", "no_tumour")


def window(hounsfield: np.ndarray) -> np.ndarray:
    """Hounsfield units as 8-bit grey levels through the liver window (level 60, width 400)."""
    low = WINDOW_LEVEL - WINDOW_WIDTH / 2
    return np.rint(np.clip((hounsfield - low) / WINDOW_WIDTH, 0.0, 1.0) * 255).astype(np.uint8)


def window_sums(mask: np.ndarray, size: int) -> np.ndarray:
    """For each axial slice, how many ``mask`` voxels each ``size``-square window holds, by window corner."""
    table = np.pad(mask.astype(np.int32).cumsum(0).cumsum(1), ((1, 0), (1, 0), (0, 0)))
    return table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]


def patch_centres(labels: np.ndarray, *, size: int) -> dict[str, np.ndarray]:
    """Candidate centres (x, y, z) per class for ``size``-square axial patches lying inside the slice."""
    half = size // 2
    if labels.shape[0] < size or labels.shape[1] < size:
        return {name: np.empty((0, 3), dtype=int) for name in CLASSES}
    inner = labels[half : labels.shape[0] - size + half + 1, half : labels.shape[1] - size + half + 1]
    on_grid = np.zeros(inner.shape, dtype=bool)
    on_grid[::CENTRE_STRIDE, ::CENTRE_STRIDE] = True
    clear = window_sums(labels == 2, size) == 0
    corners = {"tumour": on_grid & (inner == 2), "no_tumour": on_grid & (inner == 1) & clear}
    return {name: np.argwhere(mask) + [half, half, 0] for name, mask in corners.items()}


def cut(ct: np.ndarray, centre, *, size: int) -> np.ndarray:
    """The windowed ``size``-square axial patch at ``centre``: front at the top, the patient's right on the left."""
    x, y, z = (int(c) for c in centre)
    half = size // 2
    return window(ct[x - half : x - half + size, y - half : y - half + size, z].T)


def pick(centres: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    """Up to ``count`` of ``centres`` at random, in slice order."""
    chosen = centres[rng.choice(len(centres), size=min(count, len(centres)), replace=False)]
    return chosen[np.lexsort((chosen[:, 1], chosen[:, 0], chosen[:, 2]))]


def save_png(pixels: np.ndarray, path: Path) -> Path:
    """Write ``pixels`` as an 8-bit greyscale PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def write_tumour_patches(dest_dir: Path, *, size: int = 64, seed: int = 0) -> list[Path]:
    """Write about 48 patches per class into ``dest_dir/tumour`` and ``dest_dir/no_tumour``."""
    if not 8 <= size <= min(DEFAULT_SHAPE[:2]):
        raise InvalidInput(f"patch size {size} must be between 8 and {min(DEFAULT_SHAPE[:2])} pixels")
    dest_dir, rng = Path(dest_dir), np.random.default_rng(seed)
    ct, labels = load_lits_case()
    written = {name: [] for name in CLASSES}
    for name, centres in patch_centres(labels, size=size).items():
        for centre in pick(centres, rng, PER_CLASS):
            x, y, z = centre
            path = dest_dir / name / f"{CASE_NAME}_z{z:03d}_x{x:03d}_y{y:03d}.png"
            written[name].append(save_png(cut(ct, centre, size=size), path))
    for index in range(MAX_PHANTOMS):
        missing = {name: PER_CLASS - len(paths) for name, paths in written.items() if len(paths) < PER_CLASS}
        if not missing:
            break
        ct, labels = make_phantom(seed=phantom_seed(seed, 1000 + index))
        centres = patch_centres(labels, size=size)
        for name, count in missing.items():
            for centre in pick(centres[name], rng, min(count, PER_CLASS // 4)):
                path = dest_dir / name / f"generated_{len(written[name]):03d}.png"
                written[name].append(save_png(cut(ct, centre, size=size), path))
    return written["tumour"] + written["no_tumour"]
