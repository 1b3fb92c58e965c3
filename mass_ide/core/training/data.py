"""Read a frozen dataset version into :class:`TrainingData`, checking that the config fits it.

Only the version's manifest decides what is trained on: item keys and content
hashes, labels, and mask snapshots in ``artifacts/``. The live annotations are
never read, so a run can be repeated on exactly the same data.
"""

import json
from pathlib import Path

import numpy as np

from mass_ide.core.data.conditions import Condition, parse_condition
from mass_ide.core.data.datasets import (
    MISSING_VALUES,
    Dataset,
    file_sha256,
    get_dataset,
)
from mass_ide.core.data.tables import as_number
from mass_ide.core.data.tabular import record_sha256
from mass_ide.core.errors import InvalidInput, NotFound
from mass_ide.core.training.api import IMAGE, SEGMENTATION, TABULAR, TASKS, TrainingData
from mass_ide.core.workspace import Workspace

HOW_TO_LABEL = {"label": "label them", "mask": "paint their masks"}
DATASET_KINDS = {TABULAR: ("tabular",), IMAGE: ("image",), SEGMENTATION: ("volume", "image")}


def _version(ws: Workspace, dataset_id: int, number: int) -> dict:
    """The frozen version ``number`` of the dataset, with its manifest parsed."""
    rows = list(ws.db["dataset_versions"].rows_where("dataset_id = ? AND number = ?", [dataset_id, number]))
    if not rows:
        raise NotFound(f"dataset {dataset_id} has no version {number}; freeze a version first")
    return {**rows[0], "manifest": json.loads(rows[0]["manifest"])}


def _items_by_key(ws: Workspace, dataset: Dataset) -> dict[str, dict]:
    """The dataset's item rows by key, with meta parsed."""
    rows = ws.db["items"].rows_where("dataset_id = ?", [dataset.id])
    return {row["key"]: {**row, "meta": json.loads(row["meta"] or "{}")} for row in rows}


def _checked_items(ws: Workspace, dataset: Dataset, manifest: list[dict], *, verify_files: bool) -> list[dict]:
    """The manifest's entries joined with their items, each checked against its frozen hash."""
    items = _items_by_key(ws, dataset)
    joined = []
    for entry in manifest:
        item = items.get(entry["key"])
        if item is None:
            raise InvalidInput(f"item {entry['key']!r} of the frozen version is no longer in the dataset")
        if item["path"]:
            path = dataset.folder / item["path"]
            if not path.is_file():
                raise InvalidInput(f"the file of item {entry['key']!r} is missing ({path.name}); import it again")
            actual = file_sha256(path) if verify_files else entry["sha256"]
        else:
            path, actual = None, record_sha256(item["meta"])
        if actual != entry["sha256"]:
            raise InvalidInput(f"item {entry['key']!r} changed since the version was frozen; freeze a new version")
        joined.append({**entry, "path": path, "meta": item["meta"]})
    return joined


def _is_missing(cell) -> bool:
    """Whether a table cell counts as a missing value."""
    return cell is None or str(cell).strip().casefold() in MISSING_VALUES


def _numeric_columns(rows: list[dict], columns: list[str]) -> list[str]:
    """Columns whose non-missing cells are all numbers (and that have at least one)."""
    chosen = []
    for column in columns:
        cells = [row.get(column) for row in rows if not _is_missing(row.get(column))]
        if cells and all(as_number(cell) is not None for cell in cells):
            chosen.append(column)
    return chosen


def _check_columns(names: list[str], columns: list[str]) -> None:
    """InvalidInput for the first name that is not a column of the table."""
    for name in names:
        if name not in columns:
            raise InvalidInput(f"column {name!r} not in the table; the columns are: {', '.join(columns)}")


def _feature_matrix(rows: list[dict], features: list[str]) -> np.ndarray:
    """The features as float32 (NaN for missing); InvalidInput for text in a feature column."""
    matrix = np.full((len(rows), len(features)), np.nan, dtype=np.float32)
    for j, column in enumerate(features):
        for i, row in enumerate(rows):
            cell = row.get(column)
            if _is_missing(cell):
                continue
            number = as_number(cell)
            if number is None:
                raise InvalidInput(f"feature column {column!r} holds text such as {cell!r}; add a cleaning step "
                                   "that turns it into numbers, or leave the column out of 'features'")
            matrix[i, j] = number
    return matrix


