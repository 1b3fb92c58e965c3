"""Training runs: queued → running → completed / failed / cancelled, or interrupted and resumable.

This module only records; :mod:`mass_ide.core.runs.scheduler` starts worker
processes and :mod:`mass_ide.core.runs.worker` runs the training engine in them.
"""

import json
import math
import time
from pathlib import Path

from sqlite_utils.db import NotFoundError

from mass_ide.core import audit
from mass_ide.core.data.classes import class_column
from mass_ide.core.data.datasets import MISSING_VALUES, freeze, get_dataset
from mass_ide.core.errors import Conflict, InvalidInput, NotFound
from mass_ide.core.projects import get_project
from mass_ide.core.runs import presets
from mass_ide.core.workspace import Workspace

FINAL = {"completed", "failed", "cancelled", "interrupted", "pruned"}
ACTIVE = {"queued", "running", "cancelling"}
MAX_PROCESSES = 64
MIN_MASKED = 3  # the training reader's least number of samples: training and validation
MIN_LABELLED = 4  # a classifier needs two classes of two samples each


def run_dir(ws: Workspace, run: dict) -> Path:
    """Where a run keeps its checkpoints, log and report: ``projects/<id>/runs/<run id>/``."""
    return ws.projects_dir / run["project_id"] / "runs" / str(run["id"])


def _decoded(row: dict) -> dict:
    """A run row with its JSON fields decoded, and its error's short sentence."""
    return {**row, "config": json.loads(row["config"]), "result": json.loads(row["result"]) if row["result"] else None,
            "resume": bool(row["resume"]), "error_summary": error_summary(row.get("error"))}


def error_summary(error: str | None) -> str | None:
    """The sentence to show before a run's traceback: its last exception as ``Name: message`` (the module path
    left out), or the first line of a plain reason; None without an error."""
    lines = [line.rstrip() for line in (error or "").strip().splitlines()]
    if not lines:
        return None
    headers = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    if not headers:
        return lines[0].strip()
    after = lines[headers[-1] + 1:]
    found = next((i for i, line in enumerate(after) if line and not line[0].isspace()), None)
    if found is None:
        return lines[-1].strip()
    exception, _, message = " ".join(line.strip() for line in after[found:] if line.strip()).partition(": ")
    name = exception.rsplit(".", 1)[-1]
    return f"{name}: {message}" if message else name


def config_file(ws: Workspace, project_id: str) -> dict:
    """The project's copy of the template's ``config.json``, presets block included."""
    return json.loads((get_project(ws, project_id).folder / "config.json").read_text(encoding="utf-8"))


def project_config(ws: Workspace, project_id: str, preset: str | None = None) -> dict:
    """The project's training configuration with a preset's changes (``None``: full, ``config.json`` as it is)."""
    return presets.resolve(config_file(ws, project_id), preset)


def create_run(ws: Workspace, project_id: str, *, dataset_id: int, user: str, version: int | None = None,
               overrides: dict | None = None, processes: int = 1, preset: str | None = None) -> dict:
    """Queue a run on a frozen dataset version (freezing one now when none is given).

    ``preset``: "quick" or "full" (``None``: full); ``overrides`` apply on top of it.

    Refused (InvalidInput) before anything is queued when the configuration cannot train on
    the version: too few labelled items, unlabelled ones, a missing column… (see :func:`check_trainable`).
    """
    dataset = get_dataset(ws, dataset_id)
    if dataset.project_id != project_id:
        raise InvalidInput(f"dataset {dataset_id} belongs to project {dataset.project_id!r}, not {project_id!r}")
    if not 1 <= processes <= MAX_PROCESSES:
        raise InvalidInput(f"processes must be between 1 and {MAX_PROCESSES}")
    config = {**project_config(ws, project_id, preset), **(overrides or {})}
    if version is None:
        _check_labelled(ws, dataset_id, None, config)  # before freezing a version that cannot be trained on
        version = freeze(ws, dataset_id, user=user)["number"]
    elif not ws.db.execute("SELECT 1 FROM dataset_versions WHERE dataset_id = ? AND number = ?",
                           [dataset_id, version]).fetchone():
        raise InvalidInput(f"dataset {dataset_id} has no frozen version {version}; freeze one first")
    check_trainable(ws, dataset_id, version, config)
    with ws.db.atomic():
        run_id = ws.db["runs"].insert({
            "project_id": project_id, "dataset_id": dataset_id, "dataset_version": version,
            "config": json.dumps(config), "processes": processes, "status": "queued", "created_at": audit.now_iso(),
            "created_by": user, "epochs_done": 0, "epochs_total": int(config.get("epochs", 0)), "resume": 0,
        }).last_pk
        audit.record(ws.db, user=user, action="run.create", target=f"run:{run_id}",
                     detail={"project": project_id, "dataset": dataset_id, "version": version, "processes": processes,
                             "preset": preset or presets.FULL})
    return get_run(ws, run_id)


