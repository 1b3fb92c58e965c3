"""Results back as DICOM, against a real Orthanc: a SEG and an SR written with highdicom, sent by STOW-RS and C-STORE,
fetched back and read with highdicom; and the clinical path from a PACS series through a deployed model."""

import io
import re
from pathlib import Path

import highdicom
import nibabel
import numpy as np
import pydicom
import pytest
from dicom_fixtures import PHI, write_ct_series
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from mass_ide.core import audit
from mass_ide.core.data import datasets
from mass_ide.core.data.classes import CLASS_COLOURS, class_colour
from mass_ide.core.data.importers import import_source
from mass_ide.core.data.pacs import dicomweb
from mass_ide.core.data.pacs.nodes import hashed_uid, parse_node
from mass_ide.core.data.pacs.retrieve import Transfer, retrieve_into_dataset
from mass_ide.core.data.pacs.send import send_objects
from mass_ide.core.errors import InvalidInput, NotFound
from mass_ide.core.serving import client, clinical, deployments, dicom_results, trace
from mass_ide.core.serving.service import decode_mask
from tests.conftest import trained_version
from tests.test_serving import wait_until
from tests.test_training import SEGMENTATION_FAST, sample  # noqa: F401

OBLIQUE = (0.9950041652780258, 0.09983341664682815, 0.0, -0.09983341664682815, 0.9950041652780258, 0.0)
CLASSES = {"0": "background", "1": "liver", "2": "tumour"}


def test_class_colours_are_the_annotation_views():
    source = Path(__file__).parent.parent / "labextension" / "src" / "annotation" / "slices.ts"
    table = re.search(r"CLASS_COLOURS[^=]*=\s*\[(.*?)\];", source.read_text(), re.S).group(1)
    assert [tuple(map(int, row)) for row in re.findall(r"\[(\d+), (\d+), (\d+)\]", table)] == list(CLASS_COLOURS)
    assert class_colour(0) == (0, 0, 0) and class_colour(1) == class_colour(len(CLASS_COLOURS))


def volume_of(series, folder: Path) -> nibabel.Nifti1Image:
    """The series as the importer (and so the deployment's worker) turns it into a volume."""
    folder.mkdir()
    report = import_source(series.files[0].parent, folder, deid_salt="test", max_bytes=10**9)
    return nibabel.load(folder / report.items[0].path)


def fetched(node, study_uid: str, series_uid: str, sop_uid: str) -> pydicom.Dataset:
    """One instance back from the PACS by WADO-RS."""
    with dicomweb.client(node) as web:
        return web.retrieve_instance(study_uid, series_uid, sop_uid)


def assert_frames_match(seg: pydicom.Dataset, sources: list[pydicom.Dataset], mask: np.ndarray, positions) -> None:
    """Each source image's SEG frame equals the mask's slice at that image's place along the slice normal."""
    seg = highdicom.seg.Segmentation.from_dataset(seg)
    normal = np.cross(OBLIQUE[:3], OBLIQUE[3:])
    order = sorted(range(len(positions)), key=lambda k: float(np.asarray(positions[k]) @ normal))
    for source in sources:
        written = int(source.InstanceNumber) - 1  # write_ct_series numbers the slices by position
        pixels = seg.get_pixels_by_source_instance(
            source_sop_instance_uids=[str(source.SOPInstanceUID)], segment_numbers=[1, 2], combine_segments=True,
            assert_missing_frames_are_empty=True, ignore_spatial_locations=True)
        assert np.array_equal(pixels[0], mask[:, :, order.index(written)].T)


