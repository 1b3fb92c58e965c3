"""One trace from study to prediction, read from the store and the audit log.

From a prediction, a model version or a dataset item, the ``trace_*`` functions follow the chain
both ways: the studies and series the data came from (hashed UIDs, as the import's audit row keeps
them) and the datasets it was cleaned from → the dataset and its frozen version (digest) → the run
→ the model version and its alias history → its deployments → each prediction → the DICOM result
written for it and where it was sent, with who and when at each step. So a lead can answer "which
studies trained the model that produced this SEG?" from one answer.
"""

import json

from mass_ide.core.errors import NotFound
from mass_ide.core.workspace import Workspace

PREDICTIONS_SHOWN = 50  # the newest predictions of each deployment in a trace
DATASET_ACTIONS = ("dataset.import", "dataset.add", "dataset.clean")


def _events(ws: Workspace, where: str, args: list) -> list[dict]:
    """Audit rows, oldest first, as ``{action, at, by, detail}``."""
    rows = ws.db.execute(f"SELECT action, at, user, detail FROM audit WHERE {where} ORDER BY id", args).fetchall()
    return [{"action": action, "at": at, "by": user, "detail": json.loads(detail) if detail else {}}
            for action, at, user, detail in rows]


def _sources(ws: Workspace, dataset_id: int, seen: set[int] | None = None) -> list[dict]:
    """Where a dataset's items came from: its imports (with their PACS origin) and, for a cleaned dataset,
    the sources of the dataset it was cleaned from, oldest first."""
    seen = seen if seen is not None else set()
    if dataset_id in seen:
        return []
    seen.add(dataset_id)
    found = []
    placeholders = ", ".join("?" for _ in DATASET_ACTIONS)
    for event in _events(ws, f"target = ? AND action IN ({placeholders})", [f"dataset:{dataset_id}", *DATASET_ACTIONS]):
        detail = event["detail"]
        if event["action"] == "dataset.clean" and detail.get("derived_from") is not None:
            found += _sources(ws, int(detail["derived_from"]), seen)
        found.append({"dataset_id": dataset_id, "action": event["action"], "at": event["at"], "by": event["by"],
                      "source": detail.get("source"), "items": detail.get("items"), "origin": detail.get("origin"),
                      "derived_from": detail.get("derived_from")})
    return found


def _dataset(ws: Workspace, dataset_id: int) -> dict:
    row = ws.db.execute("SELECT id, name, project_id, item_count, created_at, created_by FROM datasets WHERE id = ?",
                        [dataset_id]).fetchone()
    if row is None:
        raise NotFound(f"no dataset with id {dataset_id}")
    return dict(zip(("id", "name", "project_id", "items", "at", "by"), row))


def _dataset_version(ws: Workspace, dataset_id: int, number: int | None) -> dict | None:
    row = ws.db.execute("SELECT number, digest, created_at, created_by FROM dataset_versions "
                        "WHERE dataset_id = ? AND number = ?", [dataset_id, number]).fetchone()
    return None if row is None else dict(zip(("number", "digest", "at", "by"), row))


def _run(ws: Workspace, run_id: int | None) -> dict | None:
    row = ws.db.execute("SELECT id, status, created_at, created_by, finished_at FROM runs WHERE id = ?",
                        [run_id]).fetchone()
    return None if row is None else dict(zip(("id", "status", "at", "by", "finished_at"), row))


def _aliases(ws: Workspace, model: str) -> list[dict]:
    """The alias history of a model: each set, move and removal, oldest first."""
    return [{"alias": e["detail"].get("alias"), "version": e["detail"].get("version"), "at": e["at"], "by": e["by"],
             "removed": e["action"] == "model.unalias"}
            for e in _events(ws, "target = ? AND action IN ('model.alias', 'model.unalias')", [f"model:{model}"])]


def _predictions(ws: Workspace, deployment_id: int, prediction_id: str | None) -> list[dict]:
    """A deployment's predictions (one, or the newest), each with its DICOM result and where it was sent; the
    requests of one result (a classifier's, image by image) count as one prediction."""
    where, args = "target = ? AND action = 'prediction'", [f"deployment:{deployment_id}"]
    if prediction_id:
        where, args = where + " AND json_extract(detail, '$.prediction_id') = ?", [*args, prediction_id]
    found = _events(ws, where, args)[-PREDICTIONS_SHOWN:]
    ids = [e["detail"]["prediction_id"] for e in found if e["detail"].get("prediction_id")]
    placeholders = ", ".join("?" for _ in ids) or "NULL"
    dicom = _events(ws, f"target = ? AND action IN ('dicom.result', 'dicom.sent') AND "
                        f"json_extract(detail, '$.prediction_id') IN ({placeholders})", [f"deployment:{deployment_id}",
                                                                                          *ids])
    predictions: dict[object, dict] = {}  # one entry per prediction id (a classifier's images share one)
    for index, event in enumerate(reversed(found)):
        key = event["detail"].get("prediction_id")
        if (key or index) in predictions:
            predictions[key]["requests"] += 1
            continue
        predictions[key or index] = {
            "prediction_id": key, "at": event["at"], "by": event["by"], "origin": event["detail"].get("origin"),
            "input_sha256": event["detail"].get("input_sha256"), "requests": 1,
            "dicom": [{"action": d["action"], "at": d["at"], "by": d["by"], "kind": d["detail"].get("kind"),
                       "object": d["detail"].get("object"), "to": d["detail"].get("to"),
                       "accepted": d["detail"].get("accepted"), "refused": d["detail"].get("refused")}
                      for d in dicom if key and d["detail"].get("prediction_id") == key]}
    return list(predictions.values())


