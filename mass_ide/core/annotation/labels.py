"""Annotations: one class label or one mask per item, with a version for optimistic concurrency.

Every save names the version it was based on; a save based on an older version
raises :class:`Conflict` instead of overwriting someone else's work. Masks are
uncompressed NIfTI files (uint8, one value per label class) on the item's own
voxel grid, so one slice is written in place without rewriting the volume. A
slice is named by an anatomical axis and an index counted as
:mod:`mass_ide.core.data.orientation` says (axial 0 the most inferior), whatever the
array order; its values are the voxel-order plane ``volume[where]``.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mass_ide.core import audit
from mass_ide.core.data import orientation
from mass_ide.core.data.classes import class_column, class_names, training_classes
from mass_ide.core.data.datasets import Item, get_dataset, get_item
from mass_ide.core.data.geometry import (
    class_volumes,
    item_grid,
    item_orientation,
    voxel_ml,
)
from mass_ide.core.errors import Conflict, InvalidInput
from mass_ide.core.projects import get_project
from mass_ide.core.workspace import Workspace

AXES = orientation.AXES


@dataclass(frozen=True)
class Annotation:
    """The current annotation of an item (version 0: none yet)."""

    item_id: int
    kind: str | None
    label: str | None
    mask_file: Path | None
    version: int
    updated_at: str | None
    updated_by: str | None


def label_classes(ws: Workspace, project_id: str) -> dict:
    """What annotators assign in this project: ``{"kind": "label"|"mask", "classes": [...]}``.

    For tables, ``target`` names the column that already holds the class, when the configuration says so, and
    ``column`` the one a record's class is read from when it has no label (``target``, or ``positive_when``'s).
    Classes are the stored values; ``names`` gives what each is called (training classes too),
    ``trains_as`` the training class each label becomes under ``positive_when`` (empty without one)
    and ``units`` each table column's unit, as the configuration gives them.
    """
    config = _project_config(ws, project_id)
    if config.get("task") == "segmentation":
        return {"kind": "mask", "classes": [{"value": int(v), "name": n} for v, n in config["labels"].items()]}
    classes = [str(c) for c in config.get("classes", [])]
    return {"kind": "label", "classes": classes, "target": config.get("target"), "column": class_column(config),
            "names": class_names(config), "trains_as": training_classes(config, classes),
            "units": config.get("units") or {}}


def _project_config(ws: Workspace, project_id: str) -> dict:
    """The project's ``config.json``."""
    return json.loads((get_project(ws, project_id).folder / "config.json").read_text(encoding="utf-8"))


def dataset_class_column(ws: Workspace, dataset_id: int) -> str | None:
    """The table column that already holds each record's class in this dataset's project, if any."""
    return class_column(_project_config(ws, get_dataset(ws, dataset_id).project_id))


def get_annotation(ws: Workspace, item_id: int) -> Annotation:
    """The item's annotation, or an empty one at version 0."""
    item = get_item(ws, item_id)
    rows = list(ws.db["annotations"].rows_where("item_id = ?", [item.id]))
    if not rows:
        return Annotation(item.id, None, None, None, 0, None, None)
    row = rows[0]
    mask_file = _mask_file(ws, item) if row["mask_path"] else None
    return Annotation(item.id, row["kind"], row["label"], mask_file, row["version"], row["updated_at"], row["updated_by"])


def _project_of(ws: Workspace, item: Item) -> str:
    """The project id an item belongs to."""
    return get_dataset(ws, item.dataset_id).project_id


def _mask_file(ws: Workspace, item: Item) -> Path:
    """Where an item's mask lives: ``projects/<id>/labels/<item id>.nii``."""
    return ws.projects_dir / _project_of(ws, item) / "labels" / f"{item.id}.nii"


def _save(ws: Workspace, item: Item, *, expected_version: int, user: str, fields: dict,
          detail: dict, write=None) -> Annotation:
    """Check the version, run ``write`` (the file change), bump the version: one transaction."""
    with ws.db.atomic():
        current = get_annotation(ws, item.id)
        if expected_version != current.version:
            raise Conflict(
                f"item {item.id} was saved by {current.updated_by} at {current.updated_at} (version "
                f"{current.version}) after the version {expected_version} your change started from: load theirs, "
                "or keep yours and save it over theirs"
            )
        if write is not None:
            write()
        row = {**fields, "item_id": item.id, "version": current.version + 1,
               "updated_at": audit.now_iso(), "updated_by": user}
        ws.db["annotations"].upsert(row, pk="item_id")
        audit.record(ws.db, user=user, action=f"annotation.{fields['kind']}", target=f"item:{item.id}",
                     detail={**detail, "version": row["version"]})
    return get_annotation(ws, item.id)


def set_label(ws: Workspace, item_id: int, *, label: str | None, expected_version: int, user: str,
              source: dict | None = None) -> Annotation:
    """Assign a class (or clear it with None) to an item; ``source`` names the model whose suggestion it was."""
    item = get_item(ws, item_id)
    allowed = label_classes(ws, _project_of(ws, item))
    if allowed["kind"] != "label":
        raise InvalidInput("this project annotates masks; paint them instead of assigning a class")
    if label is not None and allowed["classes"] and label not in allowed["classes"]:
        raise InvalidInput(f"unknown class {label!r}; choose one of: {', '.join(allowed['classes'])}")
    return _save(ws, item, expected_version=expected_version, user=user, fields={"kind": "label", "label": label},
                 detail={"label": label, **({"suggested_by": source} if source else {})})


