"""Evaluate a deployment on a labelled dataset version: every sample goes through its endpoint.

The report has the shape of training's evaluation reports: accuracy, balanced accuracy,
ROC AUC, confusion matrix and ROC curve for classifiers; per-case and mean Dice for masks.
Reading the dataset and writing the audit record happen in the caller's thread;
:func:`run_evaluation` only talks HTTP to the worker, so a server can run it in a thread.

By default only items the model never trained on are scored ("unseen"): on the version it
was trained on, the run's validation split; on another version, its items that are not in
the training split. ``"all"`` scores every labelled item and says how many were trained on.
"""

import json
import math
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mass_ide.core import audit
from mass_ide.core.errors import InvalidInput, WorkerUnavailable
from mass_ide.core.serving.deployments import (
    USER_ERRORS,
    deployment_dir,
    relayed_refusal,
    running_deployment,
    worker_message,
)
from mass_ide.core.serving.service import decode_mask
from mass_ide.core.workspace import Workspace

RECORDS_PER_REQUEST = 256
TIMEOUT_S = 600
ITEMS = ("unseen", "all")  # which labelled items an evaluation scores


class WorkerFailed(Exception):
    """A worker's error answer that is not the user's to fix (a 5xx): the worker failed."""

    def __init__(self, code: int, body: bytes):
        super().__init__(f"the deployment's worker failed (HTTP {code}: {worker_message(body)})")
        self.code, self.body = code, body


@dataclass
class WorkerClient:
    """Predictions from a deployment's worker over loopback, with its key."""

    port: int
    secret: str = field(repr=False)  # never shown, not even in a traceback's locals or a notebook's output
    answered: int = 0  # requests the worker answered, for the deployment's request count

    def _post(self, body: bytes, content_type: str, query: str = "") -> dict:
        """POST to the worker's /predict; InvalidInput with the worker's message on a 400 or 413, else WorkerFailed."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/predict{query}", data=body, method="POST",
                                         headers={"Content-Type": content_type, "X-API-Key": self.secret})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
                answered = json.loads(answer.read())
                self.answered += 1
                return answered
        except urllib.error.HTTPError as error:
            body = error.read()
            if error.code in USER_ERRORS:
                raise InvalidInput(f"the deployment refused a sample: {worker_message(body)}") from None
            raise WorkerFailed(error.code, body) from None

    def predict_records(self, records: list[dict]) -> list[dict]:
        """Predictions of table records."""
        return self._post(json.dumps({"records": records}).encode(), "application/json")["predictions"]

    def predict_file(self, path: Path) -> dict:
        """The prediction of one picture or volume file."""
        query = "?" + urllib.parse.urlencode({"filename": path.name})
        return self._post(Path(path).read_bytes(), "application/octet-stream", query)["predictions"][0]


def newest_version(ws: Workspace, dataset_id: int) -> int:
    """The number of a dataset's newest frozen version (InvalidInput when it has none)."""
    from mass_ide.core.data.datasets import list_versions

    found = list_versions(ws, dataset_id)
    if not found:
        raise InvalidInput(f"dataset {dataset_id} has no frozen version to evaluate on; freeze one first")
    return found[0]["number"]


def evaluation_data(ws: Workspace, deployment: dict, *, dataset_id: int, version: int, items: str = "unseen"):
    """The labelled samples of a dataset version to score, read as the deployed model's training read them.

    ``items``: "unseen" (the items the model did not train on) or "all". Returns the data, the
    training configuration and what is scored (``{"items", "which", "training_items_included", "keys",
    "warning"}``; the warning is None unless training items are among them).
    """
    from mass_ide.core.registry import version_by_id
    from mass_ide.core.training import load_training_data

    if items not in ITEMS:
        raise InvalidInput(f"'items' is one of: {', '.join(ITEMS)} (not {items!r})")
    lineage = version_by_id(ws, deployment["version_id"])["lineage"]
    config = lineage["config"]
    if not config:
        raise InvalidInput(f"model {deployment['model']!r} v{deployment['version']} has no training configuration "
                           "to read a dataset with")
    data = load_training_data(ws, dataset_id, version, {**config, "unlabelled": "skip"})
    if lineage["dataset_id"] is None or lineage["dataset_version"] is None:
        trained = None  # an imported model: what it trained on is not recorded
    else:
        trained = training_keys(ws, lineage) if lineage["dataset_id"] == dataset_id else set()
    data, scored = _chosen(data, items=items, trained=trained, lineage=lineage, version=version)
    return data, config, scored


