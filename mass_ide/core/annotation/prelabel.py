"""Pre-labelling: the project's latest model suggests labels and masks for unlabelled items.

``start(ws, dataset_id, user=)`` queues a job and starts a worker process
(``python -m mass_ide.core.annotation.prelabel WORKSPACE JOB``) that predicts every
unlabelled item with the newest registered model version fitting the dataset,
and stores one suggestion per item: the class with its probabilities, or a mask
file on the item's own grid. Each suggestion keeps the model's uncertainty
(normalised entropy), so unlabelled items can be ordered most uncertain first
(active learning). The annotator accepts a suggestion (it becomes their label,
recorded in the audit log) or corrects it. The worker is started, watched and
stopped through :mod:`mass_ide.core.processes`; a job whose worker died is marked failed.
"""

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

import numpy as np

from mass_ide.core import audit, processes
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data.datasets import Item, get_dataset, get_item, list_items
from mass_ide.core.data.geometry import item_grid
from mass_ide.core.errors import Conflict, InvalidInput, NotFound
from mass_ide.core.workspace import Workspace, run_in_workspace

INPUT_KINDS = {"record": "table", "image": "image", "volume": "volume"}  # item kind → model input kind
KIND_WORDS = {"table": "table records", "image": "images", "volume": "volumes"}
ACTIVE = ("queued", "running")
TABLE_CHUNK = 256
WORKERS = processes.Workers()  # the pre-label workers this process started, by (workspace folder, job id)


def suitable_version(ws: Workspace, dataset_id: int) -> dict:
    """The newest live model version of the dataset's project whose input fits the dataset's items."""
    dataset = get_dataset(ws, dataset_id)
    first = list_items(ws, dataset_id, limit=1)[0]
    if not first:
        raise InvalidInput(f"dataset {dataset_id} has no items to pre-label")
    wanted = INPUT_KINDS[first[0].kind]
    rows = ws.db.execute(
        "SELECT v.id, v.number, v.signature, m.name FROM model_versions v JOIN models m ON m.id = v.model_id "
        "WHERE m.project_id = ? AND m.deleted_at IS NULL AND v.deleted_at IS NULL ORDER BY v.id DESC",
        [dataset.project_id]).fetchall()
    for version_id, number, signature, name in rows:
        if json.loads(signature)["inputs"]["kind"] == wanted:
            return {"id": version_id, "number": number, "model": name}
    raise NotFound(f"no registered model of this project takes {KIND_WORDS[wanted]}; train one on this "
                   "dataset (a finished run registers its model) and pre-label again")


def job_json(ws: Workspace, row: dict) -> dict:
    """A job with its model's name and version number."""
    name, number = ws.db.execute("SELECT m.name, v.number FROM model_versions v JOIN models m ON m.id = v.model_id "
                                 "WHERE v.id = ?", [row["version_id"]]).fetchone()
    return {**row, "model": name, "version": number}


def _unlabelled(ws: Workspace, dataset_id: int, *, limit: int) -> tuple[list[Item], int]:
    """The items pre-labelling predicts: those without a label, a mask or a class in the table's class column."""
    return list_items(ws, dataset_id, unlabelled_only=True, limit=limit,
                      class_column=annotations.dataset_class_column(ws, dataset_id))


def prelabel_status(ws: Workspace, dataset_id: int) -> dict:
    """The dataset's newest job (None when there was none) and how many of its items have a suggestion.

    The annotation view asks this once, and asks for an item's suggestion only when there are some.
    """
    job = latest_job(ws, dataset_id)
    count = ws.db.execute("SELECT count(*) FROM suggestions s JOIN items i ON i.id = s.item_id WHERE i.dataset_id = ?",
                          [dataset_id]).fetchone()[0]
    return {"job": job, "suggestions": int(count)}


def latest_job(ws: Workspace, dataset_id: int) -> dict | None:
    """The dataset's newest pre-label job; one whose worker died is marked failed first."""
    get_dataset(ws, dataset_id)
    ended = dict(WORKERS.ended())  # every pre-label worker of this process that exited is reaped here
    rows = list(ws.db["prelabel_jobs"].rows_where("dataset_id = ?", [dataset_id], order_by="id desc", limit=1))
    if not rows:
        return None
    job = rows[0]
    if job["status"] in ACTIVE and job["pid"] and not _worker_running(ws, job, ended):
        _update(ws, job["id"], status="failed", error="the pre-label worker stopped before it finished",
                finished_at=audit.now_iso())
        job = ws.db["prelabel_jobs"].get(job["id"])
    return job_json(ws, job)


