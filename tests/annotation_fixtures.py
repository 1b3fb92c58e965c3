"""Datasets for annotation tests, recorded through the same commit step as a real import.

The format importers have their own tests; here a staged import is built by hand
(real NIfTI and PNG files in a staging folder, described with the importers' own
report classes) so annotation, rendering and export are tested on their own.
"""

import hashlib
from pathlib import Path

import numpy as np

from mass_ide.core import projects
from mass_ide.core.data import datasets
from mass_ide.core.data.import_report import ImportedItem, ImportReport
from mass_ide.core.workspace import Workspace

SPACING = (1.5, 1.5, 2.0)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ct_volume(shape=(16, 12, 8)) -> np.ndarray:
    """A small CT-like volume in HU: air, a body, a brighter 'liver' block."""
    volume = np.full(shape, -1000, dtype=np.int16)
    volume[2:-2, 2:-2, :] = 40
    volume[4:10, 3:8, 2:6] = 60
    return volume


def new_project(ws: Workspace, name: str, template: str, user: str) -> projects.Project:
    """A project named ``name``, or "name 2", "name 3"… when a test before made one (the browser tests share a lab)."""
    taken = {project.name for project in projects.list_projects(ws)}
    free = next(candidate for candidate in (name, *(f"{name} {n}" for n in range(2, 1000))) if candidate not in taken)
    return projects.create_project(ws, name=free, template=template, user=user)


def volume_dataset(ws: Workspace, *, user: str = "ana", cases: int = 2) -> datasets.Dataset:
    """A segmentation project with a dataset of small CT volumes."""
    import nibabel

    project = new_project(ws, "Seg", "liver-segmentation", user)
    staging = project.folder / "data" / ".staging-test"
    (staging / "volumes").mkdir(parents=True)
    affine = np.diag([*SPACING, 1.0])
    affine[:3, 3] = [-10.0, 20.0, 30.0]
    items = []
    for case in range(cases):
        path = staging / "volumes" / f"case{case}.nii.gz"
        nibabel.save(nibabel.Nifti1Image(ct_volume(), affine), path)
        items.append(ImportedItem(f"case{case}.nii.gz", "volume", f"volumes/case{case}.nii.gz",
                                {"shape": [16, 12, 8]}, _sha(path)))
    staged = datasets.StagedImport(project.id, staging, ImportReport(kind="volume", items=items, source_name="cases.zip"))
    return datasets.commit_import(ws, staged, user=user)


def image_dataset(ws: Workspace, *, user: str = "ana") -> datasets.Dataset:
    """A cancer-prediction project with a dataset of three 20x10 grey PNG images."""
    from PIL import Image

    project = new_project(ws, "Cls", "cancer-prediction", user)
    staging = project.folder / "data" / ".staging-test"
    (staging / "images").mkdir(parents=True)
    items = []
    for index in range(3):
        path = staging / "images" / f"img{index}.png"
        Image.fromarray(np.full((10, 20), 50 * index, dtype=np.uint8)).save(path)
        items.append(ImportedItem(f"img{index}.png", "image", f"images/img{index}.png",
                                {"width": 20, "height": 10, "mode": "L"}, _sha(path)))
    staged = datasets.StagedImport(project.id, staging, ImportReport(kind="image", items=items, source_name="images.zip"))
    return datasets.commit_import(ws, staged, user=user)
