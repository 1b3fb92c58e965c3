"""Cleaning recipes: recorded, editable, re-playable steps that turn a dataset into a cleaned copy.

A recipe is a list of steps such as ``{"op": "trim"}`` or ``{"op": "window",
"level": 60, "width": 400}``. Each operation declares a JSON schema of its
parameters (the UI builds its form from it) and a function. Applying a recipe
never changes the source dataset: it imports a new dataset from the result,
and each new item carries its source item's label, or its mask moved onto the
new item's grid the way the step moved the image (nearest neighbour): that is
:func:`mass_ide.core.annotation.cleaning.apply_recipe`, since it carries labels.
"""

import json
import statistics
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jsonschema

from mass_ide.core import audit
from mass_ide.core.data.datasets import (
    Dataset,
    all_items,
    file_sha256,
    get_dataset,
    list_items,
)
from mass_ide.core.data.import_report import ImportedItem
from mass_ide.core.data.tables import Table, as_number, read_table, write_table
from mass_ide.core.data.tabular import record_sha256
from mass_ide.core.errors import InvalidInput
from mass_ide.core.workspace import Workspace

COLUMNS = {"type": "array", "items": {"type": "string"}, "description": "Columns (empty: all)"}
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Operation:
    """One kind of recipe step."""

    title: str
    params: dict
    apply: Callable
    mask: Callable | None = None  # how a mask follows the step; None: the step keeps the grid, masks are copied


def _map_cells(table: Table, columns: list[str] | None, change: Callable) -> Table:
    """A copy of the table with ``change`` applied to every non-missing text cell of the columns."""
    chosen = set(table.chosen(columns))
    rows = [[change(v) if i in chosen and isinstance(v, str) else v for i, v in enumerate(row)] for row in table.rows]
    return table.derive(rows)


def trim(table: Table, *, columns: list[str] | None = None) -> Table:
    """Trim blanks around text; blank cells become missing."""
    return _map_cells(table, columns, lambda value: value.strip() or None)


STRIPPED = {"punctuation": string.punctuation.replace(".", "").replace("-", ""), "digits": string.digits}


def strip(table: Table, *, chars: str, columns: list[str] | None = None) -> Table:
    """Remove punctuation (keeping '.' and '-') or digits from text cells."""
    removed = str.maketrans("", "", STRIPPED[chars])
    return _map_cells(table, columns, lambda value: value.translate(removed).strip() or None)


def cast(table: Table, *, column: str, to: str) -> Table:
    """Make a column numbers, whole numbers or text; values that do not fit become missing."""
    index = table.column_index(column)

    def convert(value):
        if value is None or to == "text":
            return None if value is None else str(value)
        number = as_number(value)
        return None if number is None else (round(number) if to == "integer" else number)

    return table.derive([[*row[:index], convert(row[index]), *row[index + 1:]] for row in table.rows])


def scale(table: Table, *, column: str, factor: float, unit: str = "") -> Table:
    """Multiply a numeric column (a unit conversion, e.g. µmol/L → mg/dL is × 0.0585)."""
    index = table.column_index(column)
    rows = [[*row[:index], None if as_number(row[index]) is None else as_number(row[index]) * factor,
             *row[index + 1:]] for row in table.rows]
    columns = list(table.columns)
    if unit:
        columns[index] = f"{column} [{unit}]"
    return table.derive(rows, columns=columns)


def fill_missing(table: Table, *, strategy: str, columns: list[str] | None = None, value: str = "") -> Table:
    """Drop rows with missing values, or fill them with the median, mean, most common value or a constant."""
    chosen = table.chosen(columns)
    if strategy == "drop_rows":
        kept = [n for n, row in enumerate(table.rows) if all(row[i] is not None for i in chosen)]
        return table.derive([table.rows[n] for n in kept], kept=kept)
    fills = {}
    for index in chosen:
        present = [row[index] for row in table.rows if row[index] is not None]
        numbers = [as_number(v) for v in present if as_number(v) is not None]
        if strategy == "value":
            fills[index] = value
        elif strategy == "mode" and present:
            fills[index] = statistics.mode(present)
        elif numbers and strategy in ("median", "mean"):
            fills[index] = statistics.median(numbers) if strategy == "median" else statistics.fmean(numbers)
    rows = [[fills.get(i, v) if v is None else v for i, v in enumerate(row)] for row in table.rows]
    return table.derive(rows)