def _class_index(label: str, classes: list[str], *, key: str) -> int:
    """The index of ``label`` in ``classes`` (numbers compare by value: '4' matches '4.0')."""
    for index, name in enumerate(classes):
        if str(label).strip() == str(name) or (as_number(label) is not None and as_number(label) == as_number(name)):
            return index
    raise InvalidInput(f"item {key!r} is labelled {label!r}, which is not one of the classes: {', '.join(classes)}")


def _unlabelled(entries: list[dict], missing: list[dict], *, what: str, config: dict) -> list[dict]:
    """Refuse unlabelled items unless ``config["unlabelled"] == "skip"``; the skipped entries."""
    if missing and config.get("unlabelled", "error") != "skip":
        raise InvalidInput(f"{len(missing)} of {len(entries)} items have no {what}; {HOW_TO_LABEL[what]}, "
                           "or set \"unlabelled\": \"skip\" to train on the others")
    return [{"key": entry["key"], "reason": f"no {what}"} for entry in missing]


def _check_classes(targets: np.ndarray, classes: list[str]) -> None:
    """A classifier needs at least two classes, each with two samples."""
    counts = np.bincount(targets, minlength=len(classes))
    present = [classes[i] for i, n in enumerate(counts) if n]
    if len(present) < 2:
        raise InvalidInput(f"every sample is {present[0] if present else 'unlabelled'!r}; a classifier "
                           "needs samples of at least two classes")
    if any(0 < n < 2 for n in counts):
        rare = [classes[i] for i, n in enumerate(counts) if 0 < n < 2]
        raise InvalidInput(f"class {rare[0]!r} has a single sample; label at least two per class")


def _tabular(entries: list[dict], config: dict, columns: list[str]) -> dict:
    """Features and targets of the table rows.

    The class of a row is its frozen label when an annotator assigned one, else the value in
    the ``target`` column; ``positive_when`` turns either into negative/positive.
    """
    condition: Condition | None = parse_condition(config["positive_when"]) if config.get("positive_when") else None
    target = config.get("target") or (condition.column if condition else None)
    if condition and condition.column != target:
        raise InvalidInput(f"'positive_when' tests column {condition.column!r} but the target is {target!r}; "
                           "make them the same column")
    if target:
        _check_columns([target], columns)
    features = config.get("features") or [c for c in _numeric_columns([e["meta"] for e in entries], columns)
                                          if c != target]
    _check_columns(features, columns)
    if target in features:
        raise InvalidInput(f"the target {target!r} is also listed as a feature; leave it out of 'features'")
    if not features:
        raise InvalidInput("the table has no numeric feature columns; list the columns to use in 'features'")
    classes = ["negative", "positive"] if condition else [str(c) for c in config.get("classes", [])]
    if len(classes) < 2:
        raise InvalidInput("a classifier needs 'classes' (two or more) or a 'positive_when' condition")
    if not target:
        _unlabelled(entries, [e for e in entries if _is_missing(e["label"])], what="label", config=config)
    kept, targets, skipped = [], [], []
    for entry in entries:
        labelled = not _is_missing(entry["label"])
        value = entry["label"] if labelled or not target else entry["meta"].get(target)
        if _is_missing(value):
            skipped.append({"key": entry["key"], "reason": f"no value in {target!r}" if target else "no label"})
            continue
        kept.append(entry)
        targets.append(int(condition.test(value)) if condition else _class_index(value, classes, key=entry["key"]))
    return {"entries": kept, "classes": classes, "targets": np.asarray(targets, dtype=np.int64),
            "features": _feature_matrix([e["meta"] for e in kept], features), "feature_names": list(features),
            "skipped": skipped}


