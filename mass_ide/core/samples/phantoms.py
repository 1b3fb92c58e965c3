"""Generated abdominal CT phantoms in Hounsfield units, labelled like LiTS (0/1/2).

Each phantom is a torso scaled to fill the volume: fat rim and soft tissue, a
liver in the right upper abdomen whose shape and position follow the seed,
vessels, 0-3 hypodense tumours inside the liver, spine, ribs, kidneys, spleen,
stomach, lung bases, partial-volume blur and Gaussian noise. Everything is
numpy; one default-sized phantom takes a fraction of a second.

Coordinates are normalised to [-1, 1] per axis: x from the patient's right to
left, y from front to back, z from feet to head (the voxel order of
:mod:`mass_ide.core.samples.volumes`).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mass_ide.core.samples.volumes import write_ct_pair

SPACING = (1.5, 1.5, 2.0)
DEFAULT_SHAPE = (96, 96, 64)
AIR, LUNG, FAT, FLUID, TISSUE, BONE = -1000.0, -850.0, -100.0, 15.0, 40.0, 700.0


@dataclass
class Grid:
    """Normalised coordinates of every voxel, as broadcastable axes."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    shape: tuple[int, int, int]

    @classmethod
    def of(cls, shape: tuple[int, int, int]) -> "Grid":
        """The grid for a volume of ``shape``."""
        axes = [np.linspace(-1.0, 1.0, size, dtype=np.float32) for size in shape]
        return cls(x=axes[0][:, None, None], y=axes[1][None, :, None], z=axes[2][None, None, :], shape=shape)

    def full(self, values: np.ndarray) -> np.ndarray:
        """``values`` (broadcastable) spread over the whole volume."""
        return np.broadcast_to(values, self.shape)

    def voxel_size(self) -> np.ndarray:
        """The size of one voxel in normalised units, per axis."""
        return np.array([2.0 / max(size - 1, 1) for size in self.shape], dtype=np.float32)


def ellipsoid(grid: Grid, *, centre, radii) -> np.ndarray:
    """The squared normalised distance from ``centre``: below 1 inside the ellipsoid."""
    return (
        ((grid.x - centre[0]) / radii[0]) ** 2
        + ((grid.y - centre[1]) / radii[1]) ** 2
        + ((grid.z - centre[2]) / radii[2]) ** 2
    )


def smooth_field(grid: Grid, rng: np.random.Generator, *, waves: int = 6, frequency: float = 2.5) -> np.ndarray:
    """A smooth random field with values roughly in [-1, 1] (a sum of low-frequency cosines)."""
    field = np.zeros(grid.shape, dtype=np.float32)
    for _ in range(waves):
        kx, ky, kz = (float(k) for k in rng.uniform(-frequency, frequency, size=3) * np.pi / 2)
        across = kx * grid.x + ky * grid.y  # cos(a + b) = cos a cos b - sin a sin b keeps the trig off 3D arrays
        along = kz * grid.z + float(rng.uniform(0, 2 * np.pi))
        field += np.cos(across) * np.cos(along) - np.sin(across) * np.sin(along)
    return field / np.float32(np.sqrt(waves / 2))


def tube(grid: Grid, *, start, end, radius: float) -> np.ndarray:
    """Voxels within ``radius`` of the segment from ``start`` to ``end``."""
    start, end = np.asarray(start, dtype=np.float32), np.asarray(end, dtype=np.float32)
    axis = end - start
    offsets = (grid.x - start[0], grid.y - start[1], grid.z - start[2])
    along = np.clip(sum(o * a for o, a in zip(offsets, axis)) / float(axis @ axis), 0.0, 1.0)
    return sum((o - along * a) ** 2 for o, a in zip(offsets, axis)) < radius**2


def blur(volume: np.ndarray) -> np.ndarray:
    """One pass of the [1, 2, 1] / 4 kernel along every axis (the scanner's partial-volume blur)."""
    for axis, size in enumerate(volume.shape):
        padded = np.pad(volume, [(1, 1) if a == axis else (0, 0) for a in range(volume.ndim)], mode="edge")

        def shifted(start: int) -> np.ndarray:
            return padded[tuple(slice(start, start + size) if a == axis else slice(None) for a in range(volume.ndim))]

        volume = (shifted(0) + 2 * shifted(1) + shifted(2)) / 4
    return volume


def grow(mask: np.ndarray, *, steps: int = 1) -> np.ndarray:
    """``mask`` dilated by ``steps`` voxels along the axes (6-connected)."""
    for _ in range(steps):
        grown = mask.copy()
        for axis in range(mask.ndim):
            lower = tuple(slice(None, -1) if a == axis else slice(None) for a in range(mask.ndim))
            upper = tuple(slice(1, None) if a == axis else slice(None) for a in range(mask.ndim))
            grown[upper] |= mask[lower]
            grown[lower] |= mask[upper]
        mask = grown
    return mask