def _labelled_entries(ws: Workspace, dataset_id: int, version: int | None) -> list[dict]:
    """``{"key", "label", "mask_sha256"}`` of every item of a frozen version (``None``: of the live annotations)."""
    if version is not None:
        row = ws.db.execute("SELECT manifest FROM dataset_versions WHERE dataset_id = ? AND number = ?",
                            [dataset_id, version]).fetchone()
        return json.loads(row[0]) if row else []
    rows = ws.db.query("SELECT i.key, a.label, a.mask_path FROM items i LEFT JOIN annotations a ON a.item_id = i.id "
                       "WHERE i.dataset_id = ?", [dataset_id])
    return [{"key": row["key"], "label": row["label"], "mask_sha256": row["mask_path"]} for row in rows]


def labelled_count(ws: Workspace, dataset_id: int, config: dict, *, version: int | None = None) -> tuple[int, int]:
    """How many items of frozen ``version`` (``None``: the live ones) the config's task can learn from, of how many.

    Segmentation counts masks, classifiers labels; a table whose class is a column counts the rows
    with a label or a value in that column.
    """
    entries = _labelled_entries(ws, dataset_id, version)
    if config.get("task") == "segmentation":
        return sum(1 for entry in entries if entry.get("mask_sha256")), len(entries)
    column = class_column(config)
    cells = {}
    if column:
        rows = ws.db.execute("SELECT key, meta FROM items WHERE dataset_id = ?", [dataset_id]).fetchall()
        cells = {key: json.loads(meta or "{}").get(column) for key, meta in rows}
    return sum(1 for entry in entries if entry.get("label") not in (None, "")
               or str(cells.get(entry["key"], "")).strip().casefold() not in MISSING_VALUES), len(entries)


def _check_labelled(ws: Workspace, dataset_id: int, version: int | None, config: dict) -> None:
    """InvalidInput when too few items carry a label (a mask for segmentation) to train and validate on.

    A table whose class comes from a column (``target``, ``positive_when``) is labelled by its rows.
    """
    if class_column(config):
        return
    segmentation = config.get("task") == "segmentation"
    labelled, total = labelled_count(ws, dataset_id, config, version=version)
    needed = MIN_MASKED if segmentation else MIN_LABELLED
    if labelled < needed:
        which = f"version {version}" if version is not None else "the dataset"
        if segmentation:
            raise InvalidInput(f"only {labelled} of the {total} items of {which} have a mask; training needs "
                               f"at least {needed} (for training and validation): paint the masks of at least "
                               f"{needed - labelled} more items in the annotation view, or import labelled data")
        raise InvalidInput(f"only {labelled} of the {total} items of {which} are labelled; training needs at "
                           f"least {needed} (two of each of two classes, for training and validation): label at "
                           f"least {needed - labelled} more items in the annotation view, or import labelled data")


def check_trainable(ws: Workspace, dataset_id: int, version: int, config: dict) -> None:
    """InvalidInput, before a run is queued, when the configuration cannot train on the frozen version.

    The labelled count first, then the training data is read as the worker will read it
    (without hashing the files again): a missing column, unlabelled items, a lone class…
    """
    from mass_ide.core.training import load_training_data

    _check_labelled(ws, dataset_id, version, config)
    try:
        load_training_data(ws, dataset_id, version, config, verify_files=False)
    except (TypeError, ValueError, KeyError, AttributeError) as error:  # a setting of the wrong type or shape
        raise InvalidInput(f"the training configuration cannot be read on this dataset ({type(error).__name__}: "
                           f"{error}); check the types of its settings") from None


def get_run(ws: Workspace, run_id: int) -> dict:
    """One run with its configuration and result."""
    try:
        return _decoded(ws.db["runs"].get(run_id))
    except NotFoundError:
        raise NotFound(f"no run with id {run_id}") from None


def list_runs(ws: Workspace, project_id: str) -> list[dict]:
    """The project's runs, newest first."""
    get_project(ws, project_id)
    return [_decoded(row) for row in ws.db["runs"].rows_where("project_id = ?", [project_id], order_by="id desc")]


