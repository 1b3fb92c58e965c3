"""Data-quality summaries: missing values, value ranges and class balance, ready to plot."""

import json
from collections import Counter
from pathlib import Path

import numpy as np

from mass_ide.core.data.datasets import all_items, get_dataset
from mass_ide.core.projects import get_project
from mass_ide.core.workspace import Workspace

BINS = 10
TOP_VALUES = 5


def histogram(values: list[float] | np.ndarray) -> dict:
    """Bin edges and counts of numeric values."""
    counts, edges = np.histogram(np.asarray(values, dtype=float), bins=BINS)
    return {"edges": [round(float(e), 4) for e in edges], "counts": [int(c) for c in counts]}


def column_quality(name: str, cells: list) -> dict:
    """Type, missing values and distribution of one column."""
    from mass_ide.core.data.tables import as_number

    present = [cell for cell in cells if cell is not None]
    numbers = [as_number(cell) for cell in present]
    summary = {"name": name, "missing": len(cells) - len(present)}
    if present and all(number is not None for number in numbers):
        summary.update(type="number", min=min(numbers), max=max(numbers), mean=round(float(np.mean(numbers)), 4),
                       histogram=histogram(numbers))
    else:
        summary.update(type="text", top=[[value, count] for value, count in Counter(map(str, present)).most_common(TOP_VALUES)])
    return summary


def table_quality(table, *, target: str | None = None) -> dict:
    """Quality of a :class:`~mass_ide.core.data.tables.Table`; class balance from its ``target`` column."""
    columns = [column_quality(name, [row[i] for row in table.rows]) for i, name in enumerate(table.columns)]
    balance = {}
    if target in table.columns:
        index = table.columns.index(target)
        balance = dict(Counter(str(row[index]) for row in table.rows if row[index] is not None))
    return {"kind": "tabular", "rows": len(table.rows), "columns": columns, "class_balance": balance}


def _label_balance(ws: Workspace, dataset_id: int) -> dict:
    """How many items carry each class label."""
    rows = ws.db.query("SELECT a.label, count(*) AS n FROM annotations a JOIN items i ON i.id = a.item_id "
                       "WHERE i.dataset_id = ? AND a.label IS NOT NULL GROUP BY a.label", [dataset_id])
    return {row["label"]: row["n"] for row in rows}


def volume_summary(path: Path) -> dict:
    """Shape and spacing (sagittal, coronal, axial, as an item's ``meta`` counts them) and value range of one volume."""
    import nibabel

    from mass_ide.core.data.orientation import grid_order

    image = nibabel.load(path)
    voxels = np.asanyarray(image.dataobj)
    spacing = [round(float(z), 4) for z in image.header.get_zooms()[:3]]
    return {"shape": grid_order([int(n) for n in voxels.shape[:3]], image.affine),
            "spacing": grid_order(spacing, image.affine), "value_range": [float(voxels.min()), float(voxels.max())]}


def image_summary(path: Path) -> dict:
    """Size, mode and value range of one image."""
    from PIL import Image

    with Image.open(path) as image:
        pixels = np.asarray(image)
        return {"width": image.width, "height": image.height, "mode": image.mode,
                "value_range": [float(pixels.min()), float(pixels.max())]}


def dataset_quality(ws: Workspace, dataset_id: int) -> dict:
    """The quality summary of a dataset, by its kind."""
    from mass_ide.core.data.tables import read_table

    dataset = get_dataset(ws, dataset_id)
    if dataset.kind == "tabular":
        config = json.loads((get_project(ws, dataset.project_id).folder / "config.json").read_text(encoding="utf-8"))
        quality = table_quality(read_table(dataset.folder / "table.csv"), target=config.get("target"))
        quality["class_balance"] = quality["class_balance"] or _label_balance(ws, dataset_id)
        return quality
    items = all_items(ws, dataset_id)
    total = len(items)
    if dataset.kind == "image":
        sizes = Counter(f"{item.meta.get('width')}x{item.meta.get('height')}" for item in items)
        suggested = Counter(item.meta["suggested_label"] for item in items if item.meta.get("suggested_label"))
        return {"kind": "image", "items": total, "sizes": dict(sizes),
                "class_balance": _label_balance(ws, dataset_id) or dict(suggested)}
    import nibabel

    samples = [np.asanyarray(nibabel.load(item.file).dataobj)[::4, ::4, ::4] for item in items]
    values = np.concatenate([sample.ravel() for sample in samples]) if samples else np.zeros(1)
    return {"kind": "volume", "items": total, "spacings": [item.meta.get("spacing") for item in items],
            "value_range": [float(values.min()), float(values.max())], "histogram": histogram(values)}