def jitter(rng: np.random.Generator, *values: float, spread: float = 0.06) -> tuple[float, ...]:
    """``values`` each moved by up to ``spread`` at random."""
    return tuple(float(v + rng.uniform(-spread, spread)) for v in values)


def liver_mask(grid: Grid, rng: np.random.Generator, *, diaphragm: np.ndarray) -> np.ndarray:
    """A smooth liver in the right upper abdomen: right lobe, left lobe and inferior tip blended."""
    scale = rng.uniform(0.88, 1.12)
    lobes = [
        (jitter(rng, -0.4, 0.05, 0.3, spread=0.08), (0.5, 0.6, 0.75)),
        (jitter(rng, 0.0, -0.3, 0.45, spread=0.08), (0.38, 0.28, 0.4)),
        (jitter(rng, -0.5, 0.0, -0.3, spread=0.1), (0.3, 0.4, 0.4)),
    ]
    if rng.random() < 0.5:  # an extra bulge on some livers
        lobes.append((jitter(rng, -0.35, 0.25, -0.1, spread=0.12), (0.28, 0.28, 0.35)))
    field = 0.08 * smooth_field(grid, rng, waves=5, frequency=2.0)
    for centre, radii in lobes:
        field += np.exp(-ellipsoid(grid, centre=centre, radii=np.multiply(radii, scale * rng.uniform(0.9, 1.1, 3))))
    return (field > 0.5) & (grid.z < diaphragm - 0.04)


def place_tumours(grid: Grid, rng: np.random.Generator, *, liver: np.ndarray, count: int) -> list[np.ndarray]:
    """Up to ``count`` roughly spherical tumours, 5-12 mm in radius, lying mostly inside ``liver``."""
    tumours = []
    candidates = np.argwhere(liver)
    size = grid.voxel_size()
    for _ in range(40):
        if len(tumours) == count or not len(candidates):
            break
        centre = candidates[rng.integers(len(candidates))] * size - 1.0
        radius_mm = rng.uniform(5.0, 12.0)
        radii = [radius_mm / step * voxel for step, voxel in zip(SPACING, size)]
        wobble = 1 + 0.15 * smooth_field(grid, rng, waves=3, frequency=4.0)
        sphere = ellipsoid(grid, centre=centre, radii=radii) < wobble**2
        if sphere.any() and (sphere & liver).sum() >= 0.85 * sphere.sum():
            tumours.append(sphere & liver)
    return tumours