def _worker_running(ws: Workspace, job: dict, ended: dict) -> bool:
    """Whether the job's worker still runs: the one started here (``ended``: those that just exited), else by its
    pid (a worker a previous server started)."""
    key = (str(ws.root), job["id"])
    worker = ended.get(key) or WORKERS.children.get(key)
    if worker is not None and worker.pid == job["pid"]:
        return worker.running
    return processes.pid_alive(job["pid"])


def start(ws: Workspace, dataset_id: int, *, user: str, launch: bool = True) -> dict:
    """Queue a job for the dataset's unlabelled items and (``launch``) start its worker process."""
    running = latest_job(ws, dataset_id)
    if running and running["status"] in ACTIVE:
        raise Conflict(f"pre-labelling of dataset {dataset_id} is already {running['status']} "
                       f"({running['done']} of {running['total']} items)")
    version = suitable_version(ws, dataset_id)
    total = _unlabelled(ws, dataset_id, limit=1)[1]
    with ws.db.atomic():
        job_id = ws.db["prelabel_jobs"].insert({
            "dataset_id": dataset_id, "version_id": version["id"], "status": "queued", "done": 0, "total": total,
            "created_at": audit.now_iso(), "created_by": user}).last_pk
        audit.record(ws.db, user=user, action="prelabel.start", target=f"dataset:{dataset_id}",
                     detail={"job": job_id, "model": version["model"], "version": version["number"]})
    if launch:
        command = [sys.executable, "-m", "mass_ide.core.annotation.prelabel", str(ws.root), str(job_id)]
        _update(ws, job_id, pid=WORKERS.start((str(ws.root), job_id), command).pid)
    return job_json(ws, ws.db["prelabel_jobs"].get(job_id))


def stop(ws: Workspace, job_id: int, *, user: str, grace_s: float = processes.STOP_GRACE_S) -> dict:
    """Stop a queued or running job's worker (SIGTERM, SIGKILL after ``grace_s``) and mark the job failed."""
    found = list(ws.db["prelabel_jobs"].rows_where("id = ?", [job_id]))
    if not found:
        raise NotFound(f"no pre-label job with id {job_id}")
    if found[0]["status"] not in ACTIVE:
        raise Conflict(f"pre-label job {job_id} is already {found[0]['status']}")
    worker = WORKERS.children.pop((str(ws.root), job_id), None) or processes.adopt(found[0]["pid"])
    if worker is not None:
        worker.stop(grace_s=grace_s)
    with ws.db.atomic():  # unless it finished meanwhile
        ws.db.execute("UPDATE prelabel_jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND "
                      "status IN (?, ?)", [f"stopped by {user}", audit.now_iso(), job_id, *ACTIVE])
        audit.record(ws.db, user=user, action="prelabel.stop", target=f"dataset:{found[0]['dataset_id']}",
                     detail={"job": job_id})
    return job_json(ws, ws.db["prelabel_jobs"].get(job_id))


def _update(ws: Workspace, job_id: int, **fields) -> None:
    """Change a job's row in one transaction."""
    with ws.db.atomic():
        ws.db["prelabel_jobs"].update(job_id, fields)


def suggestion_file(ws: Workspace, item: Item) -> Path:
    """Where the suggested mask of an item lives: ``projects/<id>/suggestions/<item id>.nii``."""
    return ws.projects_dir / get_dataset(ws, item.dataset_id).project_id / "suggestions" / f"{item.id}.nii"


def _store(ws: Workspace, item: Item, *, version_id: int, result: dict) -> None:
    """Keep one prediction as the item's suggestion (a mask goes to its own file first)."""
    mask_path = None
    if "mask" in result:
        mask = result["mask"]
        values = mask.T[..., None] if item.kind == "image" else mask  # pictures: [H, W] → the mask grid x, y, 1
        path = suggestion_file(ws, item)
        path.unlink(missing_ok=True)
        shape, affine = item_grid(item)
        if values.shape != shape:
            raise InvalidInput(f"the model's mask for item {item.id} is {values.shape}, not the item's {shape}")
        target = annotations.open_mask(path, shape, affine, "r+")
        target[:] = values
        target.flush()
        mask_path = path.name
    probabilities = result.get("probabilities")
    with ws.db.atomic():
        ws.db["suggestions"].upsert({
            "item_id": item.id, "version_id": version_id, "label": result.get("class"),
            "probabilities": json.dumps(probabilities) if probabilities else None,
            "uncertainty": float(result["uncertainty"]), "mask_path": mask_path, "created_at": audit.now_iso()},
            pk="item_id")


