"""De-identification: planted patient data never reaches the staging folder or the report."""

import gzip
import json
import zipfile
from pathlib import Path

import pydicom
import pytest
from dicom_fixtures import PHI, PRIVATE_SECRET, write_ct_series
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage, generate_uid

from mass_ide.core.data.deidentify import (
    PROFILE,
    deidentify_dataset,
    identifying_values,
    is_safe_text,
    new_uid,
)
from mass_ide.core.data.importers import import_source

SALT = "workspace-salt"


def planted_strings(series) -> list[str]:
    """Every identifying string written into the series, in the forms a leak could take."""
    names = [part for value in PHI.values() for part in value.replace("^", " ").split() if len(part) > 3]
    uids = [series.uid, series.study_uid] + [pydicom.dcmread(path).SOPInstanceUID for path in series.files]
    return list(PHI.values()) + names + [PRIVATE_SECRET, "20240229"] + uids


def every_byte(folder: Path) -> bytes:
    """All files under ``folder``, gzip members unpacked, one after another."""
    chunks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            chunks.append(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    return b"\n".join(chunks)


def staging(tmp_path: Path, name: str) -> Path:
    """An empty staging folder."""
    folder = tmp_path / name
    folder.mkdir()
    return folder


def test_planted_phi_is_gone_from_every_byte_and_the_report(tmp_path):
    series = write_ct_series(tmp_path / "export" / "ct", count=4, description="Quixotic follow-up")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in series.files:
            zipped.write(path, f"ct/{path.name}")
    dest = staging(tmp_path, "dest")
    report = import_source(archive, dest, deid_salt=SALT)
    stored = every_byte(dest)
    told = json.dumps([report.to_json(), [item.__dict__ for item in report.items]]).encode()
    for secret in planted_strings(series):
        for form in {secret, secret.upper(), secret.lower()}:
            assert form.encode() not in stored, form
            assert form.encode() not in told, form
    assert [p.suffixes for p in dest.rglob("*") if p.is_file()] == [[".nii", ".gz"]]
    deid = report.deidentification
    assert deid["profile"] == PROFILE and deid["files"] == 4 and deid["private_tags_removed"] == 8
    assert {"PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "StudyID", "ReferringPhysicianName",
            "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"} <= set(deid["replaced"])
    assert {"PatientAddress", "InstitutionName", "OperatorsName", "DeviceSerialNumber", "SeriesDescription",
            "SeriesDate"} <= set(deid["removed"])
    summary = report.items[0].meta["dicom"]
    assert "series_description" not in summary  # it named the patient
    assert summary["series_uid"] == new_uid(series.uid, salt=SALT)
    assert summary["study_uid"] == new_uid(series.study_uid, salt=SALT)
    assert summary["patient_identity_removed"] is True


def test_a_harmless_description_is_kept(tmp_path):
    write_ct_series(tmp_path / "ct", count=2, description="ABDOMEN VENOUS")
    report = import_source(tmp_path / "ct", staging(tmp_path, "dest"), deid_salt=SALT)
    assert report.items[0].meta["dicom"]["series_description"] == "ABDOMEN VENOUS"


def test_uids_map_the_same_with_the_same_salt_and_differently_with_another(tmp_path):
    series = write_ct_series(tmp_path / "ct", count=3)
    first = import_source(tmp_path / "ct", staging(tmp_path, "one"), deid_salt=SALT).items[0]
    again = import_source(tmp_path / "ct", staging(tmp_path, "two"), deid_salt=SALT).items[0]
    other = import_source(tmp_path / "ct", staging(tmp_path, "three"), deid_salt="another-salt").items[0]
    assert first.key == again.key and first.meta["dicom"] == again.meta["dicom"]
    assert other.key != first.key
    for field in ("series_uid", "study_uid", "frame_of_reference_uid"):
        assert other.meta["dicom"][field] != first.meta["dicom"][field]
    assert first.meta["dicom"]["series_uid"] != series.uid
    headers = [pydicom.dcmread(path) for path in series.files]
    reports = [deidentify_dataset(ds, salt=SALT) for ds in headers]
    assert len({ds.SeriesInstanceUID for ds in headers}) == 1
    assert len({ds.SOPInstanceUID for ds in headers}) == 3
    assert all(ds.SOPInstanceUID == ds.file_meta.MediaStorageSOPInstanceUID for ds in headers)
    assert all(report["uids_replaced"] >= 5 for report in reports)


def test_new_uid_is_a_valid_2_25_uid():
    uid = new_uid("1.2.3.4", salt=SALT)
    assert uid.startswith("2.25.") and len(uid) <= 64 and uid[5:].isdigit()
    assert uid == new_uid("1.2.3.4 ", salt=SALT) != new_uid("1.2.3.5", salt=SALT)
    assert pydicom.uid.UID(uid).is_valid


def phi_dataset() -> Dataset:
    """A header with planted patient data at the top level, in a sequence and in a private block."""
    ds = Dataset()
    for keyword, value in PHI.items():
        setattr(ds, keyword, value)
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, generate_uid()
    ds.Modality, ds.Manufacturer, ds.SliceThickness = "CT", "ACME", 1.5
    ds.PatientSex, ds.OtherPatientIDs = "F", "OTHER-ID-1"
    ds.PatientTelephoneNumbers = "+44 20 7946 0000"
    ds.PerformingPhysicianName = "Riviera^Nick"
    ds.AcquisitionDate, ds.ContentTime = "20240101", "101010"
    ds.BurnedInAnnotation = "YES"
    request = Dataset()
    request.ScheduledPerformingPhysicianName = "Nested^Doctor"
    request.CodeValue = "ABC"
    referenced = Dataset()
    referenced.ReferencedSOPClassUID, referenced.ReferencedSOPInstanceUID = CTImageStorage, "1.2.3.4.5"
    referenced.ReviewerName = "Hidden^Person"  # not listed: removed as a person name
    ds.ReferencedImageSequence = [referenced]
    ds.RequestAttributesSequence = [request]
    block = ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True)
    block.add_new(0x10, "LO", PRIVATE_SECRET)
    block.add_new(0x11, "UT", f"{PHI['PatientName']} inside a private blob")
    return ds