@pytest.mark.parametrize("protocol", ["dicomweb", "dimse"])
def test_a_seg_on_an_oblique_series_reads_back_from_the_pacs_voxel_for_voxel(orthanc, tmp_path, protocol):
    study_uid = generate_uid()
    series = write_ct_series(tmp_path / "ct", count=6, shape=(7, 5), orientation=OBLIQUE, study_uid=study_uid)
    orthanc.upload(series.files)
    image = volume_of(series, tmp_path / "volume")
    values = np.asarray(image.dataobj)
    mask = ((values > 1200).astype(np.uint8) + (values > 2600)).astype(np.uint8)
    sources = [pydicom.dcmread(path, stop_before_pixels=True) for path in series.files]
    seg = dicom_results.segmentation(sources, mask, image.affine, classes=CLASSES, model="liver ct", version=3)
    sent = send_objects(parse_node(orthanc.node(protocol=protocol)), [seg])
    assert sent == {"node": "pacs", "protocol": protocol, "accepted": 1, "refused": []}

    back = fetched(parse_node(orthanc.node()), study_uid, str(seg.SeriesInstanceUID), str(seg.SOPInstanceUID))
    assert back.StudyInstanceUID == study_uid and back.Modality == "SEG"
    assert back.ReferencedSeriesSequence[0].SeriesInstanceUID == series.uid
    assert back.FrameOfReferenceUID == sources[0].FrameOfReferenceUID
    assert_frames_match(back, sources, mask, series.positions)
    liver, tumour = back.SegmentSequence
    assert (liver.SegmentLabel, tumour.SegmentLabel) == ("liver", "tumour")
    assert liver.SegmentedPropertyTypeCodeSequence[0].CodeValue == codes.SCT.Liver.value
    assert tumour.SegmentedPropertyTypeCodeSequence[0].CodeValue == codes.SCT.Neoplasm.value
    assert tumour.AnatomicRegionSequence[0].CodeValue == codes.SCT.Liver.value
    algorithm = liver.SegmentationAlgorithmIdentificationSequence[0]
    assert (algorithm.AlgorithmName, algorithm.AlgorithmVersion) == ("liver ct", "3")
    expected = highdicom.color.CIELabColor.from_rgb(*class_colour(1)).value
    assert list(liver.RecommendedDisplayCIELabValue) == list(expected)
    assert back.PatientID == PHI["PatientID"]  # the clinical path keeps the real study: the SEG must sit beside it


def test_an_sr_reads_back_with_each_images_finding_and_probability(orthanc, tmp_path):
    series = write_ct_series(tmp_path / "ct", count=2, shape=(8, 8), study_uid=generate_uid())
    sources = [pydicom.dcmread(path) for path in series.files]
    results = [{"class": "tumour", "probabilities": {"no tumour": 0.25, "tumour": 0.75}},
               {"class": "no tumour", "probabilities": {"no tumour": 0.9, "tumour": 0.1}}]
    report = dicom_results.structured_report(sources, results, model="patches", version=2)
    assert send_objects(parse_node(orthanc.node()), [report])["accepted"] == 1

    back = highdicom.sr.Comprehensive3DSR.from_dataset(
        fetched(parse_node(orthanc.node()), series.study_uid, str(report.SeriesInstanceUID),
                str(report.SOPInstanceUID)))
    groups = back.content.get_image_measurement_groups()
    by_image = {g.source_images[0].referenced_sop_instance_uid: g for g in groups}
    for source, result in zip(sources, results):
        group = by_image[str(source.SOPInstanceUID)]
        [probability] = group.get_measurements(name=codes.DCM.Probability)
        assert probability.value == pytest.approx(result["probabilities"][result["class"]])
        assert group.finding_type.meaning == ("Neoplasm" if result["class"] == "tumour" else "no tumour")
    assert "patches" in back.SeriesDescription and back.ContentSequence  # the algorithm travels in the groups


def test_results_refuse_what_they_cannot_describe(tmp_path):
    one = write_ct_series(tmp_path / "one", count=2, shape=(4, 4))
    two = write_ct_series(tmp_path / "two", count=2, shape=(4, 4), number=2)
    mixed = [pydicom.dcmread(path) for path in [*one.files, *two.files]]
    with pytest.raises(InvalidInput, match="one series"):
        dicom_results.structured_report(mixed, [{"class": "x", "probabilities": {"x": 1.0}}] * 4, model="m",
                                        version=1)
    with pytest.raises(InvalidInput, match="volume's mask"):
        dicom_results.segmentation(mixed[:2], np.zeros((4, 4), np.uint8), np.eye(4), classes=CLASSES, model="m",
                                   version=1)
    with pytest.raises(NotFound, match="predict again"):
        clinical.kept.get(1, "0123456789abcdef")


