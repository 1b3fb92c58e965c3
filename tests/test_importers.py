"""Format importers: tables, images, NIfTI and DICOM into a staging folder, and every malformed input."""

import csv
import gzip
import io
import json
import stat
import zipfile
from pathlib import Path

import nibabel
import numpy as np
import pydicom
import pytest
from dicom_fixtures import write_ct_series, write_ct_slice
from hostile_files import png_declaring, tiff_declaring, write_zip
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import EnhancedCTImageStorage, ExplicitVRLittleEndian, generate_uid

from mass_ide.core.data.files import file_sha256
from mass_ide.core.data.importers import ImportedItem, ImportReport, import_source
from mass_ide.core.data.tabular import record_sha256
from mass_ide.core.errors import InvalidInput

SALT = "test-salt"
NIBABEL_SAMPLES = Path(nibabel.__file__).parent / "tests" / "data"


@pytest.fixture
def dest(tmp_path) -> Path:
    """An empty staging folder, as the caller makes one."""
    folder = tmp_path / "staging"
    folder.mkdir()
    return folder


def run(source: Path, dest: Path, **options) -> ImportReport:
    """Import ``source`` into ``dest`` and check what every report must satisfy."""
    report = import_source(source, dest, deid_salt=SALT, **options)
    assert report.source_name == source.name
    assert json.loads(json.dumps(report.to_json()))["items"] == len(report.items)
    assert len({item.key for item in report.items}) == len(report.items)
    for item in report.items:
        assert isinstance(item, ImportedItem)
        json.dumps(item.meta)
        if item.path is not None:
            assert file_sha256(dest / item.path) == item.sha256
    assert not (dest / ".unpacked").exists()
    return report


def refused(source: Path, dest: Path, *words: str, **options) -> str:
    """The message of the :class:`InvalidInput` an import of ``source`` raises; it contains ``words``."""
    with pytest.raises(InvalidInput) as caught:
        import_source(source, dest, deid_salt=SALT, **options)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert not (dest / ".unpacked").exists()
    return message


def zip_folder(folder: Path, archive: Path) -> Path:
    """``folder``'s files zipped with paths relative to its parent (like 'Send to > Zip')."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(folder.parent).as_posix())
    return archive


# tables


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("lab.csv", "patient,alt,note\nP1,35,\"high, recheck\"\nP2,20,ok\n"),
        ("lab.csv", "\ufeffpatient;alt;note\r\nP1;35;high, recheck\r\n\r\nP2;20;ok\r\n"),
        ("lab.tsv", "patient\talt\tnote\nP1\t35\thigh, recheck\nP2\t20\tok\n"),
        ("lab.txt", "patient\talt\tnote\nP1\t35\thigh, recheck\nP2\t20\tok\n"),
    ],
)
def test_tables_become_utf8_comma_separated_records(tmp_path, dest, name, text):
    source = tmp_path / name
    source.write_bytes(text.encode("utf-8"))
    report = run(source, dest)
    assert (report.kind, report.columns, report.deidentification) == ("tabular", ["patient", "alt", "note"], {})
    assert [item.key for item in report.items] == ["row-000001", "row-000002"]
    first = report.items[0]
    assert (first.kind, first.path) == ("record", None)
    assert first.meta == {"patient": "P1", "alt": "35", "note": "high, recheck"}
    assert first.sha256 == record_sha256(first.meta)
    stored = (dest / "table.csv").read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(stored))) == [["patient", "alt", "note"], ["P1", "35", "high, recheck"],
                                                     ["P2", "20", "ok"]]
    assert not stored.startswith("\ufeff")


def test_whitespace_separated_txt_and_non_ascii_values(tmp_path, dest):
    source = tmp_path / "values.txt"
    source.write_text("id  ALT   AST\nb1  35    Müller\nb2  20    40\n", encoding="utf-8")
    report = run(source, dest)
    assert report.columns == ["id", "ALT", "AST"]
    assert report.items[0].meta == {"id": "b1", "ALT": "35", "AST": "Müller"}


def test_cp1252_table_is_refused_with_the_encoding_and_the_fix(tmp_path, dest):
    source = tmp_path / "labor.csv"
    source.write_bytes("name,wert\nMüller,3\nCafé,4\n".encode("cp1252"))
    refused(source, dest, "labor.csv", "not UTF-8", "line 2", "Windows-1252", "save it as UTF-8")


def test_utf16_table_is_refused(tmp_path, dest):
    source = tmp_path / "export.txt"
    source.write_bytes("a\tb\n1\t2\n".encode("utf-16"))
    refused(source, dest, "export.txt", "UTF-16")


def test_ragged_row_is_named(tmp_path, dest):
    source = tmp_path / "lab.csv"
    source.write_text("a,b,c\n1,2,3\n4,5\n")
    refused(source, dest, "lab.csv", "row 2 (line 3)", "2 values", "3 columns")
    source.write_text("a\n1\n2,3\n")  # one column: singular
    refused(source, dest, "lab.csv", "has 2 values but the header has 1 column;")


@pytest.mark.parametrize(("text", "words"), [("", ["is empty"]), ("\n\n", ["is empty"]),
                                              ("a,b\n", ["no data rows"]), ("a,,c\n1,2,3\n", ["column 2 has no name"]),
                                              ("a,b,a\n1,2,3\n", ["'a' more than once"])])
def test_empty_or_badly_headed_tables_are_refused(tmp_path, dest, text, words):
    source = tmp_path / "t.csv"
    source.write_text(text)
    refused(source, dest, "t.csv", *words)


def test_only_one_table_per_import(tmp_path, dest):
    folder = tmp_path / "tables"
    folder.mkdir()
    for name in ("a.csv", "b.csv"):
        (folder / name).write_text("x\n1\n")
    refused(folder, dest, "a.csv", "one table at a time")


# images


def save_image(path: Path, *, size=(20, 10), mode="L", value=128) -> Path:
    """A small uniform image in the format its suffix says."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value).save(path)
    return path