def training_keys(ws: Workspace, lineage: dict) -> set[str]:
    """The keys of the items a registered version was trained on (its lineage names a dataset version).

    The run's recorded split when it has one, else the same seeded split drawn again on its
    training version with its configuration.
    """
    from mass_ide.core import runs
    from mass_ide.core.errors import MassError

    if lineage["run_id"] is not None:
        try:
            split = ((runs.get_run(ws, lineage["run_id"])["result"] or {}).get("report") or {}).get("split") or {}
        except MassError:
            split = {}
        if "train" in split:
            return set(split["train"])
    from mass_ide.core.training import load_training_data
    from mass_ide.core.training.split import split_samples

    config = lineage["config"]
    data = load_training_data(ws, lineage["dataset_id"], lineage["dataset_version"], config, verify_files=False)
    split = split_samples(count=len(data), fraction=float(config.get("validation_split", 0.2)),
                          seed=int(config.get("seed", 0)), targets=None if data.masks else data.targets)
    return {data.keys[i] for i in split.train}


def _subset(data, indices: list[int]):
    """The samples of ``data`` at ``indices``, in order."""
    return replace(data, keys=[data.keys[i] for i in indices],
                   features=None if data.features is None else data.features[indices],
                   targets=None if data.targets is None else np.asarray(data.targets)[indices],
                   images=[data.images[i] for i in indices] if data.images else [],
                   masks=[data.masks[i] for i in indices] if data.masks else [])


def _chosen(data, *, items: str, trained: set[str] | None, lineage: dict, version: int) -> tuple:
    """The samples to score and the report's ``scored`` part (a ``warning`` in it when training items are in)."""
    same = lineage["dataset_id"] == data.dataset_id
    if trained is None:
        which = (f"every labelled item of version {version}; this model's training items are not recorded, "
                 "so some may have been used to train it")
        return data, {"items": len(data), "which": which, "training_items_included": None, "keys": data.keys,
                      "warning": "the model's training data is not recorded; if it was trained on these items, "
                                 "scores are optimistic"}
    if items == "unseen":
        kept = [i for i, key in enumerate(data.keys) if key not in trained]
        if not kept:
            raise InvalidInput(f"every labelled item of version {version} was used to train this model; freeze a "
                               "version with new labelled items, or ask for \"items\": \"all\" to score them anyway "
                               "(the scores would be optimistic)")
        data = _subset(data, kept)
        if not same:
            which = f"every labelled item of version {version} (the model was trained on another dataset)"
        elif version == lineage["dataset_version"]:
            which = f"the run's validation split (version {version})"
        else:
            which = (f"the labelled items of version {version} that were not in the training split "
                     f"(version {lineage['dataset_version']})")
    included = sum(key in trained for key in data.keys)
    if items == "all":
        which = f"every labelled item of version {version}{', training items included' if included else ''}"
    scored = {"items": len(data), "which": which, "training_items_included": included, "keys": data.keys,
              "warning": None}
    if included:
        scored["warning"] = (f"{included} of the {len(data)} items scored were used to train this model; "
                             "scores are optimistic")
    return data, scored


def _records(data) -> list[dict]:
    """Table rows as JSON records, None for a missing value."""
    return [{name: None if math.isnan(value) else float(value) for name, value in zip(data.feature_names, row)}
            for row in data.features]


def _classification(client: WorkerClient, data, config: dict, classes: list[str]) -> dict:
    """A classifier's report on every sample of ``data``."""
    from mass_ide.core.data.classes import display_names
    from mass_ide.core.training.evaluation import classification_report

    if data.features is not None:
        rows = _records(data)
        predictions = [p for start in range(0, len(rows), RECORDS_PER_REQUEST)
                       for p in client.predict_records(rows[start:start + RECORDS_PER_REQUEST])]
    else:
        predictions = [client.predict_file(Path(path)) for path in data.images]
    probabilities = np.array([[p["probabilities"][name] for name in classes] for p in predictions])
    return classification_report(probabilities, np.asarray(data.targets), classes=classes,
                                 threshold=float(config.get("threshold", 0.5)),
                                 names=display_names(config, classes))


def _truth(path: Path, shape: tuple) -> np.ndarray:
    """A ground-truth mask on the prediction's grid (picture masks are stored transposed as [x, y, 1])."""
    if str(path).endswith((".nii", ".nii.gz")):
        import nibabel

        truth = np.asarray(nibabel.load(path).dataobj)
    else:
        from PIL import Image

        with Image.open(path) as picture:
            truth = np.asarray(picture)
    truth = truth.reshape([s for s in truth.shape if s != 1] or [1])
    if truth.shape != shape and truth.T.shape == shape:
        truth = truth.T
    if truth.shape != shape:
        raise InvalidInput(f"{Path(path).name}: the label mask is {truth.shape}, the prediction {shape}")
    return truth.astype(np.int64)