def slice_where(item: Item, axis: str, index: int) -> tuple:
    """The numpy index into the item's voxel grid of slice ``index`` along an anatomical axis, checked."""
    shape, affine = item_orientation(item)
    return orientation.slice_where(shape, affine, axis, index)


def open_mask(path: Path, shape: tuple[int, int, int], affine: np.ndarray | None, mode: str) -> np.memmap:
    """A mask file's voxels as a memory map, creating an empty mask file first if needed."""
    import nibabel

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        empty = nibabel.Nifti1Image(np.zeros(shape, dtype=np.uint8), affine)
        empty.header.set_data_dtype(np.uint8)
        temporary = path.with_suffix(".tmp.nii")
        nibabel.save(empty, temporary)
        temporary.replace(path)
    offset = nibabel.load(path).dataobj.offset  # where the voxels start, after the header
    return np.memmap(path, dtype=np.uint8, mode=mode, offset=offset, shape=shape, order="F")


def read_slice(path: Path, item: Item, *, axis: str, index: int) -> np.ndarray:
    """One slice of a mask file on the item's grid (zeros when the file does not exist), in voxel order."""
    shape, affine = item_orientation(item)
    where = orientation.slice_where(shape, affine, axis, index)
    if not path.exists():
        return np.zeros(np.empty(shape, dtype=bool)[where].shape, dtype=np.uint8)
    return np.array(open_mask(path, shape, None, "r")[where])


def read_mask_slice(ws: Workspace, item_id: int, *, axis: str, index: int) -> np.ndarray:
    """One slice of the item's mask (zeros when nothing is painted yet), in voxel order."""
    item = get_item(ws, item_id)
    return read_slice(_mask_file(ws, item), item, axis=axis, index=index)


def mask_volumes(ws: Workspace, item_id: int) -> dict:
    """Voxels and mL of each label class in the item's mask (mL from a volume's affine; pictures: None)."""
    item = get_item(ws, item_id)
    scheme = label_classes(ws, _project_of(ws, item))
    if scheme["kind"] != "mask":
        raise InvalidInput("this project assigns classes; only masks have volumes")
    shape, affine = item_grid(item)
    path = _mask_file(ws, item)
    mask = open_mask(path, shape, None, "r") if path.exists() else np.zeros(shape, dtype=np.uint8)
    names = {c["value"]: c["name"] for c in scheme["classes"]}
    is_volume = item.kind == "volume"
    return {"item_id": item.id, "voxel_ml": voxel_ml(affine) if is_volume else None,
            "classes": class_volumes(mask, names, affine if is_volume else None)}


def _write_mask(ws: Workspace, item: Item, *, where: tuple, values: np.ndarray, expected_version: int,
                user: str, detail: dict) -> Annotation:
    """Check and write ``values`` into the mask at ``where`` (a slice or the whole grid), in place."""
    allowed = label_classes(ws, _project_of(ws, item))
    if allowed["kind"] != "mask":
        raise InvalidInput("this project assigns classes; masks are for segmentation projects")
    shape, affine = item_grid(item)
    expected_shape = np.empty(shape, dtype=bool)[where].shape
    if values.shape != expected_shape:
        raise InvalidInput(f"the mask here is {expected_shape}, not {values.shape}")
    known = {c["value"] for c in allowed["classes"]}
    if not set(np.unique(values).tolist()) <= known:
        raise InvalidInput(f"mask values must be label classes {sorted(known)}")
    path = _mask_file(ws, item)

    def write() -> None:
        mask = open_mask(path, shape, affine, "r+")
        mask[where] = values
        mask.flush()

    return _save(ws, item, expected_version=expected_version, user=user, write=write,
                 fields={"kind": "mask", "mask_path": path.name}, detail=detail)


def write_mask_slice(ws: Workspace, item_id: int, *, axis: str, index: int, values: np.ndarray,
                     expected_version: int, user: str) -> Annotation:
    """Replace one slice of the item's mask (values are label classes, the voxel-order plane), in place."""
    item = get_item(ws, item_id)
    where = slice_where(item, axis, index)
    return _write_mask(ws, item, where=where, values=values, expected_version=expected_version, user=user,
                       detail={"axis": axis, "index": index})


def write_mask_volume(ws: Workspace, item_id: int, *, values: np.ndarray, expected_version: int,
                      user: str, source: dict | None = None) -> Annotation:
    """Replace the item's whole mask (an imported ground truth, or a model's accepted suggestion)."""
    item = get_item(ws, item_id)
    return _write_mask(ws, item, where=(slice(None),) * 3, values=values, expected_version=expected_version,
                       user=user, detail={"whole": True, **({"suggested_by": source} if source else {})})


def carry_annotation(ws: Workspace, item_id: int, *, label: str | None = None, mask: np.ndarray | None = None,
                     user: str, carried_from: dict) -> Annotation:
    """Give a new item (of a cleaned copy) its source item's label, or its mask already on the new item's grid.

    ``carried_from`` (source dataset and item, recipe, original annotator) goes into the audit entry.
    """
    item = get_item(ws, item_id)
    if mask is None:
        return _save(ws, item, expected_version=0, user=user, fields={"kind": "label", "label": label},
                     detail={"label": label, "carried_from": carried_from})
    try:
        return _write_mask(ws, item, where=(slice(None),) * 3, values=mask, expected_version=0, user=user,
                           detail={"whole": True, "carried_from": carried_from})
    except BaseException:
        _mask_file(ws, item).unlink(missing_ok=True)  # a new item has no mask of its own to keep
        raise
