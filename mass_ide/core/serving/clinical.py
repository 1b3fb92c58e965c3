"""Clinical inference on a PACS series: fetch it, predict, answer as DICOM, send that back.

This path works on identified data by design: a SEG or SR must reference the real study so that
the radiologist's viewer shows it beside the images. So nothing of the study is kept: the series
is fetched into a scratch folder removed afterwards, the DICOM result is held in this process's
memory only (a few, for a while) until it is sent or downloaded, and the audit log keeps the
prediction with hashed UIDs. A study is kept only when the user imports it (de-identified).
"""

import threading
import time
import uuid
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mass_ide.core import audit
from mass_ide.core.data.pacs.nodes import PacsNode, hashed_uid
from mass_ide.core.data.pacs.query import find_instances
from mass_ide.core.data.pacs.retrieve import Transfer, fetch_series
from mass_ide.core.data.pacs.send import send_objects
from mass_ide.core.errors import InvalidInput, NotFound
from mass_ide.core.serving import client, deployments, dicom_results, predictions
from mass_ide.core.serving.service import decode_mask
from mass_ide.core.workspace import Workspace

if TYPE_CHECKING:
    from pydicom import Dataset

KEPT_RESULTS = 8  # DICOM results held in memory, newest first
KEPT_SECONDS = 3600
MAX_PICTURES = 64  # images of one series a classifier answers for in one request


@dataclass
class DicomResult:
    """A DICOM result held in memory until it is sent: the object and what the audit may say of it."""

    deployment_id: int
    dataset: "Dataset"
    origin: dict
    made: float

    def summary(self) -> dict:
        """What the Test page and the PACS panel show of it (no patient data)."""
        ds = self.dataset
        kind = "SEG" if ds.Modality == "SEG" else "SR"
        described = {"segments": [str(s.SegmentLabel) for s in ds.SegmentSequence]} if kind == "SEG" else {}
        return {"kind": kind, "series_description": str(ds.get("SeriesDescription", "")), **described}


class KeptResults:
    """The few DICOM results of this process, by prediction id (memory only: never the workspace)."""

    def __init__(self):
        self._results: OrderedDict[str, DicomResult] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, prediction_id: str, result: DicomResult) -> None:
        with self._lock:
            self._results[prediction_id] = result
            while len(self._results) > KEPT_RESULTS:
                self._results.popitem(last=False)

    def get(self, deployment_id: int, prediction_id: str) -> DicomResult:
        """The result, or NotFound saying why it is gone (results are not kept on disk)."""
        with self._lock:
            found = self._results.get(prediction_id)
            if found and time.monotonic() - found.made > KEPT_SECONDS:
                self._results.pop(prediction_id)
                found = None
        if found is None or found.deployment_id != deployment_id:
            raise NotFound(f"deployment {deployment_id} holds no DICOM result for prediction {prediction_id!r}: "
                           "results on identified studies are kept in memory only, for an hour; predict again")
        return found


kept = KeptResults()


def _fetch(node: PacsNode, study_uid: str, series_uid: str, folder: Path) -> list[Path]:
    """The series' instances, fetched into ``folder``; their files."""
    instances = find_instances(node, study_uid, series_uid)
    if not instances:
        raise InvalidInput(f"PACS node {node.name} lists no instances in that series; search again")
    transfer = Transfer(total=len(instances))
    fetch_series(node, study_uid, series_uid, folder, transfer, instances)
    files = sorted(folder.glob("*.dcm"))
    if not files:
        raise InvalidInput("the series holds no images (" + "; ".join(transfer.skipped) + ")")
    return files


