"""A model's answer on a DICOM series written back as DICOM (highdicom): a SEG for a mask, an SR for a class.

Both reference the source series (the real study, by design: a radiologist's viewer shows them
beside it) and carry the model's name and version as the algorithm. The SEG is built from the
mask and its affine as a :class:`highdicom.Volume`, so highdicom places each frame on the source
image it lies on, whatever order the instances came in. Segments are coded (SNOMED CT liver,
neoplasm) where a class's name says what it is, and painted in :data:`~mass_ide.core.data.classes.CLASS_COLOURS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import mass_ide
from mass_ide.core.data.classes import class_colour
from mass_ide.core.errors import InvalidInput

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

MANUFACTURER = "Mass IDE"
SERIES_NUMBER = 9001  # high, so the result sorts after the scanner's own series in a viewer
TUMOUR_WORDS = ("tumour", "tumor", "lesion", "neoplasm", "cancer", "malignan", "metasta")  # a class naming one
PRIVATE_SCHEME = "99MASSIDE"  # a private coding scheme (PS3.16 8.2) for classes no standard code names
LPS_FROM_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
# (slice, row, column) indices, as highdicom's Volume counts them, to the mask's (column, row, slice)
SLICE_FIRST = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=float)
# Type 2 attributes of the Patient and General Study modules that a SEG or SR copies from its source:
# present (empty when unknown) in every valid image, missing in some exports
COPIED_TYPE_2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
                 "StudyID", "ReferringPhysicianName", "AccessionNumber")


def _codes():
    from pydicom.sr.codedict import codes

    return codes


def segment_codes(label: str, *, index: int, labels: list[str]) -> dict:
    """The coded category, type and anatomic region of a class, from its name."""
    from highdicom.sr import CodedConcept

    codes, words = _codes(), label.lower()
    liver_present = any("liver" in other.lower() for other in labels)
    if any(word in words for word in TUMOUR_WORDS):
        return {"segmented_property_category": codes.SCT.MorphologicallyAbnormalStructure,
                "segmented_property_type": codes.SCT.Neoplasm,
                "anatomic_regions": [codes.SCT.Liver] if liver_present else None}
    if "liver" in words:
        return {"segmented_property_category": codes.SCT.AnatomicalStructure,
                "segmented_property_type": codes.SCT.Liver, "anatomic_regions": None}
    return {"segmented_property_category": codes.SCT.Tissue, "anatomic_regions": None,
            "segmented_property_type": CodedConcept(f"CLASS{index}", PRIVATE_SCHEME, label[:64])}


def _algorithm(model: str, version: int):
    from highdicom import AlgorithmIdentificationSequence

    return AlgorithmIdentificationSequence(name=model[:64], family=_codes().DCM.ArtificialIntelligence,
                                           version=str(version), source=MANUFACTURER)


def _with_study_attributes(sources: list[Dataset]) -> list[Dataset]:
    """The source headers with the copied Type 2 attributes present (empty where the export left them out)."""
    completed = []
    for source in sources:
        missing = [keyword for keyword in COPIED_TYPE_2 if keyword not in source]
        if missing:
            source = source.copy()
            for keyword in missing:
                setattr(source, keyword, "")
        completed.append(source)
    return completed


def check_one_series(sources: list[Dataset]) -> None:
    """InvalidInput unless ``sources`` are the images of one series."""
    if not sources:
        raise InvalidInput("the series holds no images to write a result on")
    if len({str(source.SeriesInstanceUID) for source in sources}) != 1:
        raise InvalidInput("a DICOM result refers to one series; the instances given belong to several")


def check_on_grid(sources: list[Dataset], mask: np.ndarray, affine: np.ndarray) -> None:
    """InvalidInput unless the mask lies on the series' grid: a column, row and slice per image pixel and
    image, its first voxel on one of the images (so a SEG never describes another series)."""
    rows, columns = int(sources[0].Rows), int(sources[0].Columns)
    if tuple(mask.shape) != (columns, rows, len(sources)):
        raise InvalidInput(f"the predicted mask ({'×'.join(map(str, mask.shape))}) is not on this series' grid "
                           f"({columns}×{rows}×{len(sources)} images); predict on this very series")
    origin = (LPS_FROM_RAS @ np.asarray(affine, dtype=float))[:3, 3]
    positions = [np.asarray(s.ImagePositionPatient, dtype=float) for s in sources if "ImagePositionPatient" in s]
    if positions and min(float(np.linalg.norm(p - origin)) for p in positions) > 0.05:  # mm; NIfTI keeps float32
        raise InvalidInput("the predicted mask does not lie where this series' images are; predict on this very series")


def segmentation(sources: list[Dataset], mask: np.ndarray, affine: np.ndarray, *, classes: dict[str, str],
                 model: str, version: int) -> Dataset:
    """A DICOM SEG of ``mask`` (class values, indexed (column, row, slice) with the RAS ``affine`` of the
    importer's volume) on the source series, one segment per foreground class."""
    import highdicom

    check_one_series(sources)
    if mask.ndim != 3:
        raise InvalidInput("a DICOM SEG is written for a volume's mask; this prediction has a 2D mask")
    check_on_grid(sources, mask, affine)
    labels = [classes[str(value)] for value in sorted(map(int, classes)) if value > 0]
    volume = highdicom.Volume(mask.astype(np.uint8).transpose(2, 1, 0),
                              LPS_FROM_RAS @ np.asarray(affine, dtype=float) @ SLICE_FIRST,
                              coordinate_system="PATIENT",
                              frame_of_reference_uid=str(sources[0].get("FrameOfReferenceUID", "")) or None)
    descriptions = [
        highdicom.seg.SegmentDescription(
            segment_number=number, segment_label=label[:64], algorithm_type="AUTOMATIC",
            algorithm_identification=_algorithm(model, version),
            display_color=highdicom.color.CIELabColor.from_rgb(*class_colour(number)),
            **segment_codes(label, index=number, labels=labels))
        for number, label in enumerate(labels, start=1)]
    return highdicom.seg.Segmentation(
        source_images=_with_study_attributes(sources), pixel_array=volume,
        segmentation_type="BINARY", segment_descriptions=descriptions,
        series_instance_uid=highdicom.UID(), series_number=SERIES_NUMBER, sop_instance_uid=highdicom.UID(),
        instance_number=1, manufacturer=MANUFACTURER, manufacturer_model_name=model[:64],
        software_versions=mass_ide.__version__, device_serial_number=f"{model[:50]} v{version}",
        content_label="MASSIDE", content_description=f"{model} version {version}"[:64],
        series_description=f"AI segmentation {model} v{version}"[:64])


def picture_png(source: Dataset) -> bytes:
    """One single-frame greyscale image as the 8-bit PNG a picture classifier takes: its modality LUT
    (Hounsfield units for CT), its own window when it has one (else the full range), MONOCHROME1 inverted."""
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    from mass_ide.core.data.render import encode_png

    if int(source.get("NumberOfFrames", 1) or 1) != 1 or int(source.get("SamplesPerPixel", 1)) != 1:
        raise InvalidInput("a picture classifier takes single-frame greyscale images; this series has "
                           "multi-frame or colour images")
    values = apply_modality_lut(source.pixel_array, source)
    if "WindowCenter" in source or "VOILUTSequence" in source:
        values = apply_voi_lut(values, source)
    values = values.astype(np.float64)
    low, high = float(values.min()), float(values.max())
    scaled = np.zeros(values.shape) if high <= low else (values - low) / (high - low)
    if source.get("PhotometricInterpretation") == "MONOCHROME1":
        scaled = 1.0 - scaled
    return encode_png((scaled * 255).round().astype(np.uint8))


def _class_code(name: str):
    """A class as a coded finding: SNOMED CT neoplasm where its name says tumour (not negated), else a private code."""
    from highdicom.sr import CodedConcept

    words = name.lower()
    negated = any(word in words for word in ("no ", "not ", "non", "without", "negative", "benign"))
    if any(word in words for word in TUMOUR_WORDS) and not negated:
        return _codes().SCT.Neoplasm
    return CodedConcept(name.upper().replace(" ", "-")[:16], PRIVATE_SCHEME, name[:64])


def structured_report(sources: list[Dataset], results: list[dict], *, model: str, version: int) -> Dataset:
    """A Comprehensive 3D SR (TID 1500 measurement report) with, per source image, the model's finding (the
    class it chose, coded) and that class's probability; the model is the observing device and the algorithm."""
    import highdicom
    from highdicom import sr

    check_one_series(sources)
    codes = _codes()
    algorithm = sr.AlgorithmIdentification(name=model[:64], version=str(version))
    device = sr.ObserverContext(observer_type=codes.cid270.Device, observer_identifying_attributes=(
        sr.DeviceObserverIdentifyingAttributes(uid=highdicom.UID(), name=f"{model} v{version}"[:64],
                                               manufacturer_name=MANUFACTURER, model_name=model[:64])))
    groups = [
        sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=sr.TrackingIdentifier(uid=highdicom.UID(), identifier=f"image {index + 1}"),
            algorithm_id=algorithm, finding_type=_class_code(result["class"]),
            source_images=[sr.SourceImageForMeasurementGroup(str(source.SOPClassUID), str(source.SOPInstanceUID))],
            measurements=[sr.Measurement(name=codes.DCM.Probability, unit=sr.CodedConcept("1", "UCUM", "no units"),
                                         value=float(result["probabilities"][result["class"]]),
                                         algorithm_id=algorithm)])
        for index, (source, result) in enumerate(zip(sources, results))]
    procedure = (codes.LN.CTUnspecifiedBodyRegion if sources[0].get("Modality") == "CT"
                 else sr.CodedConcept("363679005", "SCT", "Imaging procedure"))
    report = sr.MeasurementReport(observation_context=sr.ObservationContext(observer_device_context=device),
                                  procedure_reported=procedure, imaging_measurements=groups)
    return sr.Comprehensive3DSR(
        evidence=_with_study_attributes(sources), content=report, series_instance_uid=highdicom.UID(),
        series_number=SERIES_NUMBER, sop_instance_uid=highdicom.UID(), instance_number=1, manufacturer=MANUFACTURER,
        is_complete=True, series_description=f"AI finding {model} v{version}"[:64])
