"""DICOM series into de-identified NIfTI volumes, one ``volumes/<series>.nii.gz`` per series.

Two passes: the first reads every header (pixels deferred), de-identifies it and
groups the images by series; the second allocates each volume once and fills
it slice by slice, in Hounsfield units for CT (RescaleSlope/Intercept applied).
The affine comes from ImagePositionPatient, ImageOrientationPatient and
PixelSpacing, with slices sorted along the slice normal, and DICOM's LPS turned
into NIfTI's RAS. Nothing of a DICOM file is kept but the volume and a
de-identified header summary.

Everything kept or said about a series (its metadata, its file name, the
messages of a refused import) comes from the de-identified header or from
numbers parsed out of the geometry: an error never quotes a header's text.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nibabel
import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.pixels import iter_pixels

from mass_ide.core.data.deidentify import (
    METHOD,
    PROFILE,
    DeidOptions,
    deidentify_dataset,
)
from mass_ide.core.data.files import check_size, file_sha256
from mass_ide.core.data.import_report import ImportedItem, ImportReport
from mass_ide.core.data.volumes import volume_meta
from mass_ide.core.errors import InvalidInput

DICOM_SUFFIXES = {".dcm", ".dicom", ".ima"}
DIRECTORY_SOP_CLASS = "1.2.840.10008.1.3.10"
HEADER_ERRORS = (AttributeError, KeyError, TypeError, ValueError, OverflowError)  # values parsed lazily
COLOUR_MODES = {"RGB", "ARGB", "CMYK", "HSV", "PALETTE COLOR", "YBR_FULL", "YBR_FULL_422", "YBR_PARTIAL_420",
                "YBR_PARTIAL_422", "YBR_ICT", "YBR_RCT"}  # the defined terms an error may name
# PS3.3 C.7.3.1.1.1 Modality defined terms (and retired ones still met): a modality is named, kept and used in a
# file name only when it is one of these, so that no free text hidden in the header travels that way
MODALITIES = frozenset("""
    AR ASMT AU BDUS BI BMD CFM CR CT CTPROTOCOL DMS DG DOC DX ECG EEG EMG EOG EPS ES FID GM HC HD IO IOL IVOCT
    IVUS KER KO LEN LS MG MR M3D NM OAM OCT OP OPM OPT OPTBSV OPTENF OPV OSS OT PLAN POS PR PT PX REG RESP RF RG
    RTDOSE RTIMAGE RTINTENT RTPLAN RTRAD RTRECORD RTSEGANN RTSTRUCT RWV SEG SM SMR SR SRF STAIN TEXTUREMAP TG US VA
    XA XAPROTOCOL XC CD DD DF DM DS EC FA FS LP MA MS OPR ST VF
""".split())
DESCRIPTORS = {  # cleaned descriptor (Clean Descriptors Option only) -> meta["dicom"] key
    "StudyDescription": "study_description", "SeriesDescription": "series_description",
    "ProtocolName": "protocol_name",
}
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
SUMMARY = {  # de-identified header attribute -> meta["dicom"] key
    "SOPClassUID": "sop_class", "SeriesNumber": "series_number",
    "BodyPartExamined": "body_part", "Manufacturer": "manufacturer", "ManufacturerModelName": "model",
    "SliceThickness": "slice_thickness", "KVP": "kvp", "ConvolutionKernel": "convolution_kernel",
    "PhotometricInterpretation": "photometric_interpretation", "StudyInstanceUID": "study_uid",
    "SeriesInstanceUID": "series_uid", "FrameOfReferenceUID": "frame_of_reference_uid",
    # present only under the Modified Dates Option (shifted); the Basic Profile empties or removes them
    "StudyDate": "study_date", "StudyTime": "study_time", "SeriesDate": "series_date", "SeriesTime": "series_time",
}


def has_dicom_preamble(path: Path) -> bool:
    """Whether the file carries the ``DICM`` marker after its 128-byte preamble."""
    with path.open("rb") as stream:
        return stream.read(132)[128:] == b"DICM"


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


def _find(ds: Dataset, keyword: str, frame_item: Dataset | None = None):
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


def _read_header(path: Path, *, name: str) -> Dataset:
    """The file's header with pixel data deferred (not read)."""
    try:
        return pydicom.dcmread(path, defer_size=1024, force=True)
    except Exception as error:  # noqa: BLE001 - the parser fails in many ways on damaged or hostile files
        raise InvalidInput(f"{name} is not a readable DICOM file ({type(error).__name__}); copy or export it "
                           "again") from None