@pytest.fixture(scope="module")
def served_segmentation(sample):  # noqa: F811
    """A tiny liver-segmentation model of the sample project, deployed and running (stopped at the end)."""
    ws, [volumes] = sample("liver-segmentation")
    version = trained_version(ws, volumes, SEGMENTATION_FAST)
    supervisor = deployments.DeploymentSupervisor(ws)
    made = deployments.deploy(ws, version["model"], str(version["number"]), user="ana")
    try:
        wait_until(lambda: supervisor.tick() or deployments.get_deployment(ws, made["id"])["status"] != "starting",
                   timeout=300)
        assert deployments.get_deployment(ws, made["id"])["status"] == "running"
        yield ws, made["id"]
    finally:
        supervisor.stop_all()


def test_a_pacs_series_is_segmented_sent_back_as_seg_and_nothing_of_it_stays(served_segmentation, orthanc, tmp_path):
    ws, deployment_id = served_segmentation
    series = write_ct_series(tmp_path / "ct", count=8, shape=(24, 24), orientation=OBLIQUE,
                             pixel_spacing=(4.0, 4.0), step=6.0, study_uid=generate_uid())
    orthanc.upload(series.files)
    node = parse_node(orthanc.node())
    answer = clinical.predict_series(ws, deployment_id, node=node, study_uid=series.study_uid,
                                     series_uid=series.uid, user="ana")
    assert answer["result"]["kind"] == "SEG" and answer["result"]["segments"] == ["liver", "tumour"]
    sent = clinical.send_result(ws, deployment_id, answer["prediction_id"], node=parse_node(orthanc.node(
        protocol="dimse")), user="ana")
    assert sent["accepted"] == 1 and sent["protocol"] == "dimse"

    made = clinical.kept.get(deployment_id, answer["prediction_id"]).dataset
    with dicomweb.client(node) as web:  # the PACS lists the SEG in the study
        listed = web.search_for_series(study_instance_uid=series.study_uid, search_filters={"Modality": "SEG"})
    assert [found["0020000E"]["Value"][0] for found in listed] == [str(made.SeriesInstanceUID)]
    back = fetched(node, series.study_uid, str(made.SeriesInstanceUID), str(made.SOPInstanceUID))
    sources = [pydicom.dcmread(path, stop_before_pixels=True) for path in series.files]
    predicted = decode_mask(answer["predictions"][0]["mask"])
    assert_frames_match(back, sources, predicted, series.positions)

    events = audit.events(ws.db, target=f"deployment:{deployment_id}")
    kinds = {event["action"]: event for event in events}
    assert {"prediction", "dicom.result", "dicom.sent"} <= set(kinds)
    assert kinds["prediction"]["detail"]["origin"]["series"] == hashed_uid(series.uid)
    assert kinds["dicom.sent"]["detail"]["to"] == "pacs" and kinds["dicom.sent"]["detail"]["accepted"] == 1
    text = str(events)
    assert series.study_uid not in text and series.uid not in text and PHI["PatientID"] not in text
    left = [path for path in ws.root.rglob("*") if path.is_file() and b"PID-99887766" in path.read_bytes()]
    assert not left and not list((ws.root / "uploads").glob("clinical-*"))

    chain = trace.trace_prediction(ws, deployment_id, answer["prediction_id"])  # which studies trained this SEG's model
    [link] = chain["models"]
    assert chain["dataset"]["name"] and chain["sources"][0]["action"] == "dataset.import"
    assert link["dataset_version"]["digest"] and link["run"]["status"] == "completed"
    [deployed] = link["deployments"]
    [prediction] = deployed["predictions"]
    assert prediction["origin"]["study"] == hashed_uid(series.study_uid)
    assert [(d["action"], d["to"]) for d in prediction["dicom"]] == [("dicom.result", None), ("dicom.sent", "pacs")]

    retrieved = retrieve_into_dataset(ws, chain["dataset"]["project_id"], node=node, study_uid=series.study_uid,
                                      series_uids=[series.uid], user="ana", transfer=Transfer())
    item = datasets.all_items(ws, retrieved.id)[0]
    from_item = trace.trace_item(ws, item.id)
    assert from_item["sources"][0]["origin"]["series"] == [hashed_uid(series.uid)]
    assert from_item["item"]["in_versions"] == [] and from_item["models"] == []  # no model trained on it yet


