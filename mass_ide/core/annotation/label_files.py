"""Export labels: a CSV of classes, or a Medical Segmentation Decathlon-style folder.

The MSD layout (a ``Task<NN>_<Name>`` folder with ``imagesTr/``, ``labelsTr/``, ``imagesTs/`` and
``dataset.json``) is what MONAI's ``DecathlonDataset`` loaders and nnU-Net's
``nnUNetv2_convert_MSD_dataset`` read.
"""

import csv
import gzip
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np

from mass_ide.core import audit
from mass_ide.core.annotation.labels import get_annotation, label_classes
from mass_ide.core.data.datasets import all_items, get_dataset
from mass_ide.core.data.files import CHUNK_BYTES, GZIP_MAGIC
from mass_ide.core.data.geometry import item_grid
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


def _task_name(dataset_id: int, name: str) -> str:
    """The Decathlon folder name ``Task<NN>_<Name>``: nnU-Net reads the number and name from it.

    The name has no underscore (nnU-Net splits the folder name at the one underscore):
    'liver cases.zip' -> 'Task07_LiverCases'.
    """
    stem = re.sub(r"(\.(zip|tar|tgz|gz))+$", "", name, flags=re.IGNORECASE)
    words = re.findall(r"[A-Za-z0-9]+", stem)
    return f"Task{dataset_id:02d}_{''.join(word[:1].upper() + word[1:] for word in words) or 'Dataset'}"


def _copy_gzipped(source: Path, target: Path) -> None:
    """Copy a NIfTI file to ``target`` (a ``.nii.gz``), gzipping it when it is a plain ``.nii``."""
    with source.open("rb") as probe:
        gzipped = probe.read(2) == GZIP_MAGIC
    if gzipped:
        shutil.copyfile(source, target)
        return
    with source.open("rb") as raw, target.open("wb") as out, \
            gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0) as packed:
        shutil.copyfileobj(raw, packed, CHUNK_BYTES)


def _write_label(item, mask_file: Path, target: Path) -> None:
    """Write the item's mask as uint8 ``target`` on its image's header, so both readers see one grid."""
    import nibabel

    image = nibabel.load(item.file)
    shape, _ = item_grid(item)
    mask = np.asanyarray(nibabel.load(mask_file).dataobj).reshape(shape).astype(np.uint8)
    header = image.header.copy()
    header.set_data_dtype(np.uint8)
    header.set_slope_inter(1.0, 0.0)
    header["cal_min"], header["cal_max"] = 0, 0
    nibabel.save(type(image)(mask, None, header=header), target)


def export_msd(ws: Workspace, dataset_id: int, *, user: str) -> Path:
    """Write the dataset as a Medical Segmentation Decathlon task folder; returns that folder.

    Volumes with a painted mask are the training cases (``imagesTr/``, ``labelsTr/``), the others
    the test cases (``imagesTs/``, empty when every volume has a mask), all as ``.nii.gz``, with
    the Decathlon ``dataset.json``. The folder, ``exports/dataset-<id>-msd-<time>/Task<NN>_<Name>``,
    is what ``nnUNetv2_convert_MSD_dataset -i`` and MONAI's ``load_decathlon_datalist`` take.
    """
    dataset = get_dataset(ws, dataset_id)
    classes = label_classes(ws, dataset.project_id)
    if classes["kind"] != "mask" or dataset.kind != "volume":
        raise InvalidInput("the Decathlon export is for segmentation projects with volume datasets")
    stamp = audit.now_iso().replace(":", "").replace("+0000", "Z")
    outer = ws.projects_dir / dataset.project_id / "exports" / f"dataset-{dataset.id}-msd-{stamp}"
    staging = outer.with_name(f".{outer.name}")
    task = _task_name(dataset.id, dataset.name)
    for folder in ("imagesTr", "labelsTr", "imagesTs"):
        (staging / task / folder).mkdir(parents=True)
    training, test = [], []
    try:
        for item in all_items(ws, dataset_id):
            annotation = get_annotation(ws, item.id)
            case = f"{_case_name(item.key)}_{item.id}"
            if annotation.mask_file is None or not annotation.mask_file.exists():
                _copy_gzipped(item.file, staging / task / "imagesTs" / f"{case}.nii.gz")
                test.append(f"./imagesTs/{case}.nii.gz")
                continue
            _copy_gzipped(item.file, staging / task / "imagesTr" / f"{case}.nii.gz")
            _write_label(item, annotation.mask_file, staging / task / "labelsTr" / f"{case}.nii.gz")
            training.append({"image": f"./imagesTr/{case}.nii.gz", "label": f"./labelsTr/{case}.nii.gz"})
        if not training:
            raise InvalidInput(f"no item of dataset {dataset.name!r} has a painted mask yet")
        labels = {"0": "background"} | {str(c["value"]): c["name"] for c in classes["classes"] if c["value"] != 0}
        manifest = {
            "name": task.split("_", 1)[1],
            "description": f"Exported by Mass IDE from project {dataset.project_id}, dataset {dataset.id} "
                           f"({dataset.name})",
            "reference": f"Mass IDE project {dataset.project_id}, dataset {dataset.id}",
            "release": stamp,
            "tensorImageSize": "3D",
            "modality": {"0": "CT"},
            "labels": labels,
            "numTraining": len(training),
            "numTest": len(test),
            "training": training,
            "test": test,
        }
        (staging / task / "dataset.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        staging.rename(outer)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    audit.record(ws.db, user=user, action="dataset.export", target=f"dataset:{dataset_id}",
                 detail={"format": "msd", "cases": len(training), "test_cases": len(test),
                         "folder": f"{outer.name}/{task}"})
    return outer / task