class Phantom:
    """Paints one phantom layer by layer; later layers cover earlier ones."""

    def __init__(self, *, shape, seed: int):
        self.rng = np.random.default_rng(seed)
        self.grid = Grid.of(tuple(int(s) for s in shape))
        self.image = np.full(self.grid.shape, AIR, dtype=np.float32)
        self.liver = np.zeros(self.grid.shape, dtype=bool)
        self.tumours = np.zeros(self.grid.shape, dtype=bool)

    def paint(self, mask: np.ndarray, value) -> None:
        """Set the voxels of ``mask`` to ``value`` (a number or a field)."""
        self.image = np.where(mask, value, self.image).astype(np.float32)

    def field(self, **kwargs) -> np.ndarray:
        """A fresh smooth random field (see :func:`smooth_field`)."""
        return smooth_field(self.grid, self.rng, **kwargs)

    def body(self) -> None:
        """Skin ellipse, a fat rim, the muscle wall, and bowel loops in fat inside it."""
        g, rng = self.grid, self.rng
        half_width, half_depth = rng.uniform(0.86, 0.96), rng.uniform(0.64, 0.76)
        self.body_radius = g.full((g.x / half_width) ** 2 + ((g.y - 0.04) / half_depth) ** 2)
        self.rim = rng.uniform(0.08, 0.15)
        self.inner = self.body_radius < (1.0 - self.rim) ** 2
        self.spine_y = 0.04 + half_depth * 0.62
        self.paint(self.body_radius < 1.0, FAT)
        self.paint(self.inner, TISSUE + rng.uniform(-5, 5) + 5 * self.field())
        cavity = self.body_radius < (1.0 - self.rim - rng.uniform(0.05, 0.08)) ** 2  # inside the muscle wall
        self.paint(cavity & (self.field(waves=8, frequency=6.0) > 0.9), FLUID)  # bowel loops full of fluid
        self.paint(cavity & (self.field(waves=8, frequency=6.0) > 0.5), FAT + 10)  # fat between the loops

    def spine_and_great_vessels(self) -> None:
        """Vertebrae with discs and arches behind; aorta and vena cava in front of them."""
        g, rng, spine_y = self.grid, self.rng, self.spine_y
        self.vertebra = g.full((g.x / 0.14) ** 2 + ((g.y - spine_y) / 0.11) ** 2 < 1.0)
        level = rng.uniform(0.3, 0.36)
        self.discs = self.vertebra & (np.abs(((g.z - rng.uniform(0, level)) % level) - level / 2) < 0.035)
        canal = (g.x / 0.05) ** 2 + ((g.y - spine_y - 0.16) / 0.05) ** 2 < 1.0
        spinous = (np.abs(g.x) < 0.025) & (g.y > spine_y + 0.17) & (g.y < spine_y + 0.32)
        self.arch = g.full((((g.x / 0.09) ** 2 + ((g.y - spine_y - 0.17) / 0.08) ** 2 < 1.0) | spinous) & ~canal)
        aorta_x, self.cava_x = rng.uniform(0.05, 0.1), rng.uniform(-0.16, -0.11)
        self.aorta = tube(g, start=(aorta_x, spine_y - 0.2, -1.2), end=(aorta_x, spine_y - 0.18, 1.2), radius=0.065)
        self.cava = tube(
            g, start=(self.cava_x, spine_y - 0.18, -1.2), end=(self.cava_x - 0.02, spine_y - 0.2, 1.2), radius=0.07
        )

    def thorax(self) -> None:
        """Diaphragm domes with the lung bases above them, the heart between the lungs."""
        g = self.grid
        self.dome_height = self.rng.uniform(0.75, 0.95)
        self.diaphragm = self.dome_height - 0.9 * ((np.abs(g.x) - 0.42) ** 2) - 0.5 * (g.y - 0.05) ** 2
        heart = g.full(((g.x - 0.12) / 0.36) ** 2 + ((g.y + 0.12) / 0.34) ** 2 < 1.0)
        beside_spine = g.full((g.x / 0.3) ** 2 + ((g.y - self.spine_y) / 0.22) ** 2 > 1.0)
        above = self.inner & (g.z > self.diaphragm)
        self.paint(above & heart, 45.0)
        self.paint(above & ~heart & beside_spine, LUNG + 25 * self.field(frequency=5.0))

    def neighbours(self) -> None:
        """Kidneys, spleen, stomach (gas in front) and bowel gas: what borders the liver."""
        g, rng = self.grid, self.rng
        kidney_z = rng.uniform(-0.75, -0.55)
        self.kidneys = np.zeros(g.shape, dtype=bool)
        for side in (-1, 1):
            centre = (side * 0.36, self.spine_y - 0.02, kidney_z + (0.12 if side > 0 else 0.0))
            self.kidneys |= ellipsoid(g, centre=centre, radii=(0.12, 0.1, 0.28)) < 1.0
        self.spleen = ellipsoid(g, centre=jitter(rng, 0.56, 0.25, 0.35), radii=(0.16, 0.24, 0.35)) < 1.0
        self.stomach = ellipsoid(g, centre=jitter(rng, 0.35, -0.2, 0.3), radii=(0.2, 0.17, 0.3)) < 1.0
        self.paint(self.inner & self.spleen, 50.0 + rng.uniform(-4, 4))
        self.paint(self.inner & self.stomach, FLUID)
        self.paint(self.inner & self.stomach & (g.y < -0.26 - rng.uniform(0, 0.06)), AIR + 100)  # patient supine
        self.paint(self.kidneys, 150.0 + 15 * self.field(frequency=4.0))
        for _ in range(int(rng.integers(3, 7))):  # bowel gas, low and to the left
            centre = (rng.uniform(-0.1, 0.6), rng.uniform(-0.5, 0.1), rng.uniform(-1.0, -0.3))
            bubble = ellipsoid(g, centre=centre, radii=[rng.uniform(0.03, 0.07)] * 3) < 1.0
            self.paint(self.inner & bubble & ~self.kidneys, AIR + 150)

    def liver_with_vessels(self) -> None:
        """The liver (label 1) with portal branches and hepatic veins inside it; the portal vein outside."""
        g, rng = self.grid, self.rng
        blocked = self.kidneys | self.spleen | self.stomach | self.cava | self.aorta | self.vertebra | self.arch
        self.liver = liver_mask(g, rng, diaphragm=self.diaphragm) & self.inner & ~blocked
        soft = (self.image > -200) & (self.image < 120)
        fat_plane = grow(self.liver, steps=2) & ~self.liver & self.inner & soft & (self.field(frequency=3.0) > -0.6)
        self.paint(fat_plane, FAT + 20)  # the thin fat around most of the liver's edge
        self.paint(self.liver, rng.uniform(58, 70) + 4 * self.field(frequency=4.0))
        hilum = jitter(rng, -0.22, 0.05, 0.05)
        vessels = tube(g, start=hilum, end=(hilum[0] + 0.15, hilum[1] + 0.05, -1.2), radius=0.045) & ~self.liver
        inside, size = np.argwhere(self.liver), g.voxel_size()
        hepatic_root = (self.cava_x, self.spine_y - 0.2, self.dome_height - 0.15)
        roots = [hilum] * int(rng.integers(3, 6)) + [hepatic_root] * 2
        for root in roots:
            tip = inside[rng.integers(len(inside))] * size - 1.0
            vessels |= tube(g, start=root, end=tip, radius=rng.uniform(0.02, 0.035)) & self.liver
        self.paint(vessels, rng.uniform(150, 200))
        self.paint(self.aorta, 190.0)
        self.paint(self.cava, 150.0)

    def liver_tumours(self) -> None:
        """0-3 hypodense tumours (label 2), 20-40 HU, inside the liver."""
        count = int(self.rng.integers(0, 4))
        for tumour in place_tumours(self.grid, self.rng, liver=self.liver, count=count):
            self.paint(tumour, self.rng.uniform(20, 40) + 3 * self.field(frequency=5.0))
            self.tumours |= tumour

    def bones(self) -> None:
        """Vertebrae, arches and ribs, painted last; discs between the vertebrae."""
        g = self.grid
        rib_band = self.inner & (self.body_radius > (1.0 - self.rim - 0.07) ** 2) & (g.y > -0.35)
        ribs = np.zeros(g.shape, dtype=bool)
        for rib_z in np.arange(self.rng.uniform(-0.2, 0.0), 1.2, 0.22):
            ribs |= rib_band & (np.abs(g.z - rib_z - 0.25 * g.y) < 0.05)
        self.paint(self.vertebra | self.arch | ribs, BONE + 60 * self.field(frequency=5.0))
        self.paint(self.discs, 90.0)

    def scan(self) -> tuple[np.ndarray, np.ndarray]:
        """The blurred, noisy CT and the labels 0 background, 1 liver, 2 tumour."""
        noisy = blur(self.image) + self.rng.normal(0.0, self.rng.uniform(8, 14), size=self.grid.shape)
        labels = np.where(self.tumours, 2, np.where(self.liver, 1, 0)).astype(np.uint8)
        return np.maximum(noisy, -1024.0).astype(np.float32), labels