@pytest.mark.parametrize(("name", "mode"), [("scan.png", "L"), ("photo.jpg", "RGB"), ("slide.tiff", "I;16")])
def test_single_image_is_stored_unchanged(tmp_path, dest, name, mode):
    source = save_image(tmp_path / name, mode=mode, value=100)
    report = run(source, dest)
    [item] = report.items
    assert (report.kind, item.key, item.kind, item.path) == ("image", name, "image", f"images/{name}")
    assert (item.meta["width"], item.meta["height"], item.meta["mode"]) == (20, 10, mode)
    assert "suggested_label" not in item.meta
    assert (dest / item.path).read_bytes() == source.read_bytes()


def test_image_class_folders_suggest_labels_from_a_folder_and_a_zip(tmp_path):
    folder = tmp_path / "lesions"
    save_image(folder / "tumour" / "a.png")
    save_image(folder / "tumour" / "b.jpeg", mode="RGB")
    save_image(folder / "normal" / "c.tif", size=(30, 10))
    (folder / ".DS_Store").write_bytes(b"\0junk")
    for source in (folder, zip_folder(folder, tmp_path / "lesions.zip")):
        dest = tmp_path / f"staging-{source.suffix or 'dir'}"
        dest.mkdir()
        report = run(source, dest)
        prefix = "lesions/" if source.suffix == ".zip" else ""
        labels = {item.key: item.meta["suggested_label"] for item in report.items}
        assert labels == {f"{prefix}normal/c.tif": "normal", f"{prefix}tumour/a.png": "tumour",
                          f"{prefix}tumour/b.jpeg": "tumour"}
        assert all((dest / item.path).is_file() for item in report.items)
        assert any("different sizes" in warning for warning in report.warnings)
        assert any("colour modes" in warning for warning in report.warnings)
        assert sorted(p.name for p in dest.iterdir()) == ["images"]


def test_images_in_one_folder_get_no_label(tmp_path, dest):
    for name in ("a.png", "b.png"):
        save_image(tmp_path / "scans" / name)
    report = run(tmp_path / "scans", dest)
    assert all("suggested_label" not in item.meta for item in report.items)
    assert report.warnings == []


def test_truncated_or_fake_image_is_named(tmp_path, dest):
    source = save_image(tmp_path / "big.png", size=(200, 200), mode="RGB")
    source.write_bytes(source.read_bytes()[:200])
    refused(source, dest, "big.png", "not a readable")
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"this is not a picture")
    refused(fake, dest, "fake.jpg", "not a readable")


