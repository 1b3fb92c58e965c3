"""Small DICOM series written with pydicom for the importer and de-identification tests.

Each series carries planted patient data (:data:`PHI`) and a private tag with a
secret, so a test can prove that none of it survives an import.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

PHI = {
    "PatientName": "Quixotic^Zebulon^Marmaduke",
    "PatientID": "PID-99887766",
    "PatientBirthDate": "19431125",
    "PatientAddress": "42 Wallaby Way, Sydney",
    "InstitutionName": "St Elsewhere Secret Hospital",
    "ReferringPhysicianName": "Hibbert^Julius",
    "OperatorsName": "Flanders^Nedward",
    "AccessionNumber": "ACC5551234",
    "StudyID": "STUDY-7788",
    "DeviceSerialNumber": "SN-XYZZY-31337",
}
PRIVATE_SECRET = "TOPSECRET-PAYLOAD-ABRACADABRA"
# Another person's name and a ward: none of the header's own identifying values, so no heuristic can tell
MARKER_WORDS = ("Yolanda", "Quimby", "Ward 7B")
MARKER = "Yolanda Quimby Ward 7B"
MARKED = {  # the descriptions the profile removes, each with imaging words and the marker
    "SeriesDescription": f"ABDOMEN VENOUS {MARKER}",
    "StudyDescription": f"CT ABDOMEN {MARKER}",
    "ProtocolName": f"LIVER 5mm {MARKER}",
}
MARKED_FREE_TEXT = {  # and the rest of the free text a busy ward writes
    **MARKED,
    "ImageComments": f"called by {MARKER}",
    "AcquisitionComments": MARKER,
    "DerivationDescription": MARKER,
    "CurrentPatientLocation": MARKER,
    "InstitutionalDepartmentName": MARKER,
    "PatientComments": MARKER,
    "RequestedProcedureDescription": MARKER,
}
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


@dataclass
class WrittenSeries:
    """What was written: the slices' stored pixels in order along the normal, and the geometry."""

    uid: str
    study_uid: str
    pixels: list[np.ndarray]
    positions: list[np.ndarray]
    orientation: tuple
    pixel_spacing: tuple
    intercept: int
    files: list[Path]


def write_ct_slice(path: Path, *, pixels: np.ndarray, position, orientation=AXIAL, pixel_spacing=(0.8, 0.7),
                   series_uid: str, study_uid: str, frame_uid: str, number: int = 1, instance: int = 1,
                   description: str = "ABDOMEN VENOUS", intercept: int = -1024, with_pixels: bool = True,
                   extra: dict | None = None) -> None:
    """One CT slice with planted patient data and a private tag holding :data:`PRIVATE_SECRET`.

    ``extra``: more attributes by keyword (:data:`MARKED`, say), set last.
    """
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    for keyword, value in PHI.items():
        setattr(ds, keyword, value)
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study_uid, series_uid, frame_uid
    ds.StudyDate, ds.SeriesDate, ds.StudyTime = "20240229", "20240229", "101112"
    ds.Modality, ds.Manufacturer, ds.BodyPartExamined = "CT", "ACME", "ABDOMEN"
    ds.SeriesNumber, ds.InstanceNumber, ds.SeriesDescription = number, instance, description
    ds.ImagePositionPatient = [float(v) for v in position]
    ds.ImageOrientationPatient = list(orientation)
    ds.PixelSpacing = list(pixel_spacing)
    ds.SliceThickness = 2.5
    ds.RescaleSlope, ds.RescaleIntercept = 1, intercept
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    block = ds.private_block(0x0011, "ACME SECRET", create=True)
    block.add_new(0x01, "LO", PRIVATE_SECRET)
    for keyword, value in (extra or {}).items():
        setattr(ds, keyword, value)
    if with_pixels:
        ds.PixelData = pixels.astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def write_ct_series(folder: Path, *, count: int = 4, shape=(6, 5), orientation=AXIAL, origin=(-20.0, 30.0, 40.0),
                    step: float = 2.5, pixel_spacing=(0.8, 0.7), number: int = 1, study_uid: str | None = None,
                    description: str = "ABDOMEN VENOUS", prefix: str = "IM", seed: int = 0,
                    extra: dict | None = None) -> WrittenSeries:
    """``count`` slices of a series written in shuffled order under names that do not sort by position."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cosines = np.array(orientation, dtype=float).reshape(2, 3)
    normal = np.cross(cosines[0], cosines[1])
    series_uid, study_uid, frame_uid = generate_uid(), study_uid or generate_uid(), generate_uid()
    pixels = [rng.integers(0, 4096, size=shape, dtype=np.uint16) for _ in range(count)]
    positions = [np.array(origin) + k * step * normal for k in range(count)]
    files = []
    for order, k in enumerate(rng.permutation(count)):
        path = folder / f"{prefix}{order:04d}"
        write_ct_slice(path, pixels=pixels[k], position=positions[k], orientation=orientation,
                       pixel_spacing=pixel_spacing, series_uid=series_uid, study_uid=study_uid, frame_uid=frame_uid,
                       number=number, instance=int(k) + 1, description=description, extra=extra)
        files.append(path)
    return WrittenSeries(series_uid, study_uid, pixels, positions, tuple(orientation), tuple(pixel_spacing),
                         -1024, files)