def make_phantom(*, shape=DEFAULT_SHAPE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One phantom for ``seed``: (CT in Hounsfield units as float32, labels 0/1/2 as uint8)."""
    phantom = Phantom(shape=shape, seed=seed)
    for layer in (
        phantom.body,
        phantom.spine_and_great_vessels,
        phantom.thorax,
        phantom.neighbours,
        phantom.liver_with_vessels,
        phantom.liver_tumours,
        phantom.bones,
    ):
        layer()
    return phantom.scan()


def phantom_seed(seed: int, index: int) -> int:
    """The seed of phantom ``index`` in the set made with ``seed``."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def write_ct_phantoms(
    dest_dir: Path, *, count: int = 8, shape=DEFAULT_SHAPE, seed: int = 0
) -> list[tuple[Path, Path]]:
    """Write ``count`` phantoms into ``dest_dir`` as ``phantom_NN_ct.nii.gz`` and ``phantom_NN_labels.nii.gz``."""
    dest_dir = Path(dest_dir)
    return [
        save_phantom(
            dest_dir / f"phantom_{i:02d}_ct.nii.gz",
            dest_dir / f"phantom_{i:02d}_labels.nii.gz",
            shape=shape,
            seed=phantom_seed(seed, i),
        )
        for i in range(count)
    ]


def save_phantom(
    ct_path: Path, labels_path: Path, *, shape=DEFAULT_SHAPE, spacing=SPACING, seed: int
) -> tuple[Path, Path]:
    """Generate the phantom for ``seed`` and save it as ``ct_path`` and ``labels_path`` (voxels of ``spacing`` mm).

    The torso fills the volume whatever its shape, so ``shape`` and ``spacing``
    together set the field of view: (512, 512, 200) at (0.75, 0.75, 1.5) is a
    clinical abdominal CT of 384 × 384 × 300 mm.
    """
    ct, labels = make_phantom(shape=shape, seed=seed)
    return write_ct_pair(ct_path, labels_path, ct=ct, labels=labels, spacing=spacing)