# NIfTI volumes


@pytest.mark.parametrize("name", ["anatomical.nii", "example4d.nii.gz", "example_nifti2.nii.gz",
                                  "functional.nii", "standard.nii.gz"])
def test_nibabel_sample_volumes(dest, name):
    source = NIBABEL_SAMPLES / name
    if not source.exists():
        pytest.skip(f"{name} does not ship with this nibabel wheel")
    original = nibabel.load(source)
    report = run(source, dest)
    [item] = report.items
    stem = name.removesuffix(".gz").removesuffix(".nii")
    assert (report.kind, item.key, item.kind, item.path) == ("volume", name, "volume", f"volumes/{stem}.nii.gz")
    stored = nibabel.load(dest / item.path)
    assert np.array_equal(np.asanyarray(stored.dataobj), np.asanyarray(original.dataobj))
    assert np.allclose(stored.affine, original.affine)
    assert stored.header["descrip"].item() == b"" and len(stored.header.extensions) == 0
    assert item.meta["shape"] == list(original.shape)
    assert item.meta["spacing"] == pytest.approx(list(original.header.get_zooms()[:3]))
    assert item.meta["origin"] == pytest.approx(list(original.affine[:3, 3]))
    assert item.meta["dtype"] == original.get_data_dtype().name


def ct_nifti(path: Path, *, shape=(8, 7, 5)) -> nibabel.Nifti1Image:
    """A small oblique int16 CT volume saved at ``path``."""
    rotation = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    affine = np.eye(4)
    affine[:3, :3] = rotation @ np.diag([0.7, 0.8, 2.5])
    affine[:3, 3] = [12.0, -30.0, 45.5]
    data = np.arange(np.prod(shape), dtype=np.int16).reshape(shape) - 500
    image = nibabel.Nifti1Image(data, affine)
    image.header["descrip"] = b"Quixotic Zebulon 1943"
    nibabel.save(image, path)
    return image