def drop_columns(table: Table, *, columns: list[str]) -> Table:
    """Remove columns."""
    dropped = set(table.chosen(columns))
    kept = [i for i in range(len(table.columns)) if i not in dropped]
    return table.derive([[row[i] for i in kept] for row in table.rows], columns=[table.columns[i] for i in kept])


TABULAR_OPERATIONS = {
    "trim": Operation("Trim blanks", {"columns": COLUMNS}, trim),
    "strip": Operation("Strip punctuation or digits", {
        "chars": {"type": "string", "enum": list(STRIPPED)}, "columns": COLUMNS}, strip),
    "cast": Operation("Set a column's type", {
        "column": {"type": "string"}, "to": {"type": "string", "enum": ["number", "integer", "text"]}}, cast),
    "scale": Operation("Convert units", {
        "column": {"type": "string"}, "factor": {"type": "number"}, "unit": {"type": "string"}}, scale),
    "missing": Operation("Handle missing values", {
        "strategy": {"type": "string", "enum": ["drop_rows", "median", "mean", "mode", "value"]},
        "columns": COLUMNS, "value": {"type": "string"}}, fill_missing),
    "drop_columns": Operation("Drop columns", {"columns": COLUMNS}, drop_columns),
}
REQUIRED = {"strip": ["chars"], "cast": ["column", "to"], "scale": ["column", "factor"], "missing": ["strategy"],
            "drop_columns": ["columns"], "window": ["level", "width"], "resample": ["spacing"],
            "resize": ["width", "height"]}


def window(voxels, affine, *, level: float, width: float):
    """Clip intensities to a CT window (values outside become the window's edges)."""
    import numpy as np

    return np.clip(voxels, level - width / 2, level + width / 2).astype(voxels.dtype, copy=False), affine


def _spacing(voxels, affine, *, spacing: list[float], mode: str):
    """``voxels`` on the grid of ``spacing`` mm that MONAI ``Spacing`` makes (as float32), and its affine."""
    import torch
    from monai.data import MetaTensor
    from monai.transforms import Spacing

    image = MetaTensor(torch.as_tensor(voxels, dtype=torch.float32)[None], affine=torch.as_tensor(affine))
    resampled = Spacing(pixdim=spacing, mode=mode)(image)
    return resampled[0].numpy(), resampled.affine.numpy()


def resample(voxels, affine, *, spacing: list[float]):
    """Resample to a voxel spacing in mm (MONAI ``Spacing``, trilinear)."""
    resampled, new_affine = _spacing(voxels, affine, spacing=spacing, mode="bilinear")
    return resampled.astype(voxels.dtype), new_affine


def resample_mask(mask, affine, *, spacing: list[float]):
    """A mask moved onto the grid :func:`resample` makes, by nearest neighbour (labels stay labels)."""
    import numpy as np

    resampled, new_affine = _spacing(mask, affine, spacing=spacing, mode="nearest")
    return np.rint(resampled).astype(np.uint8), new_affine


VOLUME_OPERATIONS = {
    "window": Operation("CT window (clip Hounsfield units)", {
        "level": {"type": "number", "default": 60}, "width": {"type": "number", "exclusiveMinimum": 0, "default": 400}},
        window),
    "resample": Operation("Resample to a voxel spacing (mm)", {
        "spacing": {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0}, "minItems": 3,
                    "maxItems": 3}}, resample, resample_mask),
}


