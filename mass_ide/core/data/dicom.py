"""DICOM series into de-identified NIfTI volumes, one ``volumes/<series>.nii.gz`` per series.

Two passes: the first reads every header (pixels deferred), de-identifies it and
groups the images by series; the second (:mod:`~mass_ide.core.data.dicom_volume`) writes each volume to disk slice
by slice (memory holds one slice whatever the series' size), in Hounsfield units for CT (RescaleSlope/Intercept
applied).
The affine comes from ImagePositionPatient, ImageOrientationPatient and
PixelSpacing, with slices sorted along the slice normal, and DICOM's LPS turned
into NIfTI's RAS. Nothing of a DICOM file is kept but the volume and a
de-identified header summary.

Everything kept or said about a series (its metadata, its file name, the
messages of a refused import) comes from the de-identified header or from
numbers parsed out of the geometry: an error never quotes a header's text.
"""

import hashlib
from pathlib import Path, PurePosixPath

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from mass_ide.core.data.deidentify import (
    METHOD,
    PROFILE,
    DeidOptions,
    deidentify_dataset,
)
from mass_ide.core.data.dicom_volume import (
    Frame,
    Series,
    header_value,
    series_affine,
    sorted_frames,
    write_volume,
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
        position = header_value(ds, "ImagePositionPatient", item)
        if position is not None and len(position) != 3:
            raise InvalidInput(f"{name}: its ImagePositionPatient has {len(position)} values, not 3; copy or "
                               "export the file again")
        frames.append(Frame(
            name=name, path=path, index=index,
            position=None if position is None else np.array([float(v) for v in position]),
            slope=float(header_value(ds, "RescaleSlope", item) or 1.0),
            intercept=float(header_value(ds, "RescaleIntercept", item) or 0.0),
        ))
    return frames


def _grid(ds: Dataset, *, name: str) -> tuple:
    """``(rows, columns, orientation, pixel spacing)`` of the file's images; one per series."""
    photometric = str(ds.get("PhotometricInterpretation") or "MONOCHROME2")
    if int(ds.get("SamplesPerPixel") or 1) != 1 or not photometric.startswith("MONOCHROME"):
        mode = photometric if photometric in COLOUR_MODES else "colour"
        raise InvalidInput(f"{name} is a colour image ({mode}); Mass IDE imports "
                           "greyscale DICOM volumes: export colour images as PNG or JPEG instead")
    orientation = header_value(ds, "ImageOrientationPatient")
    spacing = header_value(ds, "PixelSpacing") or header_value(ds, "ImagerPixelSpacing")
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
    frames, step, cosines = sorted_frames(series, warnings=warnings, key=key)
    affine = series_affine(cosines=cosines, pixel_spacing=pixel_spacing, step=step, origin=frames[0].position)
    encoding = getattr(series.header, "file_meta", Dataset()).get("TransferSyntaxUID")
    known = getattr(encoding, "is_transfer_syntax", False) and encoding.name != str(encoding)
    target = dest / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    shape, dtype = write_volume(frames, rows=rows, columns=columns, affine=affine, target=target,
                                encoding=encoding.name if known else "an unknown encoding")
    if series.burned_in:
        warnings.append(f"{key}: BurnedInAnnotation is YES in its headers: the pixels themselves may show "
                        "patient data; look at the images before sharing them")
    meta = volume_meta(affine=affine, shape=shape, dtype=dtype)
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
