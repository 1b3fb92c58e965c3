"""A completed run becomes the next version of its project's model: its best checkpoint, lineage and metrics
go to the registry (which knows nothing of runs)."""

import json
from pathlib import Path

from mass_ide.core import registry, runs
from mass_ide.core.data.datasets import get_dataset
from mass_ide.core.errors import Conflict
from mass_ide.core.registry.card import key_metrics
from mass_ide.core.workspace import Workspace


def _run_data(ws: Workspace, run: dict) -> dict:
    """The card's data section for a run: dataset name, items in its version, training and validation cases."""
    split = ((run["result"] or {}).get("report") or {}).get("split") or {}
    manifest = ws.db.execute("SELECT manifest FROM dataset_versions WHERE dataset_id = ? AND number = ?",
                             [run["dataset_id"], run["dataset_version"]]).fetchone()
    return {"dataset": get_dataset(ws, run["dataset_id"]).name, "source": "run",
            "items": len(json.loads(manifest[0])) if manifest else None,
            "trained_on": len(split["train"]) if "train" in split else None,
            "validated_on": len(split["validation"]) if "validation" in split else None}


def best_checkpoint(ws: Workspace, run: dict) -> Path:
    """The run's best checkpoint, or Conflict when it saved none."""
    path = runs.run_dir(ws, run) / "checkpoints" / "best.pt"
    if not path.is_file():
        raise Conflict(f"run {run['id']} saved no best checkpoint; train at least one validated epoch")
    return path


def register_run(ws: Workspace, run_id: int, *, user: str, name: str | None = None) -> dict:
    """Register a completed run's best checkpoint as the next version of its project's model."""
    run = runs.get_run(ws, run_id)
    if run["status"] != "completed":
        raise Conflict(f"run {run_id} is {run['status']}; only a completed run can be registered")
    return register_finished_run(ws, run, user=user, name=name)


def register_finished_run(ws: Workspace, run: dict, *, user: str, name: str | None = None) -> dict:
    """Register ``run`` (a run dict carrying its training result) whatever its recorded status.

    The worker calls this just before it marks the run completed; others call :func:`register_run`.
    """
    name = registry.check_model_name(name) if name is not None else registry.default_model_name(ws, run["project_id"])
    existing = ws.db.execute("SELECT m.name, v.number FROM model_versions v JOIN models m ON m.id = v.model_id "
                             "WHERE v.run_id = ? AND v.deleted_at IS NULL", [run["id"]]).fetchone()
    if existing:
        raise Conflict(f"run {run['id']} is already version {existing[1]} of model {existing[0]!r}")
    state, signature = registry.load_model_state(best_checkpoint(ws, run))
    record = {"run_id": run["id"], "dataset_id": run["dataset_id"], "dataset_version": run["dataset_version"],
              "dataset_digest": state["meta"].get("dataset_digest"), "config": run["config"],
              "metrics": key_metrics(run["result"])}
    return registry.register(ws, state, signature, name=name, project_id=run["project_id"], user=user,
                             record=record, data=_run_data(ws, run))
