"""Cleaning recipes: recorded, editable, re-playable steps that turn a dataset into a cleaned copy.

A recipe is a list of steps such as ``{"op": "trim"}`` or ``{"op": "window",
"level": 60, "width": 400}``. Each operation declares a JSON schema of its
parameters (the UI builds its form from it) and a function. Applying a recipe
never changes the source dataset: it imports a new dataset from the result,
and each new item carries its source item's label, or its mask moved onto the
new item's grid the way the step moved the image (nearest neighbour).
"""

import json
import shutil
import statistics
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jsonschema

from mass_ide.core import audit
from mass_ide.core.annotation.labels import (
    Annotation,
    carry_annotation,
    get_annotation,
    open_mask,
)
from mass_ide.core.data.datasets import (
    Dataset,
    Item,
    StagedImport,
    all_items,
    commit_import,
    count_labelled,
    file_sha256,
    get_dataset,
    list_items,
)
from mass_ide.core.data.geometry import item_grid
from mass_ide.core.data.report import ImportedItem, ImportReport
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


def _cleaned_items(ws: Workspace, dataset: Dataset, staging: Path, steps: list[dict]) -> tuple[list, list[str], list]:
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


def carried_mask(item: Item, mask_file: Path, steps: list[dict]):
    """The item's mask moved onto the grid the steps give its image: resampled or resized by nearest neighbour."""
    import numpy as np

    shape, affine = item_grid(item)
    mask = np.array(open_mask(mask_file, shape, None, "r"))
    if item.kind == "volume":
        return run_volume(mask, affine, steps, mask=True)[0]
    from PIL import Image

    moved = run_image(Image.fromarray(np.ascontiguousarray(mask[:, :, 0].T)), steps, mask=True)
    return np.asarray(moved, dtype=np.uint8).T[:, :, None]


@dataclass(frozen=True)
class Carried:
    """What one new item carries from its source item: the label, or the mask (an ``.npy`` on the new grid)."""

    index: int
    source: Item
    annotation: Annotation
    mask: Path | None


def _carry_plan(ws: Workspace, sources: list[Item], steps: list[dict], scratch: Path) -> list[Carried]:
    """The labels and masks to carry, new item by new item (masks moved onto the new grids into ``scratch``)."""
    import numpy as np

    plan = []
    for index, source in enumerate(sources):
        annotation = get_annotation(ws, source.id)
        if annotation.mask_file is not None and annotation.mask_file.exists():
            np.save(scratch / f"{index}.npy", carried_mask(source, annotation.mask_file, steps))
            plan.append(Carried(index, source, annotation, scratch / f"{index}.npy"))
        elif annotation.label is not None:
            plan.append(Carried(index, source, annotation, None))
    return plan


def _carry(ws: Workspace, cleaned: Dataset, plan: list[Carried], *, steps: list[dict], user: str,
           written: list[Path]) -> None:
    """Give the new items their carried labels and masks; each mask file written is added to ``written``."""
    import numpy as np

    new_items = all_items(ws, cleaned.id)
    for carried in plan:
        item, annotation = new_items[carried.index], carried.annotation
        origin = {"dataset": carried.source.dataset_id, "item": carried.source.id, "key": carried.source.key,
                  "version": annotation.version, "annotated_by": annotation.updated_by,
                  "annotated_at": annotation.updated_at, "recipe": steps}
        mask = None if carried.mask is None else np.load(carried.mask)
        saved = carry_annotation(ws, item.id, label=annotation.label, mask=mask, user=user, carried_from=origin)
        if saved.mask_file is not None:
            written.append(saved.mask_file)


def apply_recipe(ws: Workspace, dataset_id: int, *, user: str) -> Dataset:
    """Run the saved recipe over the whole dataset and import the result as a new dataset.

    Each new item carries its source item's label or mask; rows a step drops take their labels with them.
    """
    dataset = get_dataset(ws, dataset_id)
    steps = get_recipe(ws, dataset_id)
    if not steps:
        raise InvalidInput("the recipe has no steps yet; add some and save it first")
    staging = dataset.folder.parent / f".cleaning-{uuid.uuid4().hex}"
    staging.mkdir()
    with ws.scratch("cleaning-masks") as scratch:
        try:
            items, columns, sources = _cleaned_items(ws, dataset, staging, steps)
            plan = _carry_plan(ws, sources, steps, scratch)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        carried = {"labels": sum(c.mask is None for c in plan), "masks": sum(c.mask is not None for c in plan)}
        warnings = [f"cleaned from dataset {dataset.id} with {len(steps)} step(s)"]
        dropped = count_labelled(ws, dataset.id) - len(plan)
        if dropped:
            warnings.append(f"{dropped} labelled item(s) were dropped by the recipe; their labels are not in the copy")
        report = ImportReport(kind=dataset.kind, items=items, columns=columns, source_name=f"{dataset.name} (cleaned)",
                              warnings=warnings)
        with ws.db.atomic():
            cleaned = commit_import(ws, StagedImport(dataset.project_id, staging, report), user=user)
            written: list[Path] = []
            try:  # one transaction: the copy lands with all its labels, or not at all
                _carry(ws, cleaned, plan, steps=steps, user=user, written=written)
                ws.db["datasets"].update(cleaned.id, {"report": json.dumps(
                    {**cleaned.report, "derived_from": dataset.id, "recipe": steps, "carried": carried})})
                audit.record(ws.db, user=user, action="dataset.clean", target=f"dataset:{cleaned.id}",
                             detail={"derived_from": dataset.id, "recipe": steps, "carried": carried})
            except BaseException:
                for path in written:
                    path.unlink(missing_ok=True)
                shutil.rmtree(cleaned.folder, ignore_errors=True)
                raise
    return get_dataset(ws, cleaned.id)
