"""Retrieving series from a PACS into a de-identified dataset, instance by instance, resumable.

Each instance is fetched (WADO-RS, or C-GET when the node has only DIMSE) and written
straight to a download folder under ``uploads/pacs/``: memory holds one instance at a
time whatever the series size. A series none of which is there yet comes in one request
(a streamed series-level WADO-RS, or one C-GET), else one request per missing instance:
instances already in that folder are not fetched again, so a retrieval the PACS broke off
resumes where it stopped when it is started again. When every instance is there, the
folder goes through the one importer (the same PS3.15 de-identification and report as an
upload) and is deleted; on a failure nothing is imported.
"""

import hashlib
import io
import os
import shutil
import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from mass_ide.core.data.pacs import dicomweb, dimse
from mass_ide.core.data.pacs.nodes import PacsNode, hashed_uid
from mass_ide.core.data.pacs.query import find_instances, find_series
from mass_ide.core.errors import InvalidInput, RemoteUnavailable

DOWNLOADS = Path("uploads") / "pacs"  # under the workspace; kept across restarts so that a retrieval resumes
STREAM_CHUNK_BYTES = 16 * 1024  # a series-level WADO-RS stream is read this much at a time


class Cancelled(Exception):
    """The user cancelled the retrieval."""


@dataclass
class Transfer:
    """How far a retrieval is: instances to fetch, fetched, and what was left out and why."""

    total: int = 0
    done: int = 0
    present: int = 0  # found in the download folder from an earlier, interrupted try
    skipped: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def check_cancelled(self) -> None:
        if self.stop.is_set():
            raise Cancelled()


def download_folder(root: Path, node: PacsNode, study_uid: str, series_uids: list[str]) -> Path:
    """The download folder of one selection of series: the same selection resumes in the same folder."""
    key = "\n".join([node.name, study_uid, *sorted(series_uids)])
    return root / DOWNLOADS / hashlib.sha256(key.encode()).hexdigest()[:24]


def _instance_file(folder: Path, sop_uid: str) -> Path:
    return folder / f"{hashlib.sha256(sop_uid.encode()).hexdigest()[:24]}.dcm"


def _keep(ds, folder: Path, transfer: Transfer) -> None:
    """Write one received instance (atomically) unless it holds no image, which is listed as skipped."""
    if "PixelData" not in ds:
        kind = getattr(ds.get("SOPClassUID"), "name", None) or "an object without pixel data"
        transfer.skipped.append(f"an instance of {kind} (no image)")
        return
    if getattr(ds, "buffer", None) is not None:
        ds.buffer = None  # the bytes it was read from (pydicom's FileDataset.buffer): not held while it is written
    pixels = ds["PixelData"]
    if isinstance(pixels.value, bytes):  # written from a buffer sharing these bytes: pydicom copies others whole
        pixels.value = io.BytesIO(pixels.value)
    target = _instance_file(folder, str(ds.SOPInstanceUID))
    part = target.with_suffix(".part")
    ds.save_as(part, enforce_file_format=True)
    os.replace(part, target)


def _fetch_dicomweb(node: PacsNode, study_uid: str, series_uid: str, sop_uids: list[str], folder: Path,
                    transfer: Transfer, *, whole_series: bool) -> None:
    """WADO-RS: the series in one streamed request when none of it is here yet, then one request per instance
    for what is still missing (all of it when resuming)."""
    wanted = dict.fromkeys(sop_uids)
    with dicomweb.client(node) as web:
        if whole_series and wanted:
            transfer.check_cancelled()
            web.set_chunk_size(STREAM_CHUNK_BYTES)
            with closing(web.iter_series(study_uid, series_uid)) as stream:
                for ds in stream:
                    sop_uid = str(ds.get("SOPInstanceUID", ""))
                    if sop_uid in wanted:  # else not asked for (stored in the PACS after the plan, say)
                        del wanted[sop_uid]
                        _keep(ds, folder, transfer)
                        transfer.done += 1
                    del ds  # not held while the next instance is read
                    transfer.check_cancelled()
                    if not wanted:
                        break
        for sop_uid in wanted:
            transfer.check_cancelled()
            _keep(web.retrieve_instance(study_uid, series_uid, sop_uid), folder, transfer)
            transfer.done += 1


def _get_queries(study_uid: str, series_uid: str, instances: list[dict], *, whole_series: bool) -> list:
    """C-GET identifiers: the whole series in one, or one per instance (to fetch only what is missing)."""
    from pydicom import Dataset

    queries = []
    for sop_uid in [None] if whole_series else [i["sop_uid"] for i in instances]:
        query = Dataset()
        query.QueryRetrieveLevel = "SERIES" if sop_uid is None else "IMAGE"
        query.StudyInstanceUID, query.SeriesInstanceUID = study_uid, series_uid
        if sop_uid is not None:
            query.SOPInstanceUID = sop_uid
        queries.append(query)
    return queries


