"""A DICOM series' images as one volume: frames sorted along the slice normal, the affine from their geometry
(DICOM's LPS turned into NIfTI's RAS), the voxels written to a gzipped NIfTI slice by slice (RescaleSlope/Intercept
applied), so that memory holds one slice whatever the series' size.

:mod:`mass_ide.core.data.dicom` gathers the series from de-identified headers; this module only reads numbers
(positions, orientations, spacings, pixels), never a header's text.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import nibabel
import numpy as np
from nibabel.openers import Opener
from nibabel.volumeutils import array_to_file
from pydicom.dataset import Dataset
from pydicom.pixels import iter_pixels

from mass_ide.core.errors import InvalidInput

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


@dataclass
class Frame:
    """One 2D image of a series: which file and frame holds its pixels, where it lies, its rescale."""

    name: str
    path: Path
    index: int
    position: np.ndarray | None
    slope: float
    intercept: float


@dataclass
class Series:
    """The images of one series, gathered from the headers, and its de-identified first header.

    ``descriptions``: the cleaned descriptors all its files agree on (Clean Descriptors Option).
    """

    uid: str
    label: str
    header: Dataset
    grid: tuple
    descriptions: dict[str, str]
    frames: list[Frame] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    burned_in: bool = False


def sorted_frames(series: Series, *, warnings: list[str], key: str) -> tuple[list[Frame], np.ndarray, np.ndarray]:
    """The frames in order along the slice normal, the slice step vector and the orientation (LPS)."""
    frames, (_, _, orientation, _) = series.frames, series.grid
    if orientation is None or any(frame.position is None for frame in frames):
        if len(frames) > 1:
            missing = next(f.name for f in frames if f.position is None) if orientation else frames[0].name
            raise InvalidInput(f"{missing} lacks ImagePositionPatient or ImageOrientationPatient, so its slices "
                               "cannot be placed in space; export the series again with its geometry")
        warnings.append(f"{key}: the image has no position or orientation; it is placed at the origin, axial")
        orientation = orientation or (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
        frames[0].position = np.zeros(3) if frames[0].position is None else frames[0].position
    cosines = np.array(orientation, dtype=float).reshape(2, 3)
    lengths = np.linalg.norm(cosines, axis=1, keepdims=True)
    if lengths.min() < 0.5:
        raise InvalidInput(f"{frames[0].name} has an invalid ImageOrientationPatient {orientation}; "
                           "export the series again")
    cosines /= lengths  # IOP is often written rounded
    normal = np.cross(cosines[0], cosines[1])
    frames = sorted(frames, key=lambda frame: float(frame.position @ normal))
    if len(frames) == 1:
        thickness = header_value(series.header, "SpacingBetweenSlices") or header_value(series.header, "SliceThickness")
        return frames, normal * float(thickness or 1.0), cosines
    gaps = np.diff([float(frame.position @ normal) for frame in frames])
    if gaps.min() < 1e-3:
        at = int(np.argmin(gaps))
        raise InvalidInput(f"{frames[at].name} and {frames[at + 1].name} lie at the same slice position: the series "
                           "holds several acquisitions (time points, echoes or phases); export them as separate series")
    if gaps.max() - gaps.min() > 0.01 * float(np.median(gaps)) + 1e-3:
        warnings.append(f"{key}: the slice spacing varies from {gaps.min():.3g} to {gaps.max():.3g} mm (missing "
                        "slices?); the volume assumes even spacing between its first and last slice")
    return frames, (frames[-1].position - frames[0].position) / (len(frames) - 1), cosines


def series_affine(*, cosines: np.ndarray, pixel_spacing: tuple, step: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """The NIfTI (RAS) affine of voxel ``(column, row, slice)`` from the DICOM geometry (LPS)."""
    lps = np.eye(4)
    lps[:3, 0] = cosines[0] * pixel_spacing[1]  # along a row: column index, PixelSpacing[1]
    lps[:3, 1] = cosines[1] * pixel_spacing[0]  # down a column: row index, PixelSpacing[0]
    lps[:3, 2] = step
    lps[:3, 3] = origin
    return LPS_TO_RAS @ lps


def _pixels(frame: Frame, *, shape: tuple, encoding: str) -> np.ndarray:
    """One frame's stored values, read from its file on its own."""
    try:
        pixels = next(iter_pixels(frame.path, indices=[frame.index]))
    except Exception as error:  # noqa: BLE001 - decoders fail in many ways on damaged or unsupported data
        # the decoder's own message may quote header values: only the kind of failure is said
        raise InvalidInput(f"{frame.name}: its pixel data ({encoding}) cannot be decoded here "
                           f"({type(error).__name__}); copy or export it again, uncompressed if it is compressed "
                           "(e.g. 'gdcmconv --raw')") from None
    if pixels.shape != shape:
        raise InvalidInput(f"{frame.name}: the pixel data has shape {pixels.shape}, not the {shape} its header says; "
                           "copy or export the file again")
    return pixels


