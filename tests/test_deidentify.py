"""De-identification: planted patient data never reaches the staging folder, the database or the report."""

import datetime
import gzip
import json
import zipfile
from pathlib import Path

import nibabel
import numpy as np
import pydicom
import pytest
from dicom_fixtures import (
    MARKED,
    MARKED_FREE_TEXT,
    MARKER_WORDS,
    PHI,
    PRIVATE_SECRET,
    write_ct_series,
    write_ct_slice,
)
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag
from pydicom.uid import CTImageStorage, generate_uid

from mass_ide.core import projects
from mass_ide.core.data import datasets
from mass_ide.core.data.deidentify import (
    CLEAN_DESCRIPTORS,
    MODIFIED_DATES,
    PROFILE,
    SHIFT_DAYS,
    DeidOptions,
    clean_descriptor,
    deidentify_dataset,
    new_uid,
    shift_date,
)
from mass_ide.core.data.importers import import_source
from mass_ide.core.errors import InvalidInput

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


def test_descriptions_are_kept_only_under_the_clean_descriptors_option(tmp_path):
    write_ct_series(tmp_path / "ct", count=2, description="ABDOMEN VENOUS", extra={"ProtocolName": "LIVER 5mm"})
    plain = import_source(tmp_path / "ct", staging(tmp_path, "plain"), deid_salt=SALT)
    assert not {"series_description", "study_description", "protocol_name"} & set(plain.items[0].meta["dicom"])
    assert plain.deidentification["options"] == {"clean_descriptors": False, "dates": "remove"}
    assert plain.deidentification["profile_options"] == []
    cleaned = import_source(tmp_path / "ct", staging(tmp_path, "cleaned"), deid_salt=SALT,
                            deid=DeidOptions(clean_descriptors=True))
    summary = cleaned.items[0].meta["dicom"]
    assert (summary["series_description"], summary["protocol_name"]) == ("ABDOMEN VENOUS", "LIVER 5mm")
    assert cleaned.deidentification["profile_options"] == [CLEAN_DESCRIPTORS]
    assert {"SeriesDescription", "ProtocolName"} <= set(cleaned.deidentification["cleaned"])


def dump(ws) -> str:
    """Every row of every table of the workspace's database, as SQL text."""
    return "\n".join(ws.db.conn.iterdump())


def assert_no_marker(*texts: str) -> None:
    """None of :data:`MARKER_WORDS`, in any case, is in any of ``texts``."""
    for text in texts:
        for word in MARKER_WORDS:
            assert word.lower() not in text.lower(), (word, text[:200])


@pytest.mark.parametrize(("options", "marked"), [
    (DeidOptions(), MARKED),  # the marker names nobody else in the header: no heuristic can see it
    (DeidOptions(clean_descriptors=True, dates="shift"), MARKED),
    (DeidOptions(clean_descriptors=True), MARKED_FREE_TEXT),
])
def test_a_planted_marker_reaches_no_file_no_table_and_no_report(workspace, tmp_path, options, marked):
    write_ct_series(tmp_path / "export" / "ct", count=3, description=marked["SeriesDescription"], extra=marked)
    project = projects.create_project(workspace, name="Seg", template="liver-segmentation", user="ana")
    dataset = datasets.import_dataset(workspace, project.id, source=tmp_path / "export", user="ana", deid=options)
    [item] = datasets.all_items(workspace, dataset.id)
    image = nibabel.load(item.file)
    assert_no_marker(dump(workspace), json.dumps(dataset.report), json.dumps(item.meta),
                     image.header.binaryblock.decode("latin-1"),
                     every_byte(dataset.folder).decode("latin-1"))
    summary = item.meta["dicom"]
    if options.clean_descriptors:  # the imaging words survive the cleaning, the person and the ward do not
        assert (summary["series_description"], summary["study_description"], summary["protocol_name"]) == (
            "ABDOMEN VENOUS", "CT ABDOMEN", "LIVER 5mm")
        assert dataset.report["deidentification"]["profile_options"][0] == CLEAN_DESCRIPTORS
    else:
        assert "series_description" not in summary and "study_date" not in summary


