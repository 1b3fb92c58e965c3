"""Export labels: a CSV of classes, or a Medical Segmentation Decathlon-style folder.

The MSD layout (``imagesTr/``, ``labelsTr/``, ``dataset.json``) is what MONAI's
``DecathlonDataset`` loaders and nnU-Net read.
"""

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np

from mass_ide.core import audit
from mass_ide.core.annotations import get_annotation, item_grid, label_classes
from mass_ide.core.datasets import all_items, get_dataset
from mass_ide.core.errors import InvalidInput
from mass_ide.core.workspace import Workspace


def labels_csv(ws: Workspace, dataset_id: int) -> str:
    """Every item's key and class, with who labelled it and when, as CSV text."""
    items = all_items(ws, dataset_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["key", "label", "labelled_by", "labelled_at"])
    for item in items:
        annotation = get_annotation(ws, item.id)
        writer.writerow([item.key, annotation.label or "", annotation.updated_by or "", annotation.updated_at or ""])
    return buffer.getvalue()


def _case_name(key: str) -> str:
    """A file-name-safe case name from an item key: 'scans/ct 01.nii.gz' -> 'scans_ct_01'."""
    stem = key.removesuffix(".gz").removesuffix(".nii")
    return "".join(char if char.isalnum() or char in "-_" else "_" for char in stem).strip("_") or "case"


def export_msd(ws: Workspace, dataset_id: int, *, user: str) -> Path:
    """Write the dataset's volumes with painted masks as an MSD folder; returns the folder."""
    import nibabel

    dataset = get_dataset(ws, dataset_id)
    classes = label_classes(ws, dataset.project_id)
    if classes["kind"] != "mask" or dataset.kind != "volume":
        raise InvalidInput("the Decathlon export is for segmentation projects with volume datasets")
    stamp = audit.now_iso().replace(":", "").replace("+0000", "Z")
    target = ws.projects_dir / dataset.project_id / "exports" / f"dataset-{dataset.id}-msd-{stamp}"
    staging = target.with_name(f".{target.name}")
    (staging / "imagesTr").mkdir(parents=True)
    (staging / "labelsTr").mkdir()
    training = []
    try:
        items = all_items(ws, dataset_id)
        for item in items:
            annotation = get_annotation(ws, item.id)
            if annotation.mask_file is None:
                continue
            case = f"{_case_name(item.key)}_{item.id}"
            shutil.copyfile(item.file, staging / "imagesTr" / f"{case}{''.join(item.file.suffixes)}")
            shape, affine = item_grid(item)
            mask = np.asanyarray(nibabel.load(annotation.mask_file).dataobj).reshape(shape)
            nibabel.save(nibabel.Nifti1Image(mask.astype(np.uint8), affine), staging / "labelsTr" / f"{case}.nii.gz")
            training.append({"image": f"./imagesTr/{case}{''.join(item.file.suffixes)}",
                             "label": f"./labelsTr/{case}.nii.gz"})
        if not training:
            raise InvalidInput(f"no item of dataset {dataset.name!r} has a painted mask yet")
        manifest = {
            "name": dataset.name,
            "description": f"Exported by Mass IDE from project {dataset.project_id}, dataset {dataset.id}",
            "tensorImageSize": "3D",
            "modality": {"0": "CT"},
            "labels": {str(c["value"]): c["name"] for c in classes["classes"]},
            "numTraining": len(training),
            "numTest": 0,
            "training": training,
            "test": [],
        }
        (staging / "dataset.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    audit.record(ws.db, user=user, action="dataset.export", target=f"dataset:{dataset_id}",
                 detail={"format": "msd", "cases": len(training), "folder": target.name})
    return target
