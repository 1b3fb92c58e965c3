"""A dataset cleaned by its recipe, labels and all: the recipe's steps (:mod:`mass_ide.core.data.recipes`) replayed
over every item into a new dataset, each new item carrying its source item's label, or its mask moved onto the new
item's grid the way the step moved the image (nearest neighbour)."""

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

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
    get_dataset,
)
from mass_ide.core.data.geometry import item_grid
from mass_ide.core.data.import_report import ImportReport
from mass_ide.core.data.recipes import clean_items, get_recipe, run_image, run_volume
from mass_ide.core.errors import InvalidInput
from mass_ide.core.workspace import Workspace


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
            items, columns, sources = clean_items(ws, dataset, staging, steps)
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