def _frames(ds: Dataset, *, name: str, path: Path) -> list[Frame]:
    """The frames of one file with their positions and rescale values."""
    count = int(ds.get("NumberOfFrames") or 1)
    items = list(ds.get("PerFrameFunctionalGroupsSequence", []))
    if count > 1 and len(items) != count:
        raise InvalidInput(f"{name} holds {count} frames without a position for each (a cine or multi-frame "
                           "object Mass IDE cannot place in space); export the series as single-frame images")
    frames = []
    for index in range(count):
        item = items[index] if items else None
        position = _find(ds, "ImagePositionPatient", item)
        if position is not None and len(position) != 3:
            raise InvalidInput(f"{name}: its ImagePositionPatient has {len(position)} values, not 3; copy or "
                               "export the file again")
        frames.append(Frame(
            name=name, path=path, index=index,
            position=None if position is None else np.array([float(v) for v in position]),
            slope=float(_find(ds, "RescaleSlope", item) or 1.0),
            intercept=float(_find(ds, "RescaleIntercept", item) or 0.0),
        ))
    return frames


def _grid(ds: Dataset, *, name: str) -> tuple:
    """``(rows, columns, orientation, pixel spacing)`` of the file's images; one per series."""
    photometric = str(ds.get("PhotometricInterpretation") or "MONOCHROME2")
    if int(ds.get("SamplesPerPixel") or 1) != 1 or not photometric.startswith("MONOCHROME"):
        mode = photometric if photometric in COLOUR_MODES else "colour"
        raise InvalidInput(f"{name} is a colour image ({mode}); Mass IDE imports "
                           "greyscale DICOM volumes: export colour images as PNG or JPEG instead")
    orientation = _find(ds, "ImageOrientationPatient")
    spacing = _find(ds, "PixelSpacing") or _find(ds, "ImagerPixelSpacing")
    for keyword, values, length in (("ImageOrientationPatient", orientation, 6), ("PixelSpacing", spacing, 2)):
        if values is not None and len(values) != length:
            raise InvalidInput(f"{name}: its {keyword} has {len(values)} values, not {length}; copy or export "
                               "the file again")
    return (
        int(ds.Rows), int(ds.Columns),
        None if orientation is None else tuple(float(v) for v in orientation),
        None if spacing is None else tuple(float(v) for v in spacing),
    )


def _same_grid(one: tuple, other: tuple) -> bool:
    """Whether two images share size, orientation and pixel spacing (to 1e-4)."""
    if one[:2] != other[:2] or any((a is None) != (b is None) for a, b in zip(one[2:], other[2:])):
        return False
    return all(a is None or np.allclose(a, b, atol=1e-4) for a, b in zip(one[2:], other[2:]))


def _series_label(ds: Dataset) -> str:
    """How a message names a series, from its de-identified header: ``series 2 (CT)``.

    Only a series number and a modality that are well formed are named; descriptions never are.
    """
    number, modality = ds.get("SeriesNumber"), _modality(ds)
    try:
        number = int(number) if number not in (None, "") else None
    except HEADER_ERRORS:
        number = None
    where = f"series {number}" if number is not None else "a series without a number"
    return f"{where} ({modality})" if modality else where


def _modality(ds: Dataset) -> str | None:
    """The header's modality when it is a defined term of the standard (else None: it is never quoted)."""
    modality = str(ds.get("Modality") or "").strip().upper()
    return modality if modality in MODALITIES else None


def _json_value(value):
    """A header value as plain JSON: numbers stay numbers, multi-values become lists."""
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return [_json_value(v) for v in value]
    if isinstance(value, int | float):
        return int(value) if isinstance(value, int) else float(value)
    return str(value)


def _header_summary(series: Series) -> dict:
    """The de-identified facts kept about a series (never names, IDs, dates or private data)."""
    header = series.header
    summary = {key: _json_value(header[keyword].value) for keyword, key in SUMMARY.items()
               if keyword in header and header[keyword].value not in (None, "")}
    summary.update({DESCRIPTORS[keyword]: value for keyword, value in series.descriptions.items()})
    if modality := _modality(header):
        summary["modality"] = modality
    if summary.get("modality") == "CT":
        summary["units"] = "HU"
    summary["files"] = len(series.files)
    summary["patient_identity_removed"] = True
    return summary