def resize(image, *, width: int, height: int):
    """Resize an image (bilinear)."""
    from PIL import Image

    return image.resize((width, height), Image.Resampling.BILINEAR)


def resize_mask(mask, *, width: int, height: int):
    """A mask (an 8-bit image of label values) resized like :func:`resize`, by nearest neighbour."""
    from PIL import Image

    return mask.resize((width, height), Image.Resampling.NEAREST)


def grayscale(image):
    """Convert an image to 8-bit grey."""
    return image.convert("L")


IMAGE_OPERATIONS = {
    "resize": Operation("Resize", {"width": {"type": "integer", "minimum": 1, "maximum": 4096},
                                   "height": {"type": "integer", "minimum": 1, "maximum": 4096}}, resize,
                        resize_mask),
    "grayscale": Operation("Convert to grey", {}, grayscale),
}
OPERATIONS = {"tabular": TABULAR_OPERATIONS, "volume": VOLUME_OPERATIONS, "image": IMAGE_OPERATIONS}


def operations_json(kind: str) -> list[dict]:
    """The operations for a dataset kind, with their parameter schemas, for the UI's forms."""
    return [{"op": op, "title": operation.title, "params": step_schema(op, operation)}
            for op, operation in OPERATIONS[kind].items()]


def step_schema(op: str, operation: Operation) -> dict:
    """The JSON schema of one step of operation ``op``."""
    return {"type": "object", "additionalProperties": False, "required": ["op", *REQUIRED.get(op, [])],
            "properties": {"op": {"const": op}, **operation.params}}


def check_steps(kind: str, steps: object) -> list[dict]:
    """Validate a recipe for a dataset kind; the 400 names the bad step."""
    if not isinstance(steps, list):
        raise InvalidInput("a recipe is a list of steps")
    for number, step in enumerate(steps, start=1):
        operation = OPERATIONS[kind].get(step.get("op") if isinstance(step, dict) else None)
        if operation is None:
            known = ", ".join(OPERATIONS[kind])
            raise InvalidInput(f"step {number}: unknown operation; for {kind} data choose one of: {known}")
        try:
            jsonschema.validate(step, step_schema(step["op"], operation))
        except jsonschema.ValidationError as error:
            raise InvalidInput(f"step {number} ({step['op']}): {error.message}") from None
    return steps


def _params(step: dict) -> dict:
    """A step's parameters (everything but its ``op``)."""
    return {k: v for k, v in step.items() if k != "op"}


def run_table(table: Table, steps: list[dict]) -> Table:
    """Apply tabular steps in order."""
    for step in steps:
        table = TABULAR_OPERATIONS[step["op"]].apply(table, **_params(step))
    return table


def run_volume(voxels, affine, steps: list[dict], *, mask: bool = False):
    """Apply volume steps in order; with ``mask``, move a mask the way each step moves the image."""
    for step in steps:
        operation = VOLUME_OPERATIONS[step["op"]]
        change = operation.mask if mask else operation.apply
        if change is not None:
            voxels, affine = change(voxels, affine, **_params(step))
    return voxels, affine


def run_image(image, steps: list[dict], *, mask: bool = False):
    """Apply image steps to a PIL image in order; with ``mask``, move a mask the way each step moves the image."""
    for step in steps:
        operation = IMAGE_OPERATIONS[step["op"]]
        change = operation.mask if mask else operation.apply
        if change is not None:
            image = change(image, **_params(step))
    return image


def get_recipe(ws: Workspace, dataset_id: int) -> list[dict]:
    """The dataset's saved recipe (empty when none)."""
    get_dataset(ws, dataset_id)
    return json.loads(ws.db["datasets"].get(dataset_id)["recipe"] or "[]")