def _fetch_dimse(node: PacsNode, study_uid: str, series_uid: str, instances: list[dict], folder: Path,
                 transfer: Transfer, *, whole_series: bool) -> None:
    """C-GET on one association, the instances arriving as C-STORE sub-operations."""
    from pynetdicom import evt
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet as StudyRootGet

    def on_store(event) -> int:
        if transfer.stop.is_set():
            return 0xA700  # out of resources: the PACS stops sending, and the retrieval ends as cancelled
        ds = event.dataset
        ds.file_meta = event.file_meta
        _keep(ds, folder, transfer)
        transfer.done += 1
        return 0x0000

    storage = sorted({instance["sop_class"] for instance in instances if instance["sop_class"]})
    with dimse.associate(node, requested=[StudyRootGet], storage=storage,
                         handlers=[(evt.EVT_C_STORE, on_store)]) as association:
        for query in _get_queries(study_uid, series_uid, instances, whole_series=whole_series):
            transfer.check_cancelled()
            for status, _ in association.send_c_get(query, StudyRootGet):
                transfer.check_cancelled()
                if not status:
                    raise RemoteUnavailable(f"PACS node {node.name} stopped answering the C-GET")
                if status.Status not in (0x0000, 0xFF00, 0xB000):
                    raise RemoteUnavailable(f"PACS node {node.name} refused to send instances (C-GET status "
                                            f"0x{status.Status:04X})")


def fetch_series(node: PacsNode, study_uid: str, series_uid: str, folder: Path, transfer: Transfer,
                 instances: list[dict]) -> None:
    """Fetch the ``instances`` of one series into ``folder`` that are not there yet."""
    folder.mkdir(parents=True, exist_ok=True)
    missing = [i for i in instances if not _instance_file(folder, i["sop_uid"]).exists()]
    transfer.present += len(instances) - len(missing)
    transfer.done += len(instances) - len(missing)
    whole_series = len(missing) == len(instances)  # nothing here yet: one request (C-GET, WADO-RS) for the series
    if node.has_dicomweb:
        _fetch_dicomweb(node, study_uid, series_uid, [i["sop_uid"] for i in missing], folder, transfer,
                        whole_series=whole_series)
    else:
        _fetch_dimse(node, study_uid, series_uid, missing, folder, transfer, whole_series=whole_series)


def _unique(instances: list[dict]) -> list[dict]:
    """The instances without repeated SOP Instance UIDs (a PACS may list one twice)."""
    seen: dict[str, dict] = {}
    for instance in instances:
        if instance["sop_uid"]:
            seen.setdefault(instance["sop_uid"], instance)
    return list(seen.values())


def plan(node: PacsNode, study_uid: str, series_uids: list[str], transfer: Transfer) -> dict[str, list[dict]]:
    """The image series asked for and their instances; reports and other non-image series are listed as skipped."""
    if not series_uids:
        raise InvalidInput("choose at least one series to retrieve")
    known = {series["series_uid"]: series for series in find_series(node, study_uid)}
    unknown = [uid for uid in series_uids if uid not in known]
    if unknown:
        raise InvalidInput(f"{len(unknown)} of the chosen series are not in that study on PACS node {node.name}; "
                           "search again")
    chosen: dict[str, list[dict]] = {}
    for uid in dict.fromkeys(series_uids):
        series = known[uid]
        if not series["images"]:
            transfer.skipped.append(f"series {series['series_number']} ({series['modality']}): not images")
            continue
        chosen[uid] = _unique(find_instances(node, study_uid, uid))
    if not chosen:
        raise InvalidInput("the chosen series hold no images (reports, presentation states or key objects only)")
    transfer.total = sum(len(instances) for instances in chosen.values())
    return chosen


def download(node: PacsNode, study_uid: str, series_uids: list[str], folder: Path, transfer: Transfer) -> None:
    """Every image instance of the chosen series into ``folder``, one sub-folder per series."""
    for series_uid, instances in plan(node, study_uid, series_uids, transfer).items():
        fetch_series(node, study_uid, series_uid, folder / hashed_uid(series_uid), transfer, instances)


def retrieve_into_dataset(ws, project_id: str, *, node: PacsNode, study_uid: str, series_uids: list[str], user: str,
                          transfer: Transfer, name: str | None = None, deid=None,
                          on_importing: Callable[[], None] = lambda: None):
    """Fetch the chosen series and import them, de-identified, as one new dataset (one item per series).

    Raises :class:`Cancelled` (the download folder removed), or :class:`RemoteUnavailable`
    (the folder kept: the same retrieval started again fetches only what is missing).
    """
    from mass_ide.core.data.datasets import commit_import, deid_salt, stage_import
    from mass_ide.core.projects import get_project

    get_project(ws, project_id)
    folder = download_folder(ws.root, node, study_uid, series_uids)
    try:
        download(node, study_uid, series_uids, folder, transfer)
        transfer.check_cancelled()
    except Cancelled:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    on_importing()
    staged = stage_import(ws, project_id, source=folder, salt=deid_salt(ws), deid=deid)
    staged.report.source_name = f"PACS {node.name}"
    staged.report.warnings += transfer.skipped
    origin = {"pacs": node.name, "study": hashed_uid(study_uid), "series": [hashed_uid(uid) for uid in series_uids],
              "instances": transfer.total, "resumed_with": transfer.present, "skipped": len(transfer.skipped)}
    dataset = commit_import(ws, staged, name=name or f"From PACS {node.name}", user=user, origin=origin)
    shutil.rmtree(folder, ignore_errors=True)
    return dataset