def _inputs(items: list[Item]) -> list:
    """What the predictor takes for each item: a record's values, or the image or volume file."""
    return [item.meta if item.kind == "record" else item.file for item in items]


def run(ws: Workspace, job_id: int) -> str:
    """Predict every unlabelled item of the job's dataset, storing suggestions as they come; the final status."""
    from mass_ide.core import registry
    from mass_ide.core.serving.predictor import Predictor

    job = ws.db["prelabel_jobs"].get(job_id)
    _update(ws, job_id, status="running", pid=os.getpid())
    try:
        predictor = Predictor.load(registry.version_by_id(ws, job["version_id"])["model_file"])
        items = _unlabelled(ws, job["dataset_id"], limit=-1)[0]
        _update(ws, job_id, total=len(items))
        step = TABLE_CHUNK if predictor.batchable else 1
        for start_at in range(0, len(items), step):
            chunk = items[start_at:start_at + step]
            for item, result in zip(chunk, predictor.predict(_inputs(chunk))):
                _store(ws, item, version_id=job["version_id"], result=result)
            _update(ws, job_id, done=start_at + len(chunk))
    except Exception:
        _update(ws, job_id, status="failed", error=traceback.format_exc(), finished_at=audit.now_iso())
        raise
    _update(ws, job_id, status="completed", finished_at=audit.now_iso())
    return "completed"


def get_suggestion(ws: Workspace, item_id: int) -> dict:
    """The model's suggestion for an item, with the model's name and version number."""
    item = get_item(ws, item_id)
    rows = list(ws.db.query(
        "SELECT s.*, m.name AS model, v.number AS version FROM suggestions s "
        "JOIN model_versions v ON v.id = s.version_id JOIN models m ON m.id = v.model_id WHERE s.item_id = ?",
        [item.id]))
    if not rows:
        raise NotFound(f"item {item_id} has no suggestion yet; pre-label its dataset first")
    found = rows[0]
    return {"item_id": item.id, "label": found["label"], "uncertainty": found["uncertainty"],
            "probabilities": json.loads(found["probabilities"]) if found["probabilities"] else None,
            "has_mask": found["mask_path"] is not None, "model": found["model"], "version": found["version"],
            "created_at": found["created_at"]}


def read_suggestion_slice(ws: Workspace, item_id: int, *, axis: str, index: int) -> np.ndarray:
    """One slice of the suggested mask, in voxel order (as :func:`annotations.read_mask_slice`)."""
    item = get_item(ws, item_id)
    if not get_suggestion(ws, item_id)["has_mask"]:
        raise NotFound(f"the suggestion for item {item_id} is a class, not a mask")
    return annotations.read_slice(suggestion_file(ws, item), item, axis=axis, index=index)


def accept(ws: Workspace, item_id: int, *, expected_version: int, user: str) -> annotations.Annotation:
    """Make the suggestion the item's annotation (the annotator corrects it from there); 409 on a stale version."""
    item = get_item(ws, item_id)
    suggestion = get_suggestion(ws, item_id)
    source = {"model": suggestion["model"], "version": suggestion["version"]}
    if suggestion["has_mask"]:
        shape, affine = item_grid(item)
        values = np.array(annotations.open_mask(suggestion_file(ws, item), shape, affine, "r"))
        return annotations.write_mask_volume(ws, item.id, values=values, expected_version=expected_version,
                                             user=user, source=source)
    return annotations.set_label(ws, item.id, label=suggestion["label"], expected_version=expected_version,
                                 user=user, source=source)


def main(argv: list[str] | None = None) -> int:
    """Entry point of a pre-label worker process."""
    parser = argparse.ArgumentParser(description="Pre-label a dataset's unlabelled items with a registered model.")
    parser.add_argument("workspace", type=Path)
    parser.add_argument("job", type=int)
    args = parser.parse_args(argv)
    return run_in_workspace(args.workspace, lambda ws: run(ws, args.job))


if __name__ == "__main__":
    sys.exit(main())