def test_deidentify_dataset_applies_the_profile():
    ds = phi_dataset()
    report = deidentify_dataset(ds, salt=SALT)
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber", "StudyID",
                    "ReferringPhysicianName", "ContentTime"):
        assert keyword in ds and not ds[keyword].value, keyword
    for keyword in ("PatientAddress", "InstitutionName", "OperatorsName", "DeviceSerialNumber", "OtherPatientIDs",
                    "PatientTelephoneNumbers", "PerformingPhysicianName", "AcquisitionDate",
                    "RequestAttributesSequence"):
        assert keyword not in ds, keyword
    assert (ds.Modality, ds.Manufacturer, ds.SliceThickness, ds.SOPClassUID) == ("CT", "ACME", 1.5, CTImageStorage)
    assert ds.SOPInstanceUID.startswith("2.25.")
    [referenced] = ds.ReferencedImageSequence
    assert referenced.ReferencedSOPInstanceUID == new_uid("1.2.3.4.5", salt=SALT)
    assert referenced.ReferencedSOPClassUID == CTImageStorage and "ReviewerName" not in referenced
    assert not any(element.tag.is_private for element in ds.iterall())
    assert ds.PatientIdentityRemoved == "YES" and ds.DeidentificationMethod
    assert ds.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert report["private_tags_removed"] == 3 and report["uids_replaced"] == 2
    assert "ReviewerName" in report["removed"] and "SOPInstanceUID" in report["replaced"]
    assert report["warnings"] and "BurnedInAnnotation" in report["warnings"][0]
    text = repr(ds)
    for secret in [*PHI.values(), PRIVATE_SECRET, "Hidden^Person", "Nested^Doctor", "OTHER-ID-1", "20240101"]:
        assert secret not in text, secret


@pytest.mark.parametrize(("text", "safe"), [("ABDOMEN VENOUS", True), ("Quixotic follow-up", False),
                                            ("CT 19431125", False), ("ct for pid-99887766", False),
                                            ("x" * 65, False), ("", False), (None, False)])
def test_free_text_is_kept_only_when_it_names_nobody(text, safe):
    assert is_safe_text(text, identifying=identifying_values(phi_dataset())) is safe