def _zipped(files: list[Path], target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for path in files:
            archive.write(path, path.name)
    return target


def _segment(ws, deployment: dict, *, files: list[Path], folder: Path, user: str, origin: dict):
    """One prediction on the zipped series and its SEG."""
    answer = client.predict(ws, deployment["id"], _zipped(files, folder / "series.zip"), user=user, origin=origin)
    [prediction] = answer["predictions"]
    if "mask" not in prediction:
        raise InvalidInput("this deployment's model does not segment; a classifier is answered with an SR")
    import pydicom

    sources = [pydicom.dcmread(path, stop_before_pixels=True) for path in files]
    seg = dicom_results.segmentation(sources, decode_mask(prediction["mask"]), np.asarray(prediction["affine"]),
                                     classes=prediction["classes"], model=answer["model"], version=answer["version"])
    return answer, seg


def _classify(ws, deployment: dict, *, files: list[Path], folder: Path, user: str, origin: dict):
    """One prediction per image of the series (as a picture) and one SR of their findings."""
    if len(files) > MAX_PICTURES:
        raise InvalidInput(f"the series has {len(files)} images; a classifier answers for at most {MAX_PICTURES} "
                           "at a time (choose a series of single images, e.g. radiographs or key slices)")
    import pydicom

    sources, results, answer, prediction_id = [], [], None, uuid.uuid4().hex  # one id for the series' answers
    for index, path in enumerate(files):
        source = pydicom.dcmread(path)
        picture = folder / f"image-{index}.png"
        picture.write_bytes(dicom_results.picture_png(source))
        answer = client.predict(ws, deployment["id"], picture, user=user, origin=origin, prediction_id=prediction_id)
        sources.append(source)
        results.append(answer["predictions"][0])
    report = dicom_results.structured_report(sources, results, model=answer["model"], version=answer["version"])
    return {**answer, "predictions": results}, report


def predict_series(ws: Workspace, deployment_id: int, *, node: PacsNode, study_uid: str, series_uid: str,
                   user: str) -> dict:
    """Predict on a series in the PACS with a running deployment and write the answer as DICOM (SEG or SR).

    The prediction answer as ``POST deployments/{dep}/predict`` gives it, with ``prediction_id``
    and ``result`` (what the DICOM object holds); the object waits in memory for :func:`send_result`.
    """
    deployment = deployments.running_deployment(ws, deployment_id)
    signature = deployment["signature"]
    origin = {"pacs": node.name, "study": hashed_uid(study_uid), "series": hashed_uid(series_uid)}
    with ws.scratch("clinical") as folder:
        files = _fetch(node, study_uid, series_uid, folder / "series")
        if signature["inputs"]["kind"] == "volume":
            answer, result = _segment(ws, deployment, files=files, folder=folder, user=user, origin=origin)
        elif signature["inputs"]["kind"] == "image":
            answer, result = _classify(ws, deployment, files=files, folder=folder, user=user, origin=origin)
        else:
            raise InvalidInput("this deployment's model takes table records, not images")
    return {**answer, "result": _keep(ws, deployment_id, answer["prediction_id"], result, origin, user)}


def _keep(ws: Workspace, deployment_id: int, prediction_id: str, result: "Dataset", origin: dict, user: str) -> dict:
    """Hold a DICOM result in memory for sending, audit it; what it holds."""
    made = DicomResult(deployment_id, result, {**origin, "object": hashed_uid(result.SOPInstanceUID)}, time.monotonic())
    kept.keep(prediction_id, made)
    audit.record(ws.db, user=user, action="dicom.result", target=f"deployment:{deployment_id}",
                 detail={"prediction_id": prediction_id, **made.summary(), **made.origin})
    return made.summary()


def _uploaded_sources(data: bytes, folder: Path) -> list["Dataset"]:
    """The image headers of an uploaded zip of one DICOM series (unpacked with the importer's checks)."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    from mass_ide.core.data.archives import unpack_zip
    from mass_ide.core.serving.inputs import UPLOAD_MAX_BYTES

    archive = folder / "series.zip"
    archive.write_bytes(data)
    unpack_zip(archive, folder / "series", max_bytes=UPLOAD_MAX_BYTES)
    sources = []
    for path in sorted((folder / "series").rglob("*")):
        try:
            found = pydicom.dcmread(path, stop_before_pixels=True) if path.is_file() else None
        except (InvalidDicomError, OSError, ValueError):
            continue
        if found is not None and "Rows" in found and "SOPInstanceUID" in found:
            sources.append(found)
    return sources


def result_for_upload(ws: Workspace, deployment_id: int, prediction_id: str, *, data: bytes, user: str) -> dict:
    """A DICOM SEG for a mask predicted from an uploaded zip of a DICOM series (the Test page), written on the
    series in that same zip, held in memory for :func:`send_result`; what it holds."""
    deployment = deployments.get_deployment(ws, deployment_id)
    mask, affine = predictions.kept_mask(ws, deployment_id, prediction_id)
    if mask.ndim != 3 or affine is None:
        raise InvalidInput("a DICOM SEG is written for a volume predicted from a DICOM series (a zip)")
    with ws.scratch("clinical") as folder:
        sources = _uploaded_sources(data, folder)
    dicom_results.check_one_series(sources)
    classes = deployment["signature"]["outputs"]["classes"]
    classes = classes if isinstance(classes, dict) else {str(i): name for i, name in enumerate(classes)}
    seg = dicom_results.segmentation(sources, mask, affine, classes=classes, model=deployment["model"],
                                     version=deployment["version"])
    origin = {"source": "upload", "study": hashed_uid(sources[0].StudyInstanceUID),
              "series": hashed_uid(sources[0].SeriesInstanceUID)}
    return _keep(ws, deployment_id, prediction_id, seg, origin, user)


def result_file(deployment_id: int, prediction_id: str) -> bytes:
    """The DICOM result as a Part 10 file (to open in a DICOM viewer)."""
    buffer = BytesIO()
    kept.get(deployment_id, prediction_id).dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def send_result(ws: Workspace, deployment_id: int, prediction_id: str, *, node: PacsNode, user: str) -> dict:
    """Send a kept DICOM result to ``node``; what the PACS accepted (audited with hashed UIDs)."""
    result = kept.get(deployment_id, prediction_id)
    sent = send_objects(node, [result.dataset])
    audit.record(ws.db, user=user, action="dicom.sent", target=f"deployment:{deployment_id}",
                 detail={"prediction_id": prediction_id, "kind": result.summary()["kind"], **result.origin,
                         "to": node.name, "protocol": sent["protocol"], "accepted": sent["accepted"],
                         "refused": [r["reason"] for r in sent["refused"]]})
    return sent
