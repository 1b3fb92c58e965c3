"""NIfTI volumes (.nii, .nii.gz) into ``volumes/<name>.nii.gz``, streamed, with a cleaned header.

The voxel bytes are copied unchanged in chunks; the header is kept except the
free-text fields (``descrip``, ``aux_file``) and extensions, which may carry
anything (some converters put whole DICOM headers there).
"""

import gzip
import zlib
from pathlib import Path

import numpy as np
from nibabel.nifti1 import Nifti1Header
from nibabel.nifti2 import Nifti2Header
from nibabel.spatialimages import HeaderDataError

from mass_ide.core.data.files import (
    CHUNK_BYTES,
    GZIP_MAGIC,
    check_size,
    file_sha256,
    human_size,
)
from mass_ide.core.data.import_report import ImportedItem, ImportReport
from mass_ide.core.errors import InvalidInput

HEADER_CLASSES = {348: Nifti1Header, 540: Nifti2Header}
UNITS_TO_MM = {"meter": 1000.0, "mm": 1.0, "micron": 0.001, "unknown": 1.0}
READ_ERRORS = (EOFError, OSError, zlib.error, HeaderDataError, ValueError)


def is_nifti(name: str) -> bool:
    """Whether a file name ends in .nii or .nii.gz."""
    return name.lower().endswith((".nii", ".nii.gz"))


def nifti_stem(name: str) -> str:
    """``case1.nii.gz`` -> ``case1`` (also for ``.nii``)."""
    return name[: -len(".nii.gz")] if name.lower().endswith(".nii.gz") else name[: -len(".nii")]


def volume_meta(*, affine: np.ndarray, shape: tuple, dtype: np.dtype, mm_per_unit: float = 1.0) -> dict:
    """Shape, spacing (mm), origin (mm, RAS), direction (3x3 unit columns) and dtype of a volume."""
    linear = np.asarray(affine, dtype=float)[:3, :3] * mm_per_unit
    spacing = np.linalg.norm(linear, axis=0)
    direction = linear / np.where(spacing > 0, spacing, 1.0)
    return {
        "shape": [int(n) for n in shape],
        "spacing": [round(float(s), 6) for s in spacing],
        "origin": [round(float(o), 6) for o in np.asarray(affine, dtype=float)[:3, 3] * mm_per_unit],
        "direction": [[round(float(v), 6) for v in row] for row in direction],
        "dtype": np.dtype(dtype).name,
    }


def _open(path: Path):
    """A binary stream of the file's bytes, gunzipped when it is gzip-compressed."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else path.open("rb")


def _read_header(stream, *, name: str):
    """The NIfTI-1 or NIfTI-2 header at the start of ``stream``."""
    start = stream.read(4)
    sizes = {int.from_bytes(start, "little"), int.from_bytes(start, "big")} if len(start) == 4 else set()
    header_class = next((HEADER_CLASSES[size] for size in sizes if size in HEADER_CLASSES), None)
    if header_class is None:
        raise InvalidInput(f"{name} is not a NIfTI file (its header is missing or damaged); "
                           "export the volume again as .nii or .nii.gz")
    stream.seek(0)
    header = header_class.from_fileobj(stream, check=True)
    if not header.is_single:
        raise InvalidInput(f"{name} is the header of a .hdr/.img pair; save the volume as one .nii.gz file")
    return header


def _clean_copy(header):
    """The header without free text or extensions, ready to be written before the voxels."""
    clean = header.copy()
    clean.extensions = type(header.extensions)()
    clean["descrip"] = b""
    clean["aux_file"] = b""
    clean["vox_offset"] = 0  # recomputed on write: header + 4 bytes, no extensions
    return clean


def copy_nifti(path: Path, target: Path, *, name: str, max_bytes: int):
    """Check ``path`` and write it to ``target`` gzipped with a clean header; returns that header."""
    try:
        with _open(path) as stream:
            header = _read_header(stream, name=name)
            voxel_bytes = int(np.prod(header.get_data_shape(), dtype=np.int64)) * header.get_data_dtype().itemsize
            check_size(voxel_bytes, name=f"{name} (unpacked)", max_bytes=max_bytes)
            stream.seek(max(int(header["vox_offset"]), header.single_vox_offset))
            clean = _clean_copy(header)
            with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out:
                clean.write_to(out)
                left = voxel_bytes
                while left:
                    chunk = stream.read(min(CHUNK_BYTES, left))
                    if not chunk:
                        raise InvalidInput(
                            f"{name} is truncated: its header describes {human_size(voxel_bytes)} of voxels but "
                            f"the file ends after {human_size(voxel_bytes - left)}; copy or export the file again")
                    out.write(chunk)
                    left -= len(chunk)
    except READ_ERRORS as error:
        raise InvalidInput(f"{name} is a damaged or truncated NIfTI file ({error}); "
                           "copy or export the file again") from None
    return clean


def import_volumes(files: list[tuple[str, Path]], *, dest: Path, max_bytes: int) -> ImportReport:
    """Store NIfTI files as ``dest/volumes/<relative path>.nii.gz``; one volume item each."""
    items, taken = [], {}
    for key, path in files:
        stored = f"volumes/{nifti_stem(key)}.nii.gz"
        if stored in taken:
            raise InvalidInput(f"{key} and {taken[stored]} would both be stored as {stored}; rename one of them")
        taken[stored] = key
        target = dest / stored
        target.parent.mkdir(parents=True, exist_ok=True)
        header = copy_nifti(path, target, name=key, max_bytes=max_bytes)
        meta = volume_meta(affine=header.get_best_affine(), shape=header.get_data_shape(),
                           dtype=header.get_data_dtype(), mm_per_unit=UNITS_TO_MM.get(header.get_xyzt_units()[0], 1.0))
        items.append(ImportedItem(key=key, kind="volume", path=stored, meta=meta, sha256=file_sha256(target)))
    return ImportReport(kind="volume", items=items)