def _images(entries: list[dict], config: dict) -> dict:
    """Image files and class indices from the frozen labels."""
    classes = [str(c) for c in config.get("classes", [])]
    if len(classes) < 2:
        raise InvalidInput("an image classifier needs 'classes' with at least two names")
    missing = [entry for entry in entries if entry["label"] is None]
    skipped = _unlabelled(entries, missing, what="label", config=config)
    kept = [entry for entry in entries if entry["label"] is not None]
    targets = [_class_index(entry["label"], classes, key=entry["key"]) for entry in kept]
    return {"entries": kept, "classes": classes, "targets": np.asarray(targets, dtype=np.int64),
            "images": [entry["path"] for entry in kept], "skipped": skipped}


def _mask_snapshot(ws: Workspace, sha256: str, *, key: str) -> Path:
    """The frozen mask of an item in ``artifacts/`` (``<sha256>.nii``)."""
    found = sorted((ws.root / "artifacts").glob(f"{sha256}.*"))
    if not found:
        raise InvalidInput(f"the frozen mask of item {key!r} is missing from the workspace's artifacts; "
                           "freeze a new version")
    return found[0]


def segmentation_classes(config: dict) -> list[str]:
    """Label names by value from ``config["labels"]`` (values must be 0, 1, … without gaps)."""
    labels = config.get("labels") or {}
    try:
        values = sorted(int(value) for value in labels)
    except ValueError:
        raise InvalidInput("'labels' maps mask values (0, 1, …) to names") from None
    if len(values) < 2 or values != list(range(len(values))):
        raise InvalidInput("'labels' must name the mask values 0, 1, … without gaps, background (0) included")
    return [str(labels.get(str(value), labels.get(value))) for value in values]


def _segmentation(ws: Workspace, entries: list[dict], config: dict, *, kind: str) -> dict:
    """Image files and their frozen mask snapshots (volumes for 3D, pictures for 2D)."""
    dims = int(config.get("spatial_dims", 3))
    if (kind == "volume") != (dims == 3):
        raise InvalidInput(f"the dataset holds {kind}s; set \"spatial_dims\" to {3 if kind == 'volume' else 2}")
    classes = segmentation_classes(config)
    missing = [entry for entry in entries if not entry["mask_sha256"]]
    skipped = _unlabelled(entries, missing, what="mask", config=config)
    kept = [entry for entry in entries if entry["mask_sha256"]]
    masks = [_mask_snapshot(ws, entry["mask_sha256"], key=entry["key"]) for entry in kept]
    return {"entries": kept, "classes": classes, "images": [entry["path"] for entry in kept], "masks": masks,
            "skipped": skipped}


def load_training_data(ws: Workspace, dataset_id: int, version: int, config: dict, *,
                       verify_files: bool = True) -> TrainingData:
    """The samples of frozen version ``version`` of a dataset, as the config's task needs them.

    Raises :class:`InvalidInput` when the config does not fit the data (a missing
    column, unlabelled items, a single class, …) and :class:`NotFound` for an
    unknown dataset or version. ``verify_files`` re-hashes every file against the manifest.
    """
    task = config.get("task")
    if task not in TASKS:
        raise InvalidInput(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    dataset = get_dataset(ws, dataset_id)
    if dataset.kind not in DATASET_KINDS[task]:
        raise InvalidInput(f"dataset {dataset.name!r} holds {dataset.kind} items; a {task} run needs "
                           f"{' or '.join(DATASET_KINDS[task])} items")
    frozen = _version(ws, dataset.id, version)
    entries = _checked_items(ws, dataset, frozen["manifest"], verify_files=verify_files)
    if task == TABULAR:
        columns = dataset.report.get("columns") or (list(entries[0]["meta"]) if entries else [])
        found = _tabular(entries, config, columns)
    elif task == IMAGE:
        found = _images(entries, config)
    else:
        found = _segmentation(ws, entries, config, kind=dataset.kind)
    kept = found.pop("entries")
    if len(kept) < 3:
        raise InvalidInput(f"only {len(kept)} usable samples; a run needs at least 3 (training and validation)")
    if "targets" in found:
        _check_classes(found["targets"], found["classes"])
    return TrainingData(task=task, keys=[entry["key"] for entry in kept], dataset_id=dataset.id, version=version,
                        digest=frozen["digest"], **found)