def test_generated_volumes_in_a_zip_keep_geometry_and_lose_free_text(tmp_path, dest):
    folder = tmp_path / "cases"
    (folder / "case1").mkdir(parents=True)
    ct_nifti(folder / "case1" / "ct.nii")
    ct_nifti(folder / "case2.nii.gz", shape=(4, 4, 3))
    report = run(zip_folder(folder, tmp_path / "cases.zip"), dest)
    assert [(item.key, item.path) for item in report.items] == [
        ("cases/case1/ct.nii", "volumes/cases/case1/ct.nii.gz"), ("cases/case2.nii.gz", "volumes/cases/case2.nii.gz")]
    meta = report.items[0].meta
    assert meta["spacing"] == pytest.approx([0.7, 0.8, 2.5])
    assert meta["origin"] == pytest.approx([12.0, -30.0, 45.5])
    assert np.allclose(meta["direction"], [[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    assert b"Zebulon" not in gzip.decompress((dest / report.items[0].path).read_bytes())


def test_truncated_nifti_is_refused(tmp_path, dest):
    ct_nifti(tmp_path / "whole.nii.gz", shape=(40, 40, 20))
    packed = (tmp_path / "whole.nii.gz").read_bytes()
    (tmp_path / "cut.nii.gz").write_bytes(packed[: len(packed) // 2])
    refused(tmp_path / "cut.nii.gz", dest, "cut.nii.gz", "truncated")
    ct_nifti(tmp_path / "short.nii")
    (tmp_path / "short.nii").write_bytes((tmp_path / "short.nii").read_bytes()[:-100])
    refused(tmp_path / "short.nii", dest, "short.nii", "truncated")
    (tmp_path / "noise.nii").write_bytes(b"\x00" * 400)
    refused(tmp_path / "noise.nii", dest, "noise.nii", "not a NIfTI file")


# DICOM


def test_pydicom_ct_sample_becomes_a_volume_in_hounsfield_units(tmp_path, dest):
    source = Path(get_testdata_file("CT_small.dcm"))
    original = pydicom.dcmread(source)
    report = run(source, dest)
    [item] = report.items
    assert (report.kind, item.kind) == ("volume", "volume")
    assert item.path == f"volumes/{item.key}" and item.key.startswith("ct-")
    stored = nibabel.load(dest / item.path)
    expected = original.pixel_array.astype(np.int32) * int(original.RescaleSlope) + int(original.RescaleIntercept)
    assert np.array_equal(np.asanyarray(stored.dataobj)[:, :, 0], expected.T)
    assert item.meta["shape"] == [128, 128, 1]
    assert item.meta["spacing"][:2] == pytest.approx([float(v) for v in original.PixelSpacing[::-1]])
    lps = [float(v) for v in original.ImagePositionPatient]
    assert item.meta["origin"] == pytest.approx([-lps[0], -lps[1], lps[2]])
    assert item.meta["dicom"]["modality"] == "CT" and item.meta["dicom"]["units"] == "HU"
    assert report.deidentification["files"] == 1
    assert sorted(p.name for p in dest.rglob("*") if p.is_file()) == [f"{item.key}"]


def test_pydicom_mr_sample_keeps_its_stored_type(dest):
    report = run(Path(get_testdata_file("MR_small.dcm")), dest)
    [item] = report.items
    assert item.meta["dicom"]["modality"] == "MR" and "units" not in item.meta["dicom"]
    assert item.meta["dtype"] == "int16"


@pytest.mark.parametrize("compressed", ["MR_small_jpeg_ls_lossless.dcm", "MR_small_RLE.dcm"])
def test_losslessly_compressed_dicom_gives_the_same_volume(tmp_path, compressed):
    import nibabel

    volumes = []
    for name in ("MR_small.dcm", compressed):
        dest = tmp_path / name
        [item] = run(Path(get_testdata_file(name)), dest).items
        volumes.append(np.asanyarray(nibabel.load(dest / item.path).dataobj))
    assert volumes[0].shape == volumes[1].shape == (64, 64, 1)
    assert np.array_equal(volumes[0], volumes[1])


@pytest.mark.parametrize(("orientation", "step"), [((1, 0, 0, 0, 1, 0), 2.5), ((0, 1, 0, 0, 0, -1), 3.0),
                                                    ((0.866025, 0.5, 0, -0.5, 0.866025, 0), 1.25)])
def test_generated_ct_series_round_trips_geometry_and_hu(tmp_path, dest, orientation, step):
    series = write_ct_series(tmp_path / "series", count=5, orientation=orientation, step=step)
    report = run(tmp_path / "series", dest)
    [item] = report.items
    image = nibabel.load(dest / item.path)
    volume = np.asanyarray(image.dataobj)
    assert volume.shape == (5, 6, 5) and volume.dtype == np.int16
    row, column = np.array(orientation[:3]), np.array(orientation[3:])
    for k, (pixels, position) in enumerate(zip(series.pixels, series.positions)):
        assert np.array_equal(volume[:, :, k], pixels.T.astype(np.int32) - 1024)
        for i, j in ((0, 0), (4, 5), (2, 3)):
            lps = position + i * 0.7 * row + j * 0.8 * column
            assert image.affine @ [i, j, k, 1] == pytest.approx([-lps[0], -lps[1], lps[2], 1], abs=1e-3)
    assert item.meta["spacing"] == pytest.approx([0.7, 0.8, step], abs=1e-5)
    first = series.positions[0]
    assert item.meta["origin"] == pytest.approx([-first[0], -first[1], first[2]], abs=1e-4)
    assert image.header.get_xyzt_units()[0] == "mm" and int(image.header["sform_code"]) == 1
    assert item.meta["dicom"]["slice_thickness"] == 2.5 and item.meta["dicom"]["files"] == 5


def test_values_outside_int16_widen_the_volume(tmp_path, dest):
    (tmp_path / "s").mkdir()
    uids = {"series_uid": generate_uid(), "study_uid": generate_uid(), "frame_uid": generate_uid()}
    pixels = np.full((6, 5), 7, dtype=np.uint16)
    write_ct_slice(tmp_path / "s" / "a.dcm", pixels=pixels, position=(0, 0, 0), intercept=-1024, **uids)
    write_ct_slice(tmp_path / "s" / "b.dcm", pixels=pixels, position=(0, 0, 2), intercept=-40000, **uids)
    [item] = run(tmp_path / "s", dest).items
    volume = np.asanyarray(nibabel.load(dest / item.path).dataobj)
    assert volume.dtype == np.int32 and (volume[0, 0, 0], volume[0, 0, 1]) == (-1017, -39993)


def test_series_spread_over_folders_of_a_zip_become_one_volume_each(tmp_path, dest):
    study = generate_uid()
    write_ct_series(tmp_path / "export" / "case1", count=3, study_uid=study, number=2)
    write_ct_series(tmp_path / "export" / "case2", count=2, study_uid=study, number=3, seed=1)
    (tmp_path / "export" / "DICOMDIR").write_bytes(b"not read")
    report = run(zip_folder(tmp_path / "export", tmp_path / "export.zip"), dest)
    assert sorted(item.meta["shape"][2] for item in report.items) == [2, 3]
    assert len({item.meta["dicom"]["study_uid"] for item in report.items}) == 1
    assert report.deidentification["files"] == 5 and report.deidentification["series"] == 2
    assert all(p.suffixes == [".nii", ".gz"] for p in dest.rglob("*") if p.is_file())


def test_enhanced_multiframe_ct_uses_per_frame_positions_and_rescale(tmp_path, dest):
    shape, positions = (4, 3), [(0.0, 0.0, 10.0), (0.0, 0.0, 4.0), (0.0, 0.0, 7.0)]
    frames = [np.full(shape, 100 * (k + 1), dtype=np.uint16) for k in range(3)]
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = EnhancedCTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID, ds.Modality, ds.NumberOfFrames = generate_uid(), "CT", 3
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = *shape, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    shared = Dataset()
    shared.PlaneOrientationSequence = [Dataset()]
    shared.PlaneOrientationSequence[0].ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    shared.PixelMeasuresSequence = [Dataset()]
    shared.PixelMeasuresSequence[0].PixelSpacing = [0.5, 0.6]
    shared.PixelValueTransformationSequence = [Dataset()]
    shared.PixelValueTransformationSequence[0].RescaleSlope = 1
    shared.PixelValueTransformationSequence[0].RescaleIntercept = -1000
    ds.SharedFunctionalGroupsSequence = [shared]
    ds.PerFrameFunctionalGroupsSequence = []
    for position in positions:
        frame = Dataset()
        frame.PlanePositionSequence = [Dataset()]
        frame.PlanePositionSequence[0].ImagePositionPatient = list(position)
        ds.PerFrameFunctionalGroupsSequence.append(frame)
    ds.PixelData = b"".join(frame.astype("<u2").tobytes() for frame in frames)
    ds.save_as(tmp_path / "enhanced.dcm", enforce_file_format=True)
    [item] = run(tmp_path / "enhanced.dcm", dest).items
    volume = np.asanyarray(nibabel.load(dest / item.path).dataobj)
    assert [int(volume[0, 0, k]) for k in range(3)] == [-800, -700, -900]  # sorted by z: 4, 7, 10
    assert item.meta["spacing"] == pytest.approx([0.6, 0.5, 3.0])
    assert item.meta["origin"] == pytest.approx([0.0, 0.0, 4.0])


def test_truncated_dicom_pixels_are_named(dest):
    refused(Path(get_testdata_file("MR_truncated.dcm")), dest, "MR_truncated.dcm", "cannot be decoded")


def test_dicom_without_pixel_data_is_refused(tmp_path, dest):
    refused(Path(get_testdata_file("rtplan.dcm")), dest, "rtplan.dcm", "no pixel data", "RT Plan")
    folder = tmp_path / "series"
    write_ct_series(folder, count=2)
    write_ct_slice(folder / "header-only.dcm", pixels=np.zeros((6, 5), np.uint16), position=(0, 0, 99),
                   series_uid=generate_uid(), study_uid=generate_uid(), frame_uid=generate_uid(), with_pixels=False)
    refused(folder, dest, "header-only.dcm", "no pixel data")


def test_two_series_in_one_folder_are_named(tmp_path, dest):
    folder = tmp_path / "mixed"
    write_ct_series(folder, count=2, number=2, description="ARTERIAL", prefix="A")
    write_ct_series(folder, count=2, number=5, description="VENOUS", prefix="B", seed=3)
    message = refused(folder, dest, "mixed", "2 DICOM series", "series 2 (CT)", "series 5 (CT)", "A0000", "B0000")
    assert "ARTERIAL" not in message and "VENOUS" not in message  # descriptions are never quoted


def test_duplicate_slice_positions_are_refused(tmp_path, dest):
    series = write_ct_series(tmp_path / "s", count=3)
    ds = pydicom.dcmread(series.files[0])
    ds.SOPInstanceUID = generate_uid()
    ds.save_as(tmp_path / "s" / "again.dcm")
    refused(tmp_path / "s", dest, "again.dcm", "same slice position")


def test_odd_sized_slice_is_refused(tmp_path, dest):
    series = write_ct_series(tmp_path / "s", count=3)
    write_ct_slice(tmp_path / "s" / "scout.dcm", pixels=np.zeros((9, 9), np.uint16), position=(0, 0, 500),
                   series_uid=series.uid, study_uid=series.study_uid, frame_uid=generate_uid())
    refused(tmp_path / "s", dest, "scout.dcm", "9x9", "localizer")


# archives and unsupported files


def test_zip_entries_that_escape_are_refused(tmp_path, dest):
    for entry in ("../evil.png", "/etc/evil.png", "C:/evil.png", "ok/../../evil.png"):
        archive = tmp_path / "bad.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("fine.png", b"x")
            zipped.writestr(entry, b"x")
        refused(archive, dest, "bad.zip", repr(entry))
        assert list(dest.iterdir()) == []
    assert not (tmp_path.parent / "evil.png").exists()


def test_zip_symlink_entry_is_refused(tmp_path, dest):
    archive = tmp_path / "links.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        link = zipfile.ZipInfo("data/passwd.csv")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zipped.writestr(link, "/etc/passwd")
    refused(archive, dest, "links.zip", "symbolic link")


def test_zip_bomb_is_refused_before_unpacking(tmp_path, dest):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped, zipped.open("zeros.csv", "w") as member:
        for _ in range(8):
            member.write(bytes(1 << 20))
    refused(archive, dest, "bomb.zip", "zeros.csv", "zip bomb")
    refused(archive, dest, "bomb.zip", "import limit", max_bytes=4 << 20)
    assert list(dest.iterdir()) == []


def test_anything_over_the_limit_is_refused(tmp_path, dest):
    source = save_image(tmp_path / "big.png", size=(300, 300), mode="RGB")
    refused(source, dest, "big.png", "import limit", max_bytes=100)
    refused(tmp_path, dest, "import limit", max_bytes=100)


def test_corrupt_zip_is_named(tmp_path, dest):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    refused(archive, dest, "broken.zip", "not a readable zip")


@pytest.mark.parametrize(("name", "words"), [("report.pdf", ["report.pdf", "not a file type"]),
                                              ("labs.xlsx", ["labs.xlsx", "CSV UTF-8"]),
                                              ("volume.mha", ["volume.mha", "NIfTI"]),
                                              ("README", ["README", "no extension"])])
def test_unsupported_files_are_named(tmp_path, dest, name, words):
    (tmp_path / name).write_bytes(b"%PDF-1.4 something")
    refused(tmp_path / name, dest, *words)


def test_mixed_kinds_are_refused(tmp_path, dest):
    save_image(tmp_path / "mixed" / "a.png")
    ct_nifti(tmp_path / "mixed" / "b.nii.gz")
    refused(tmp_path / "mixed", dest, "mixed", "images (e.g. a.png)", "NIfTI volumes (e.g. b.nii.gz)")


def test_symlink_in_a_folder_is_refused(tmp_path, dest):
    save_image(tmp_path / "scans" / "a.png")
    (tmp_path / "scans" / "b.png").symlink_to(tmp_path / "scans" / "a.png")
    refused(tmp_path / "scans", dest, "b.png", "symbolic link")


def test_empty_folder_is_refused(tmp_path, dest):
    (tmp_path / "empty").mkdir()
    refused(tmp_path / "empty", dest, "nothing to import")


# hostile names and sizes


@pytest.fixture
def nothing_unpacked(monkeypatch):
    """Fail the test if an archive's entry is written: hostile zips must be refused from their headers."""
    from mass_ide.core.data import archives

    def refuse_to_write(*args, **kwargs):
        raise AssertionError("an entry was written before the archive was refused")

    monkeypatch.setattr(archives, "copy_stream", refuse_to_write)


@pytest.mark.parametrize(("names", "words"), [
    (["a", "a/b.csv"], ["'a' is a file", "'a/b.csv' needs a folder of the same name"]),
    (["a/b.csv", "a"], ["'a' is a file", "'a/b.csv' needs a folder of the same name"]),
    (["a/", "a"], ["'a' is a file", "'a/' needs a folder"]),
    (["a/./b.csv", "a/b.csv"], ["'a/./b.csv' and 'a/b.csv' both unpack to 'a/b.csv'"]),
    (["a//b.csv", "a/b.csv"], ["'a//b.csv' and 'a/b.csv' both unpack to 'a/b.csv'"]),
    (["ok.csv", "a\0b.csv"], ["'a\\x00b.csv'", "NUL byte"]),
    (["ok.csv", "a\nb.csv"], ["'a\\nb.csv'", "control character"]),
    (["x" * 256 + ".csv"], ["'xxxx", "name of 260 bytes", "at most 255"]),
    (["é" * 130 + ".csv"], ["name of 264 bytes"]),
    (["/".join(["d"] * 40) + "/t.csv"], ["41 levels deep", "at most 32"]),
    ([("d" * 200 + "/") * 6 + "t.csv"], ["1211 bytes long", "at most 1024"]),
    ([".", "b.csv"], ["'.' has no file name"]),
], ids=["file-then-folder", "folder-then-file", "folder-entry-and-file", "dot-duplicate", "slash-duplicate", "nul",
        "newline", "long-name", "long-utf8-name", "deep", "long-path", "no-name"])
def test_zip_entries_a_file_system_cannot_hold_are_refused_from_the_headers(tmp_path, dest, nothing_unpacked,
                                                                           names, words):
    archive = write_zip(tmp_path / "hostile.zip", names)
    refused(archive, dest, "hostile.zip: the entr", *words)
    assert list(dest.iterdir()) == []


def test_zip_entry_name_that_is_not_utf8_is_named(tmp_path, dest, nothing_unpacked):
    archive = write_zip(tmp_path / "latin.zip", ["é.csv"])
    archive.write_bytes(archive.read_bytes().replace("é".encode(), b"\xff\xfe"))
    refused(archive, dest, "latin.zip", "not valid UTF-8")


def test_zip_with_folder_entries_and_mac_clutter_imports(tmp_path, dest):
    archive = tmp_path / "lesions.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for folder in ("lesions/", "lesions/tumour/", "lesions/normal/", "__MACOSX/", "__MACOSX/lesions/"):
            zipped.mkdir(folder)
        for name in ("lesions/tumour/a.png", "lesions/normal/b.png"):
            zipped.write(save_image(tmp_path / "png" / name), name)
        zipped.writestr("__MACOSX/lesions/._a.png", b"\0\5\26\7")
    report = run(archive, dest)
    assert sorted(item.key for item in report.items) == ["lesions/normal/b.png", "lesions/tumour/a.png"]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("name", "content", "declared"), [
    ("scan.png", png_declaring(10_000, 9_000), "10000×9000 pixels"),
    ("scan.png", png_declaring(60_000, 60_000), "more than 178,956,970 pixels"),
    ("slide.tiff", tiff_declaring(10_000, 9_000), "10000×9000 pixels"),
    ("slide.tiff", tiff_declaring(60_000, 60_000), "more than 178,956,970 pixels"),
], ids=["png-over-limit", "png-bomb", "tiff-over-limit", "tiff-bomb"])
def test_image_declaring_huge_dimensions_is_refused_before_decoding(tmp_path, dest, monkeypatch, name, content,
                                                                     declared):
    from PIL import ImageFile

    def refuse_to_decode(self):
        raise AssertionError("the image was decoded before its size was checked")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_decode)
    (tmp_path / name).write_bytes(content)
    refused(tmp_path / name, dest, name, "too large to decode", declared, "at most 89,478,485 pixels",
            "downscale or crop")
    assert list(dest.iterdir()) == []