class _Gathered:
    """Pass one: every file's header read, de-identified and sorted into its series."""

    def __init__(self, *, salt: str, options: DeidOptions):
        self.salt, self.options = salt, options
        self.series: dict[str, Series] = {}
        self.folders: dict[str, dict[str, Series]] = {}
        self.deid = {"removed": set(), "replaced": set(), "cleaned": set(), "shifted": set(), "uids_replaced": 0,
                     "private_tags_removed": 0, "dates_shifted": 0, "dates_unreadable": 0, "files": 0,
                     "files_without_patient": 0}

    def add(self, name: str, path: Path) -> None:
        """Read one file's header into its series (DICOMDIR files are skipped)."""
        ds = _read_header(path, name=name)
        if getattr(ds, "file_meta", Dataset()).get("MediaStorageSOPClassUID") == DIRECTORY_SOP_CLASS:
            return
        if "PixelData" not in ds:
            kind = _sop_class_name(ds) or "an object without images"
            raise InvalidInput(f"{name} has no pixel data (it is {kind}); remove it from the import, "
                               "or export the image series itself")
        del ds.PixelData  # deferred: never read in this pass
        try:
            uid = str(ds.get("SeriesInstanceUID", ""))
            frames, grid = _frames(ds, name=name, path=path), _grid(ds, name=name)
            deidentified = deidentify_dataset(ds, salt=self.salt, options=self.options)
            label, descriptions = _series_label(ds), _descriptions(ds)
        except HEADER_ERRORS as error:  # the error's own text may quote the header: only its kind is said
            raise InvalidInput(f"{name} has a damaged or incomplete header ({type(error).__name__}); "
                               "copy or export the file again") from None
        self._count(deidentified)
        series = self.series.setdefault(uid, Series(uid=uid, label=label, header=ds, grid=grid,
                                                     descriptions=descriptions))
        if not _same_grid(grid, series.grid):
            raise InvalidInput(f"{name} has {grid[0]}x{grid[1]} pixels, orientation {grid[2]} and spacing {grid[3]}, "
                               f"unlike {series.files[0]} ({series.grid[0]}x{series.grid[1]}, {series.grid[2]}, "
                               f"{series.grid[3]}) in the same series; remove the odd image (a localizer?)")
        series.descriptions = {key: value for key, value in series.descriptions.items()
                               if descriptions.get(key) == value}
        series.frames += frames
        series.files.append(name)
        series.burned_in |= bool(deidentified["warnings"])
        self.folders.setdefault(str(PurePosixPath(name).parent), {})[uid] = series

    def _count(self, report: dict) -> None:
        """Add one file's de-identification report to the totals."""
        for key in ("removed", "replaced", "cleaned", "shifted"):
            self.deid[key].update(report[key])
        for key in ("uids_replaced", "private_tags_removed", "dates_shifted", "dates_unreadable"):
            self.deid[key] += report[key]
        self.deid["files"] += 1
        self.deid["files_without_patient"] += 0 if report["patient_identified"] else 1

    def check_not_mixed(self) -> None:
        """:class:`InvalidInput` when one folder holds images of more than one series."""
        for folder, found in self.folders.items():
            if len(found) > 1:
                where = "the top folder" if folder == "." else f"the folder {folder}"
                labels = "; ".join(f"{s.label}: {len(s.files)} file(s) such as {s.files[0]}" for s in found.values())
                raise InvalidInput(f"{where} mixes {len(found)} DICOM series: {labels}; "
                                   "put each series in a folder of its own, or import them one at a time")

    def report(self) -> dict:
        """The de-identification totals and the options applied, as JSON (never a header value)."""
        deid = self.deid
        report = {"profile": PROFILE, "method": METHOD, "options": self.options.to_json(),
                  "profile_options": self.options.profile_options, "removed": sorted(deid["removed"]),
                  "replaced": sorted(deid["replaced"]), "uids_replaced": deid["uids_replaced"],
                  "private_tags_removed": deid["private_tags_removed"], "files": deid["files"],
                  "series": len(self.series)}
        if self.options.clean_descriptors:
            report["cleaned"] = sorted(deid["cleaned"])
        if self.options.dates == "shift":
            report |= {"shifted": sorted(deid["shifted"]), "dates_shifted": deid["dates_shifted"]}
        return report

    def warnings(self) -> list[str]:
        """What the user should know about the dates option's outcome."""
        said = []
        if self.deid["dates_unreadable"]:
            said.append(f"{self.deid['dates_unreadable']} date value(s) could not be read as dates and were removed "
                        "instead of shifted")
        if self.options.dates == "shift" and self.deid["files_without_patient"]:
            said.append(f"{self.deid['files_without_patient']} file(s) name no patient (no PatientID or "
                        "PatientName): their dates are shifted per study, so intervals to other studies are lost")
        return said


def _sop_class_name(ds: Dataset) -> str | None:
    """The SOP class's name when the UID is one pydicom knows (an unknown UID is never quoted)."""
    uid = ds.get("SOPClassUID")
    name = getattr(uid, "name", None)
    return name if name and name != str(uid) else None


def _descriptions(ds: Dataset) -> dict[str, str]:
    """The descriptors left in a de-identified header (only the Clean Descriptors Option leaves any)."""
    return {keyword: str(ds[keyword].value) for keyword in DESCRIPTORS if ds.get(keyword)}


def _sorted_frames(series: Series, *, warnings: list[str], key: str) -> tuple[list[Frame], np.ndarray, np.ndarray]:
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
        thickness = _find(series.header, "SpacingBetweenSlices") or _find(series.header, "SliceThickness")
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