def marked_failures(tmp_path: Path) -> dict[str, Path]:
    """Imports that fail, each of files that carry :data:`MARKER_WORDS` in their headers."""
    mixed = tmp_path / "mixed"
    write_ct_series(mixed, count=2, number=2, description=MARKED["SeriesDescription"], prefix="A", extra=MARKED)
    write_ct_series(mixed, count=2, number=5, description="VENOUS Quimby", prefix="B", seed=3)
    damaged = tmp_path / "damaged"
    write_ct_series(damaged, count=2, extra=MARKED)
    ds = pydicom.dcmread(damaged / "IM0000")
    tag = Tag("ImagePositionPatient")
    ds._dict[tag] = RawDataElement(tag, "DS", 22, b"Yolanda\\Quimby\\Ward 7B", 0, True, True)
    ds.save_as(damaged / "IM0000")
    no_pixels, colour = tmp_path / "no-pixels", tmp_path / "colour"
    no_pixels.mkdir()
    colour.mkdir()
    write_ct_slice(no_pixels / "IM0000", pixels=np.zeros((6, 5), np.uint16), position=(0, 0, 0),
                   series_uid=generate_uid(), study_uid=generate_uid(), frame_uid=generate_uid(), with_pixels=False,
                   extra={**MARKED, "SOPClassUID": "1.2.826.0.1.3680043.99887766"})
    write_ct_slice(colour / "IM0000", pixels=np.zeros((6, 5), np.uint16), position=(0, 0, 0),
                   series_uid=generate_uid(), study_uid=generate_uid(), frame_uid=generate_uid(),
                   extra={**MARKED, "SamplesPerPixel": 3, "PhotometricInterpretation": "QUIMBY"})
    return {"mixed": mixed, "damaged": damaged, "no-pixels": no_pixels, "colour": colour}


@pytest.mark.parametrize("case", ["mixed", "damaged", "no-pixels", "colour"])
def test_a_refused_import_never_quotes_the_header(tmp_path, case):
    source = marked_failures(tmp_path)[case]
    with pytest.raises(InvalidInput) as caught:
        import_source(source, staging(tmp_path, "dest"), deid_salt=SALT, deid=DeidOptions(clean_descriptors=True))
    message = str(caught.value)
    assert_no_marker(message)
    assert "ABDOMEN" not in message and "99887766" not in message
    assert source.name in message


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


@pytest.mark.parametrize(("text", "cleaned"), [
    ("ABDOMEN VENOUS", "ABDOMEN VENOUS"), ("Abdomen venous Yolanda Quimby Ward 7B", "Abdomen venous"),
    ("CT 19431125 pid-99887766", "CT"), ("T1 AX C+ 2.5 5mm B30f", "T1 AX C+ 2.5 5mm"),
    ("Quixotic follow-up", None), ("call 07700 900123", None), ("", None), ("LIVER " * 20, ("LIVER " * 10)[:-1]),
])
def test_clean_descriptors_keeps_only_imaging_words(text, cleaned):
    assert clean_descriptor(text) == cleaned


@pytest.mark.filterwarnings("ignore:Invalid value for VR DA")  # the partial date planted below
def test_deidentify_dataset_with_both_options():
    ds = phi_dataset()
    ds.StudyDate, ds.StudyTime, ds.AcquisitionDateTime = "20240229", "101112", "20240301083000.5+0100"
    ds.SeriesDescription, ds.ImageComments, ds.PatientComments = "LUNG Yolanda", "Quimby", "CHEST"
    ds.InstanceCreationDate = "2024"  # not a whole date: removed, not guessed
    report = deidentify_dataset(ds, salt=SALT, options=DeidOptions(clean_descriptors=True, dates="shift"))
    shifted = datetime.date(2024, 2, 29) - datetime.date(int(ds.StudyDate[:4]), int(ds.StudyDate[4:6]),
                                                         int(ds.StudyDate[6:]))
    assert SHIFT_DAYS[0] <= shifted.days <= SHIFT_DAYS[1]
    assert ds.AcquisitionDate == shift_date("20240101", days=shifted.days)
    assert ds.AcquisitionDateTime == shift_date("20240301", days=shifted.days) + "083000.5+0100"
    assert (ds.StudyTime, ds.ContentTime) == ("101112", "101010")  # times of day stay
    assert not ds.PatientBirthDate and "InstanceCreationDate" not in ds and "TimezoneOffsetFromUTC" not in ds
    assert ds.SeriesDescription == "LUNG" and "ImageComments" not in ds and "PatientComments" not in ds
    assert ds.LongitudinalTemporalInformationModified == "MODIFIED"
    assert [code.CodeValue for code in ds.DeidentificationMethodCodeSequence] == ["113100", "113105", "113107"]
    assert {"StudyDate", "AcquisitionDate", "AcquisitionDateTime", "StudyTime"} <= set(report["shifted"])
    assert report["cleaned"] == ["SeriesDescription"] and report["dates_unreadable"] == 1
    assert "Yolanda" not in repr(ds) and "Quimby" not in repr(ds)


def import_dates(tmp_path: Path, name: str, *, salt: str = SALT, dates: str = "shift", **extra) -> dict:
    """The de-identified header summary of a two-slice series with ``extra`` attributes, imported on its own."""
    write_ct_series(tmp_path / name, count=2, extra=extra)
    report = import_source(tmp_path / name, staging(tmp_path, f"{name}-dest"), deid_salt=salt,
                           deid=DeidOptions(dates=dates))
    return report.items[0].meta["dicom"] | {"report": report.deidentification}