def _deployments(ws: Workspace, version_id: int, *, only: int | None, prediction_id: str | None) -> list[dict]:
    rows = ws.db.execute("SELECT id, status, runtime, created_at, created_by, stopped_at FROM deployments "
                         "WHERE version_id = ? ORDER BY id", [version_id]).fetchall()
    return [{**dict(zip(("id", "status", "runtime", "at", "by", "stopped_at"), row)),
             "predictions": _predictions(ws, row[0], prediction_id if row[0] == only else None)}
            for row in rows if only is None or row[0] == only]


def _model_link(ws: Workspace, version_id: int, *, deployment: int | None = None,
                prediction_id: str | None = None) -> dict:
    """A model version with what it was trained on and what it answered."""
    row = ws.db.execute(
        "SELECT m.name, v.number, v.digest, v.created_at, v.created_by, v.run_id, v.dataset_id, v.dataset_version, "
        "v.dataset_digest, v.deleted_at FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.id = ?",
        [version_id]).fetchone()
    if row is None:
        raise NotFound(f"no model version with id {version_id}")
    name, number, digest, at, by, run_id, dataset_id, dataset_version, dataset_digest, deleted = row
    return {"model": name, "version": number, "digest": digest, "at": at, "by": by, "deleted_at": deleted,
            "dataset_id": dataset_id, "dataset_version": _dataset_version(ws, dataset_id, dataset_version)
            or ({"number": dataset_version, "digest": dataset_digest} if dataset_version else None),
            "run": _run(ws, run_id), "aliases": _aliases(ws, name),
            "deployments": _deployments(ws, version_id, only=deployment, prediction_id=prediction_id)}


def _chain(ws: Workspace, dataset_id: int | None, models: list[dict], start: dict, item: dict | None = None) -> dict:
    return {"start": start, "sources": _sources(ws, dataset_id) if dataset_id is not None else [],
            "dataset": _dataset(ws, dataset_id) if dataset_id is not None else None, "item": item, "models": models}


def trace_prediction(ws: Workspace, deployment_id: int, prediction_id: str) -> dict:
    """The chain of one prediction: its data's studies through to the DICOM result sent for it."""
    if not ws.db.execute("SELECT 1 FROM audit WHERE target = ? AND action = 'prediction' AND "
                         "json_extract(detail, '$.prediction_id') = ?",
                         [f"deployment:{deployment_id}", prediction_id]).fetchone():
        raise NotFound(f"deployment {deployment_id} made no prediction {prediction_id!r}")
    version_id = ws.db.execute("SELECT version_id FROM deployments WHERE id = ?", [deployment_id]).fetchone()[0]
    link = _model_link(ws, version_id, deployment=deployment_id, prediction_id=prediction_id)
    return _chain(ws, link["dataset_id"], [link], {"kind": "prediction", "prediction_id": prediction_id})


def trace_version(ws: Workspace, name: str, ref: object = None) -> dict:
    """The chain of version ``ref`` of model ``name`` (a number, "latest" or "@alias"): its data's studies, its
    deployments and their newest predictions."""
    from mass_ide.core import registry

    link = _model_link(ws, registry.get_version(ws, name, ref)["id"])
    return _chain(ws, link["dataset_id"], [link], {"kind": "version", "model": link["model"],
                                                   "version": link["version"]})


def trace_item(ws: Workspace, item_id: int) -> dict:
    """The chain of one dataset item: where it came from, and every model version trained on a frozen version
    that holds it, with their deployments and predictions."""
    row = ws.db.execute("SELECT dataset_id, key, sha256 FROM items WHERE id = ?", [item_id]).fetchone()
    if row is None:
        raise NotFound(f"no item with id {item_id}")
    dataset_id, key, sha256 = row
    holding = [number for number, manifest in ws.db.execute(
        "SELECT number, manifest FROM dataset_versions WHERE dataset_id = ?", [dataset_id]).fetchall()
        if key in _manifest_keys(manifest)]
    placeholders = ", ".join("?" for _ in holding) or "NULL"
    versions = ws.db.execute(f"SELECT id FROM model_versions WHERE dataset_id = ? AND dataset_version IN "
                             f"({placeholders}) ORDER BY id", [dataset_id, *holding]).fetchall()
    item = {"id": item_id, "key": key, "sha256": sha256, "in_versions": holding}
    return _chain(ws, dataset_id, [_model_link(ws, version) for (version,) in versions],
                  {"kind": "item", "item_id": item_id}, item)


def _manifest_keys(manifest: str) -> set[str]:
    """The item keys a frozen version's manifest lists."""
    return {entry["key"] for entry in json.loads(manifest)}