def runs_with_status(ws: Workspace, *statuses: str) -> list[dict]:
    """Runs in any of ``statuses``, oldest first."""
    marks = ", ".join("?" for _ in statuses)
    return [_decoded(row) for row in ws.db["runs"].rows_where(f"status IN ({marks})", list(statuses), order_by="id")]


def update_run(ws: Workspace, run_id: int, **fields) -> None:
    """Change a run's state fields (status, pid, epochs_done, error, result…)."""
    if "result" in fields and fields["result"] is not None:
        fields["result"] = json.dumps(fields["result"])
    with ws.db.atomic():
        ws.db["runs"].update(run_id, fields)


def cancel_run(ws: Workspace, run_id: int, *, user: str) -> dict:
    """Cancel a queued run now, or ask a running one to stop after its current step."""
    run = get_run(ws, run_id)
    if run["status"] not in ACTIVE:
        raise Conflict(f"run {run_id} is already {run['status']}")
    status = "cancelled" if run["status"] == "queued" else "cancelling"
    with ws.db.atomic():
        ws.db["runs"].update(run_id, {"status": status, **({"finished_at": audit.now_iso()} if status == "cancelled" else {})})
        audit.record(ws.db, user=user, action="run.cancel", target=f"run:{run_id}")
    return get_run(ws, run_id)


def resume_run(ws: Workspace, run_id: int, *, user: str) -> dict:
    """Queue an interrupted, failed or cancelled run again, continuing from its last checkpoint."""
    run = get_run(ws, run_id)
    if run["status"] in ACTIVE or run["status"] == "completed":
        raise Conflict(f"run {run_id} is {run['status']}; only interrupted, failed or cancelled runs resume")
    if not (run_dir(ws, run) / "checkpoints" / "last.pt").exists():
        raise Conflict(f"run {run_id} saved no checkpoint before it stopped; start a new run instead")
    with ws.db.atomic():
        ws.db["runs"].update(run_id, {"status": "queued", "resume": 1, "error": None, "finished_at": None, "pid": None})
        audit.record(ws.db, user=user, action="run.resume", target=f"run:{run_id}")
    return get_run(ws, run_id)


def _insert_metrics(ws: Workspace, run_id: int, rows: list[tuple]) -> None:
    """Insert (name, value, step, epoch[, logged at]) rows in one statement; call inside a transaction.

    The batch goes to SQLite as one JSON array (``json_each``), so a batch is one call
    however many rows it has. A value that is not finite (a diverged loss) cannot be
    stored (the column is NOT NULL) and is left out; the log still shows it.
    """
    now = time.time()
    batch = [[row[0], float(row[1]), row[2], row[3], row[4] if len(row) > 4 else now]
             for row in rows if math.isfinite(row[1])]
    ws.db.execute(
        "INSERT INTO metrics (run_id, name, value, step, epoch, at) SELECT ?, json_extract(value, '$[0]'), "
        "json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), "
        "json_extract(value, '$[4]') FROM json_each(?)", [run_id, json.dumps(batch)])


def record_progress(ws: Workspace, run_id: int, rows: list[tuple], **fields) -> None:
    """Store a batch of metrics and a change of the run's progress fields (epochs_done…) in one transaction."""
    if not rows and not fields:
        return
    with ws.db.atomic():
        if rows:
            _insert_metrics(ws, run_id, rows)
        if fields:  # names from the recorder, never from a request
            assignments = ", ".join(f"{name} = ?" for name in fields)
            ws.db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", [*fields.values(), run_id])


def metrics_since(ws: Workspace, run_id: int, *, since: int = 0, limit: int = 10_000) -> list[dict]:
    """The run's metrics with an id above ``since``, oldest first (the id is the catch-up cursor)."""
    get_run(ws, run_id)
    return list(ws.db.query("SELECT id, name, step, epoch, value, at FROM metrics WHERE run_id = ? AND id > ? "
                            "ORDER BY id LIMIT ?", [run_id, since, limit]))


def report_image(ws: Workspace, run_id: int, name: str) -> Path:
    """A picture of the run's evaluation report (``report/NAME.png`` in its folder); nothing else is served."""
    run = get_run(ws, run_id)
    if not name or name.startswith(".") or any(c in name for c in "/\\\0") or not name.lower().endswith(".png"):
        raise InvalidInput(f"{name!r} is not the name of a report picture (NAME.png, no folders)")
    folder = (run_dir(ws, run) / "report").resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise NotFound(f"run {run_id}'s report has no picture {name!r}")
    return path


def log_tail(ws: Workspace, run: dict, *, lines: int = 50) -> list[str]:
    """The last lines of the run's log."""
    path = run_dir(ws, run) / "log.txt"
    if not path.exists():
        return []
    return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