def _working_type(pixels: np.ndarray, *, slope: int, intercept: int) -> np.dtype:
    """The narrowest of int16, int32 and int64 that holds ``pixels * slope + intercept`` at every step."""
    if pixels.dtype.kind not in "iu" or pixels.size == 0:
        return np.dtype(np.int64)
    low, high = int(pixels.min()), int(pixels.max())
    steps = (low, high, slope, intercept, low * slope, high * slope, low * slope + intercept, high * slope + intercept)
    for candidate in (np.int16, np.int32):
        limits = np.iinfo(candidate)
        if limits.min <= min(steps) and max(steps) <= limits.max:
            return np.dtype(candidate)
    return np.dtype(np.int64)


def _values(pixels: np.ndarray, frame: Frame, *, floating: bool, rescaled: bool) -> np.ndarray:
    """Stored values turned into real-world ones (Hounsfield units for CT), computed in place on one copy."""
    if floating:
        values = pixels.astype(np.float32)
        values *= np.float32(frame.slope)
        values += np.float32(frame.intercept)
        return values
    if rescaled:
        slope, intercept = int(frame.slope), int(frame.intercept)
        values = pixels.astype(_working_type(pixels, slope=slope, intercept=intercept))
        values *= slope
        values += intercept
        return values
    return pixels


def _wider(dtype: np.dtype, values: np.ndarray) -> np.dtype | None:
    """A type wider than ``dtype`` when ``values`` do not fit in it, else None."""
    if np.can_cast(values.dtype, dtype):
        return None
    low, high = values.min(), values.max()
    limits = np.iinfo(dtype)
    if limits.min <= low and high <= limits.max:
        return None
    return np.result_type(dtype, np.min_scalar_type(low), np.min_scalar_type(high))


class _Widen(Exception):
    """A slice's values do not fit the volume's type: the volume is written again in ``dtype``."""

    def __init__(self, dtype: np.dtype):
        super().__init__(str(dtype))
        self.dtype = dtype


def _nifti_header(*, affine: np.ndarray, shape: tuple, dtype: np.dtype) -> nibabel.Nifti1Header:
    """The header ``nibabel.save`` writes for a ``shape`` volume of ``dtype`` with this affine (qform and sform, mm).

    Built on a stand-in array that takes no memory; slope 1 and intercept 0, as nibabel writes for voxels
    already in the header's type (no scaling).
    """
    image = nibabel.Nifti1Image(np.broadcast_to(np.zeros((), dtype=dtype), shape), affine)
    image.header.set_xyzt_units("mm")
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=1)
    image.update_header()
    image.header.set_slope_inter(1.0, 0.0)
    return image.header


def _write_pass(frames: list[Frame], *, part: Path, affine: np.ndarray, shape: tuple, dtype: np.dtype | None,
                encoding: str) -> np.dtype:
    """Write every slice in ``dtype`` (None: the first slice's own type); :class:`_Widen` when one does not fit."""
    floating = any(not (frame.slope.is_integer() and frame.intercept.is_integer()) for frame in frames)
    rescaled = any(frame.slope != 1 or frame.intercept != 0 for frame in frames)
    with Opener(str(part), "wb") as out:
        for index, frame in enumerate(frames):
            values = _values(_pixels(frame, shape=(shape[1], shape[0]), encoding=encoding), frame,
                             floating=floating, rescaled=rescaled)
            if index == 0:
                dtype = np.dtype(np.float32 if floating else np.int16 if rescaled else values.dtype) \
                    if dtype is None else dtype
                _nifti_header(affine=affine, shape=shape, dtype=dtype).write_to(out)
            if (wider := _wider(dtype, values)) is not None:
                raise _Widen(wider)
            # voxel (column, row): the slice transposed, in NIfTI's Fortran order
            array_to_file(values.T.astype(dtype, copy=False), out, dtype, offset=None, order="F")
            del values  # not held while the next slice is decoded
    return dtype


def write_volume(frames: list[Frame], *, rows: int, columns: int, encoding: str, affine: np.ndarray,
                 target: Path) -> tuple[tuple, np.dtype]:
    """Write the series' voxels ``(column, row, slice)`` to ``target`` (.nii.gz), frame by frame; shape and type.

    Integers rescaled are int16, fractional rescales float32, else the pixels' own type; a slice
    whose values do not fit widens the type and the volume is written again. The file is written
    beside ``target`` under a hidden name and renamed into place when complete, removed on failure.
    """
    shape, dtype = (columns, rows, len(frames)), None
    part = target.with_name(f".{target.name.removesuffix('.nii.gz')}.part.nii.gz")
    try:
        while True:
            try:
                dtype = _write_pass(frames, part=part, affine=affine, shape=shape, dtype=dtype, encoding=encoding)
                break
            except _Widen as widen:
                dtype = widen.dtype
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return shape, dtype


def header_value(ds: Dataset, keyword: str, frame_item: Dataset | None = None):
    """``keyword`` at the top level, else in this frame's or the shared functional groups (enhanced objects)."""
    if keyword in ds:
        return ds[keyword].value
    groups = [frame_item] if frame_item is not None else []
    groups += list(ds.get("SharedFunctionalGroupsSequence", []))[:1]
    for group in groups:
        for element in group:
            for item in element.value if element.VR == "SQ" else []:
                if keyword in item:
                    return item[keyword].value
    return None