def zipped_series(series, target: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(target, "w") as archive:
        for path in series.files:
            archive.write(path, f"CD/{path.name}")
    return target


def test_a_test_page_upload_gets_its_seg_on_the_uploaded_series_and_no_other(served_segmentation, tmp_path):
    ws, deployment_id = served_segmentation
    series = write_ct_series(tmp_path / "ct", count=6, shape=(20, 20), pixel_spacing=(4.0, 4.0), step=6.0)
    other = write_ct_series(tmp_path / "other", count=6, shape=(20, 20), pixel_spacing=(4.0, 4.0), step=6.0,
                            origin=(50.0, 0.0, 0.0))
    upload = zipped_series(series, tmp_path / "scan.zip")
    answer = client.predict(ws, deployment_id, upload, user="ana")  # what the Test page's upload does
    with pytest.raises(InvalidInput, match="does not lie where this series' images are"):
        clinical.result_for_upload(ws, deployment_id, answer["prediction_id"],
                                   data=zipped_series(other, tmp_path / "other.zip").read_bytes(), user="ana")
    made = clinical.result_for_upload(ws, deployment_id, answer["prediction_id"], data=upload.read_bytes(),
                                      user="ana")
    assert made["kind"] == "SEG" and made["segments"] == ["liver", "tumour"]
    seg = pydicom.dcmread(io.BytesIO(clinical.result_file(deployment_id, answer["prediction_id"])))
    sources = [pydicom.dcmread(path, stop_before_pixels=True) for path in series.files]
    normal = np.cross((1.0, 0, 0), (0, 1.0, 0))
    positions = series.positions
    order = sorted(range(len(positions)), key=lambda k: float(np.asarray(positions[k]) @ normal))
    segmentation = highdicom.seg.Segmentation.from_dataset(seg)
    predicted = decode_mask(answer["predictions"][0]["mask"])
    for source in sources:
        pixels = segmentation.get_pixels_by_source_instance(
            source_sop_instance_uids=[str(source.SOPInstanceUID)], segment_numbers=[1, 2], combine_segments=True,
            assert_missing_frames_are_empty=True, ignore_spatial_locations=True)
        assert np.array_equal(pixels[0], predicted[:, :, order.index(int(source.InstanceNumber) - 1)].T)


def test_a_worklist_batch_predicts_each_series_sends_each_seg_and_says_which_failed(served_segmentation, orthanc,
                                                                                    tmp_path):
    from mass_ide.core.serving.batches import Batches

    ws, deployment_id = served_segmentation
    study_uid = generate_uid()
    first = write_ct_series(tmp_path / "one", count=6, shape=(20, 20), pixel_spacing=(4.0, 4.0), step=6.0,
                            study_uid=study_uid)
    second = write_ct_series(tmp_path / "two", count=6, shape=(20, 20), pixel_spacing=(4.0, 4.0), step=6.0,
                             study_uid=study_uid, number=2)
    orthanc.upload([*first.files, *second.files])
    nodes = {"pacs": parse_node(orthanc.node()), "modality": parse_node(orthanc.node("modality", protocol="dimse"))}
    batches = Batches(ws, nodes)
    worklist = [{"study_uid": study_uid, "series_uid": first.uid}, {"study_uid": study_uid, "series_uid": "1.2.3.4"},
                {"study_uid": study_uid, "series_uid": second.uid}]
    batch = batches.start(deployment_id, node="pacs", series=worklist, send_to="modality", user="ana")
    done = batches.wait(batch.id, timeout=300).to_json()
    assert done["state"] == "done" and done["total"] == 3 and done["done"] == 3 and done["failed"] == 1
    assert [item["state"] for item in done["items"]] == ["done", "failed", "done"]
    assert done["items"][1]["message"] and [item["accepted"] for item in done["items"]] == [1, None, 1]
    with dicomweb.client(nodes["pacs"]) as web:
        segs = web.search_for_series(study_instance_uid=study_uid, search_filters={"Modality": "SEG"})
    assert len(segs) == 2
    with pytest.raises(InvalidInput, match="between 1 and"):
        batches.start(deployment_id, node="pacs", series=[], user="ana")
    with pytest.raises(NotFound, match="no PACS node"):
        batches.start(deployment_id, node="nowhere", series=worklist, user="ana")
