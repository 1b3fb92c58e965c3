"""Add a template's sample data to a project: datasets, with their ground truth as annotations.

The files come from :mod:`mass_ide.core.samples` (real tables and CT, generated
phantoms); they go through the same importers as the user's own data.
"""

from pathlib import Path

from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data.datasets import Dataset, all_items, import_dataset
from mass_ide.core.projects import get_project
from mass_ide.core.workspace import Workspace


def _label_from_folders(ws: Workspace, dataset: Dataset, *, user: str) -> None:
    """Record each image's class folder ('no_tumour' → 'no tumour') as its label."""
    for item in all_items(ws, dataset.id):
        label = item.meta.get("suggested_label", "").replace("_", " ")
        if label:
            annotations.set_label(ws, item.id, label=label, expected_version=0, user=user)


def masks_from_files(ws: Workspace, dataset: Dataset, labels_dir: Path, *, user: str) -> None:
    """Record each volume's ground-truth label file (same name) as its mask."""
    import nibabel
    import numpy as np

    for item in all_items(ws, dataset.id):
        values = np.asanyarray(nibabel.load(labels_dir / Path(item.key).name).dataobj).astype(np.uint8)
        annotations.write_mask_volume(ws, item.id, values=values, expected_version=0, user=user)


def add_sample_data(ws: Workspace, project_id: str, *, user: str) -> list[Dataset]:
    """Import the project template's sample data as labelled datasets; returns them."""
    from mass_ide.core.samples import writers as samples

    project = get_project(ws, project_id)
    with ws.scratch("samples") as folder:
        if project.template == "liver-function":
            table = samples.write_pbc_table(folder)
            return [import_dataset(ws, project.id, source=table, name="PBC trial lab values (real)", user=user)]
        if project.template == "liver-segmentation":
            samples.write_segmentation_set(folder)
            volumes = import_dataset(ws, project.id, source=folder / "images", user=user,
                                     name="Liver CT: LiTS case 117 (real) and phantoms (generated)")
            masks_from_files(ws, volumes, folder / "labels", user=user)
            return [volumes]
        samples.write_tumour_patches(folder / "patches")
        patches = import_dataset(ws, project.id, source=folder / "patches", user=user,
                                 name="Tumour patches from LiTS CT (real; generated_* are generated)")
        _label_from_folders(ws, patches, user=user)
        table = samples.write_breast_cancer_table(folder)
        return [patches, import_dataset(ws, project.id, source=table, name="Breast cancer Wisconsin (real)", user=user)]