def day(value: str) -> datetime.date:
    return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def test_shifted_dates_keep_one_offset_per_patient_and_the_intervals(tmp_path):
    first = import_dates(tmp_path, "first")  # 2024-02-29, 10:11:12
    later = import_dates(tmp_path, "later", StudyDate="20240315", SeriesDate="20240316", StudyTime="0930")
    other = import_dates(tmp_path, "other", PatientID="PID-12345678")
    salted = import_dates(tmp_path, "salted", salt="another-salt")
    removed = import_dates(tmp_path, "removed", dates="remove")
    assert first["study_date"] != "20240229" and first["study_time"] == "101112"
    offset = (datetime.date(2024, 2, 29) - day(first["study_date"])).days
    assert SHIFT_DAYS[0] <= offset <= SHIFT_DAYS[1]
    assert (day(later["study_date"]) - day(first["study_date"])).days == 15  # the interval between the studies
    assert (day(later["series_date"]) - day(later["study_date"])).days == 1 and later["study_time"] == "0930"
    assert other["study_date"] != first["study_date"] and salted["study_date"] != first["study_date"]
    assert not {"study_date", "study_time", "series_date"} & set(removed)
    deid = first["report"]
    assert deid["options"] == {"clean_descriptors": False, "dates": "shift"}
    assert deid["profile_options"] == [MODIFIED_DATES] and deid["dates_shifted"] >= 4
    assert {"StudyDate", "SeriesDate", "StudyTime"} <= set(deid["shifted"]) and "StudyDate" not in deid["removed"]
    assert str(offset) not in json.dumps(deid)  # the offset itself is never told


def test_a_series_naming_no_patient_shifts_per_study_and_says_so(tmp_path):
    write_ct_series(tmp_path / "anonymous", count=2, extra={"PatientID": "", "PatientName": ""})
    report = import_source(tmp_path / "anonymous", staging(tmp_path, "dest"), deid_salt=SALT,
                           deid=DeidOptions(dates="shift"))
    assert any("shifted per study" in warning for warning in report.warnings)


@pytest.mark.parametrize(("given", "words"), [
    ({"dates": "keep"}, ["dates must be one of remove, shift", "'keep'"]),
    ({"clean_descriptors": "maybe"}, ["clean_descriptors must be true or false", "'maybe'"]),
])
def test_unknown_options_name_the_choices(given, words):
    with pytest.raises(InvalidInput) as caught:
        DeidOptions.parse(**given)
    assert all(word in str(caught.value) for word in words)
    assert DeidOptions.parse(clean_descriptors="1", dates="shift") == DeidOptions(True, "shift")
    assert DeidOptions.parse() == DeidOptions.parse(clean_descriptors="", dates="") == DeidOptions()


def test_the_import_command_takes_the_options(tmp_path, capsys):
    from mass_ide import cli
    from mass_ide.core.workspace import Workspace

    write_ct_series(tmp_path / "export" / "ct", count=2, description=MARKED["SeriesDescription"], extra=MARKED)
    ws = ["--workspace", str(tmp_path / "ws")]
    assert cli.main(["projects", *ws, "create", "Seg", "--template", "liver-segmentation"]) == 0
    code = cli.main(["data", *ws, "import", "seg", str(tmp_path / "export"), "--clean-descriptors",
                     "--dates", "shift"])
    out = capsys.readouterr().out
    assert code == 0 and f"{CLEAN_DESCRIPTORS}, {MODIFIED_DATES}" in out
    workspace = Workspace.open(tmp_path / "ws")
    try:
        [dataset] = datasets.list_datasets(workspace, "seg")
        assert dataset.report["deidentification"]["options"] == {"clean_descriptors": True, "dates": "shift"}
        assert datasets.all_items(workspace, dataset.id)[0].meta["dicom"]["series_description"] == "ABDOMEN VENOUS"
    finally:
        workspace.close()
    with pytest.raises(SystemExit):
        cli.main(["data", *ws, "import", "seg", str(tmp_path / "export"), "--dates", "keep"])
    assert "invalid choice: 'keep' (choose from 'remove', 'shift')" in capsys.readouterr().err


def test_a_modality_that_is_no_defined_term_names_nothing(tmp_path):
    write_ct_series(tmp_path / "odd", count=2, extra={"Modality": "QUIMBY"})
    write_ct_series(tmp_path / "ct", count=2)
    [odd] = import_source(tmp_path / "odd", staging(tmp_path, "one"), deid_salt=SALT).items
    [ct] = import_source(tmp_path / "ct", staging(tmp_path, "two"), deid_salt=SALT).items
    assert odd.key.startswith("series-") and "modality" not in odd.meta["dicom"] and "units" not in odd.meta["dicom"]
    assert_no_marker(odd.key, odd.path, json.dumps(odd.meta))
    assert ct.key.startswith("ct-") and ct.meta["dicom"]["modality"] == "CT" and ct.meta["dicom"]["units"] == "HU"