def dice(predicted: np.ndarray, truth: np.ndarray, value: int) -> float | None:
    """Dice of one class value; None when the class is in neither mask."""
    a, b = predicted == value, truth == value
    total = int(a.sum()) + int(b.sum())
    return None if total == 0 else round(2 * int((a & b).sum()) / total, 6)


def _segmentation(client: WorkerClient, data, classes: list[str]) -> dict:
    """Per-case and mean Dice of every labelled volume or picture in ``data``."""
    names = classes[1:]
    cases = []
    for key, image, mask in zip(data.keys, data.images, data.masks):
        predicted = decode_mask(client.predict_file(Path(image))["mask"])
        truth = _truth(Path(mask), predicted.shape)
        cases.append({"key": key, "dice": {name: dice(predicted, truth, i + 1) for i, name in enumerate(names)}})
    means = {name: _mean([c["dice"][name] for c in cases]) for name in names}
    found = [v for v in means.values() if v is not None]
    return {"kind": "segmentation", "classes": classes, "cases": cases, "case_count": len(cases), "dice": means,
            "mean_dice": round(float(np.mean(found)), 6) if found else None}


def _mean(values: list) -> float | None:
    """The mean of the values that are not None."""
    kept = [v for v in values if v is not None]
    return round(float(np.mean(kept)), 6) if kept else None


def run_evaluation(client: WorkerClient, data, config: dict, *, classes: list[str]) -> dict:
    """Send every sample through the deployment and score its answers (no database access).

    ``requests`` in the report: how many requests the deployment answered for it.
    """
    report = _segmentation(client, data, classes) if data.masks else _classification(client, data, config, classes)
    return {**report, "requests": client.answered}


def record_evaluation(ws: Workspace, deployment: dict, report: dict, *, dataset_id: int, version: int,
                      user: str, scored: dict | None = None) -> dict:
    """Stamp the report with what was scored, keep it in the deployment's folder and write the audit record.

    The evaluation's requests count among the deployment's requests, as predictions made one by one do.
    """
    scored = dict(scored or {})
    warning = scored.pop("warning", None)
    report = {**report, "id": uuid.uuid4().hex, "deployment": deployment["id"], "model": deployment["model"],
              "version": deployment["version"], "dataset_id": dataset_id, "dataset_version": version,
              "scored": scored or None, "warning": warning, "evaluated_at": audit.now_iso(), "evaluated_by": user}
    folder = deployment_dir(ws, deployment["id"]) / "evaluations"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{report['id']}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    summary = {key: report.get(key) for key in ("accuracy", "roc_auc", "mean_dice", "case_count")}
    with ws.db.atomic():
        ws.db.execute("UPDATE deployments SET requests = requests + ? WHERE id = ?",
                      [int(report.get("requests") or 0), deployment["id"]])
        audit.record(ws.db, user=user, action="deployment.evaluate", target=f"deployment:{deployment['id']}",
                     detail={"model": deployment["model"], "version": deployment["version"], "dataset": dataset_id,
                             "dataset_version": version, **summary, "scored": scored.get("which"),
                             "training_items_included": scored.get("training_items_included")})
    return report


def evaluate_deployment(ws: Workspace, deployment_id: int, *, dataset_id: int, version: int | None = None,
                        items: str = "unseen", user: str) -> dict:
    """Score a running deployment on the labelled samples of a dataset version (default: its newest).

    ``items="unseen"`` (default) scores only items the model did not train on, ``"all"`` every labelled one;
    the report's ``scored`` says which, and ``warning`` when training items are in. The report is kept in the
    deployment's folder and audited. A sample the worker refuses raises InvalidInput; a worker that fails,
    WorkerUnavailable with where its log is. Blocks for as long as the samples take: call it off an event loop.
    """
    deployment = running_deployment(ws, deployment_id)
    version = version or newest_version(ws, dataset_id)
    data, config, scored = evaluation_data(ws, deployment, dataset_id=dataset_id, version=version, items=items)
    client = WorkerClient(port=deployment["port"], secret=deployment["secret"])
    try:
        report = run_evaluation(client, data, config, classes=data.classes)
    except WorkerFailed as failed:
        raise WorkerUnavailable(relayed_refusal(ws, deployment, code=failed.code, body=failed.body)[1]) from None
    return record_evaluation(ws, deployment, report, dataset_id=dataset_id, version=version, user=user,
                             scored=scored)