def save_recipe(ws: Workspace, dataset_id: int, *, steps: object, user: str) -> list[dict]:
    """Validate and store the dataset's recipe."""
    steps = check_steps(get_dataset(ws, dataset_id).kind, steps)
    with ws.db.atomic():
        ws.db["datasets"].update(dataset_id, {"recipe": json.dumps(steps)})
        audit.record(ws.db, user=user, action="dataset.recipe", target=f"dataset:{dataset_id}", detail={"steps": steps})
    return steps


def _table_json(table: Table, limit: int = PREVIEW_ROWS) -> dict:
    """The first rows of a table for a preview."""
    return {"columns": table.columns, "rows": table.rows[:limit], "total_rows": len(table.rows)}


def preview(ws: Workspace, dataset_id: int, *, steps: object) -> dict:
    """Before and after for the first rows (tables) or the first item (images, volumes).

    For images and volumes, ``pictures`` shows the item before and after (:func:`~mass_ide.core.data.render.preview_picture`).
    """
    from mass_ide.core.data.quality import image_summary, table_quality, volume_summary
    from mass_ide.core.data.render import preview_picture

    dataset = get_dataset(ws, dataset_id)
    steps = check_steps(dataset.kind, steps)
    if dataset.kind == "tabular":
        before = read_table(dataset.folder / "table.csv")
        after = run_table(before, steps)
        return {"before": _table_json(before), "after": _table_json(after),
                "quality_before": table_quality(before), "quality_after": table_quality(after)}
    items, _ = list_items(ws, dataset_id, limit=1)
    if not items:
        raise InvalidInput("the dataset has no items to preview")
    with ws.scratch() as scratch:
        cleaned = _clean_file(dataset.kind, items[0].file, scratch / items[0].file.name, steps)
        summary = volume_summary if dataset.kind == "volume" else image_summary
        return {"item": items[0].key, "before": summary(items[0].file), "after": summary(cleaned),
                "pictures": {"before": preview_picture(items[0].file, kind=dataset.kind),
                             "after": preview_picture(cleaned, kind=dataset.kind)}}


def _clean_file(kind: str, source: Path, target: Path, steps: list[dict]) -> Path:
    """Apply image or volume steps to one file, writing ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "volume":
        import nibabel
        import numpy as np

        image = nibabel.load(source)
        voxels, affine = run_volume(np.asanyarray(image.dataobj), image.affine, steps)
        nibabel.save(nibabel.Nifti1Image(voxels, affine), target)
    else:
        from PIL import Image

        with Image.open(source) as opened:
            image = run_image(opened.copy(), steps)
        image.save(target)
    return target


def clean_items(ws: Workspace, dataset: Dataset, staging: Path, steps: list[dict]) -> tuple[list, list[str], list]:
    """Write the cleaned data into ``staging``; return its items, its columns, and each item's source item."""
    sources = all_items(ws, dataset.id)
    if dataset.kind == "tabular":
        table = run_table(read_table(dataset.folder / "table.csv"), steps)
        write_table(table, staging / "table.csv")
        items = []
        for number, row in enumerate(table.rows, start=1):
            values = dict(zip(table.columns, row, strict=True))
            items.append(ImportedItem(f"row-{number:06d}", "record", None, values, record_sha256(values)))
        return items, table.columns, [sources[origin] for origin in table.origins]
    items = []
    for item in sources:
        relative = item.file.relative_to(dataset.folder).as_posix()
        cleaned = _clean_file(dataset.kind, item.file, staging / relative, steps)
        meta = dict(item.meta)
        if dataset.kind == "volume":
            import nibabel

            header = nibabel.load(cleaned).header
            meta.update(shape=[int(n) for n in header.get_data_shape()[:3]],
                        spacing=[float(z) for z in header.get_zooms()[:3]])
        else:
            from PIL import Image

            with Image.open(cleaned) as image:
                meta.update(width=image.width, height=image.height, mode=image.mode)
        items.append(ImportedItem(item.key, item.kind, relative, meta, file_sha256(cleaned)))
    return items, [], sources
