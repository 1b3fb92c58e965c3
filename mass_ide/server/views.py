"""How the API shows core objects as JSON (paths relative to the server root)."""

import sys
from pathlib import Path

import numpy as np

from mass_ide.core import projects
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets, orientation
from mass_ide.core.data.geometry import item_grid


def relative_to_root(path: Path | None, root_dir: str) -> str | None:
    """``path`` relative to the server root as a POSIX string, or None when outside it."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(Path(root_dir).resolve()).as_posix()
    except ValueError:
        return None


def without_server_folders(text: str, root_dir: str, workspace_root: Path) -> str:
    """``text`` (a message, a traceback, a JSON answer) without this machine's absolute folders in it.

    Paths under the server root become relative to it; the workspace (when it lies
    elsewhere) and Python's installation are named instead of spelled out.
    """
    root = Path(root_dir).resolve()
    folders = {str(root): "", sys.prefix: "<python>", sys.base_prefix: "<python>"}
    if not workspace_root.is_relative_to(root):
        folders[str(workspace_root)] = "<workspace>"
    for folder in sorted(folders, key=len, reverse=True):
        name = folders[folder]
        text = text.replace(folder + "/", f"{name}/" if name else "").replace(folder, name or ".")
    return text


def project_json(project: projects.Project, root_dir: str) -> dict:
    """A project as the API shows it, with paths relative to the server root."""
    return {
        "id": project.id,
        "name": project.name,
        "template": project.template,
        "created_at": project.created_at,
        "created_by": project.created_by,
        "path": relative_to_root(project.folder, root_dir),
        "notebook": relative_to_root(project.notebook, root_dir),
    }


def dataset_json(dataset: datasets.Dataset) -> dict:
    """A dataset as the API shows it."""
    return {
        "id": dataset.id,
        "project_id": dataset.project_id,
        "name": dataset.name,
        "kind": dataset.kind,
        "source_name": dataset.source_name,
        "created_at": dataset.created_at,
        "created_by": dataset.created_by,
        "item_count": dataset.item_count,
        "report": dataset.report,
    }


def item_json(item: datasets.Item, annotation: annotations.Annotation | None = None) -> dict:
    """An item as the API shows it, with its annotation when given."""
    found = {"id": item.id, "dataset_id": item.dataset_id, "key": item.key, "kind": item.kind,
             "meta": item_meta(item), "sha256": item.sha256}
    if annotation is not None:
        found["annotation"] = annotation_json(annotation)
    return found


def item_meta(item: datasets.Item) -> dict:
    """An item's meta as the API shows it: a volume's ``shape`` and ``spacing`` per displayed axis.

    That is the number and spacing of sagittal, coronal and axial slices as the slice routes show them
    (:mod:`mass_ide.core.data.orientation`, from the affine); the array order stays in ``voxel_shape`` and
    ``voxel_spacing``. A volume whose direction is unknown keeps its meta as stored.
    """
    meta = item.meta
    if item.kind != "volume" or not isinstance(meta.get("shape"), list) or len(meta["shape"]) < 3:
        return meta
    from nibabel.filebasedimages import ImageFileError

    try:
        if "direction" in meta:
            affine = np.eye(4)
            affine[:3, :3] = np.asarray(meta["direction"], dtype=float)
        else:
            affine = item_grid(item)[1]  # the header only
    except (OSError, ValueError, TypeError, ImageFileError):
        return meta
    shown = {**meta, "voxel_shape": meta["shape"],
             "shape": orientation.grid_order(meta["shape"][:3], affine) + meta["shape"][3:]}
    if isinstance(meta.get("spacing"), list) and len(meta["spacing"]) >= 3:
        shown.update(voxel_spacing=meta["spacing"],
                     spacing=orientation.grid_order(meta["spacing"][:3], affine) + meta["spacing"][3:])
    return shown


def annotation_json(annotation: annotations.Annotation) -> dict:
    """An annotation as the API shows it."""
    return {"item_id": annotation.item_id, "kind": annotation.kind, "label": annotation.label,
            "has_mask": annotation.mask_file is not None, "version": annotation.version,
            "updated_at": annotation.updated_at, "updated_by": annotation.updated_by}


def run_json(run: dict) -> dict:
    """A run as the API shows it."""
    fields = ("id", "project_id", "dataset_id", "dataset_version", "config", "processes", "status", "created_at",
              "created_by", "started_at", "finished_at", "epochs_done", "epochs_total", "error", "error_summary",
              "result", "study_id", "trial_number")
    return {field: run[field] for field in fields}


def study_json(study: dict) -> dict:
    """A tuning study as the API shows it, with its trials as runs."""
    fields = ("id", "project_id", "dataset_id", "dataset_version", "objective", "n_trials", "overrides", "status",
              "created_at", "created_by", "best_run_id")
    return {**{field: study[field] for field in fields}, "trials": [run_json(run) for run in study["trials"]]}


MODEL_FIELDS = ("name", "project_id", "task", "description", "created_at", "created_by", "latest_version", "aliases",
                "version_count")
VERSION_FIELDS = ("model", "number", "run_id", "project_id", "task", "digest", "metrics", "lineage", "signature",
                  "aliases", "card", "artifacts", "export", "created_at", "created_by", "deleted_at")


def model_json(model: dict) -> dict:
    """A registered model as the API shows it (with its versions when the model dict has them)."""
    found = {field: model[field] for field in MODEL_FIELDS}
    if "versions" in model:
        found["versions"] = model["versions"]
    return found


def version_json(version: dict) -> dict:
    """A model version as the API shows it: lineage, signature, metrics, aliases, model card, bundle files."""
    return {field: version[field] for field in VERSION_FIELDS}