def _affine(*, cosines: np.ndarray, pixel_spacing: tuple, step: np.ndarray, origin: np.ndarray) -> np.ndarray:
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


def _values(pixels: np.ndarray, frame: Frame, *, floating: bool, rescaled: bool) -> np.ndarray:
    """Stored values turned into real-world ones (Hounsfield units for CT)."""
    if floating:
        return pixels.astype(np.float32) * np.float32(frame.slope) + np.float32(frame.intercept)
    if rescaled:
        return pixels.astype(np.int64) * int(frame.slope) + int(frame.intercept)
    return pixels


def _widened(volume: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``volume``, converted to a wider type only when ``values`` do not fit in its own."""
    if np.can_cast(values.dtype, volume.dtype):
        return volume
    low, high = values.min(), values.max()
    limits = np.iinfo(volume.dtype)
    if limits.min <= low and high <= limits.max:
        return volume
    return volume.astype(np.result_type(volume.dtype, np.min_scalar_type(low), np.min_scalar_type(high)))


def _volume(frames: list[Frame], *, rows: int, columns: int, encoding: str) -> np.ndarray:
    """The series' voxels as ``(column, row, slice)``, allocated once and filled frame by frame."""
    floating = any(not (frame.slope.is_integer() and frame.intercept.is_integer()) for frame in frames)
    rescaled = any(frame.slope != 1 or frame.intercept != 0 for frame in frames)
    volume = None
    for index, frame in enumerate(frames):
        pixels = _pixels(frame, shape=(rows, columns), encoding=encoding)
        values = _values(pixels, frame, floating=floating, rescaled=rescaled)
        if volume is None:
            dtype = np.float32 if floating else np.int16 if rescaled else values.dtype
            volume = np.zeros((columns, rows, len(frames)), dtype=dtype)
        volume = _widened(volume, values)
        volume[:, :, index] = values.T
    return volume


def _series_name(series: Series) -> str:
    """A stable, non-identifying file name: modality and a hash of the replaced series UID."""
    modality = (_modality(series.header) or "series").lower()
    digest = hashlib.sha256(str(series.header.get("SeriesInstanceUID", series.uid)).encode()).hexdigest()
    return f"{modality}-{digest[:10]}"


def _write_series(series: Series, *, dest: Path, max_bytes: int) -> tuple[ImportedItem, list[str]]:
    """Build, write and describe one series' volume."""
    name = _series_name(series)
    key, stored, warnings = f"{name}.nii.gz", f"volumes/{name}.nii.gz", []
    rows, columns, _, pixel_spacing = series.grid
    check_size(rows * columns * len(series.frames) * 4, name=f"series {name} (as a volume)", max_bytes=max_bytes)
    if pixel_spacing is None:
        warnings.append(f"{key}: the images have no PixelSpacing; 1 mm is assumed")
        pixel_spacing = (1.0, 1.0)
    frames, step, cosines = _sorted_frames(series, warnings=warnings, key=key)
    affine = _affine(cosines=cosines, pixel_spacing=pixel_spacing, step=step, origin=frames[0].position)
    encoding = getattr(series.header, "file_meta", Dataset()).get("TransferSyntaxUID")
    known = getattr(encoding, "is_transfer_syntax", False) and encoding.name != str(encoding)
    volume = _volume(frames, rows=rows, columns=columns, encoding=encoding.name if known else "an unknown encoding")
    image = nibabel.Nifti1Image(volume, affine)
    image.header.set_xyzt_units("mm")
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=1)
    target = dest / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    nibabel.save(image, target)
    if series.burned_in:
        warnings.append(f"{key}: BurnedInAnnotation is YES in its headers: the pixels themselves may show "
                        "patient data; look at the images before sharing them")
    meta = volume_meta(affine=affine, shape=volume.shape, dtype=volume.dtype)
    meta["dicom"] = _header_summary(series)
    return ImportedItem(key=key, kind="volume", path=stored, meta=meta, sha256=file_sha256(target)), warnings


def import_series(files: list[tuple[str, Path]], *, dest: Path, salt: str, max_bytes: int,
                  options: DeidOptions | None = None) -> ImportReport:
    """Turn the DICOM files into one de-identified NIfTI volume per series (with the chosen options)."""
    gathered = _Gathered(salt=salt, options=options or DeidOptions())
    for name, path in files:
        gathered.add(name, path)
    if not gathered.series:
        raise InvalidInput("the import holds only a DICOMDIR and no images; import the folder with the image files")
    gathered.check_not_mixed()
    items, warnings = [], gathered.warnings()
    for series in gathered.series.values():
        item, said = _write_series(series, dest=dest, max_bytes=max_bytes)
        items.append(item)
        warnings += said
    return ImportReport(kind="volume", items=items, warnings=warnings, deidentification=gathered.report())
