"""The Decathlon export, checked by the tool the button names: nnU-Net's own MSD converter, its
dataset-integrity check and its planning and preprocessing run on an export (CPU only)."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from mass_ide.core import projects
from mass_ide.core.annotation import label_files as exports
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets
from mass_ide.core.data.import_report import ImportedItem, ImportReport
from mass_ide.core.samples.writers import save_phantom

SHAPE = (32, 32, 16)  # tiny phantoms: nnU-Net's checks and planning take seconds on them
NNUNET_ID = "501"


def phantom_dataset(ws, folder: Path) -> tuple[datasets.Dataset, list]:
    """A liver-segmentation dataset of four phantom CTs, one stored as a plain ``.nii``; the first three
    get the phantoms' liver and tumour labels as painted masks, the fourth none."""
    import nibabel

    project = projects.create_project(ws, name="Liver", template="liver-segmentation", user="ana")
    staging = project.folder / "data" / ".staging-test"
    items, truths = [], []
    for case in range(4):
        stored = f"volumes/phantom_{case}.{'nii' if case == 1 else 'nii.gz'}"
        ct, labels = save_phantom(staging / stored, folder / f"labels_{case}.nii.gz", shape=SHAPE, seed=case)
        items.append(ImportedItem(Path(stored).name, "volume", stored, {"shape": list(SHAPE)},
                                  hashlib.sha256(ct.read_bytes()).hexdigest()))
        truths.append(np.asanyarray(nibabel.load(labels).dataobj).astype(np.uint8))
    staged = datasets.StagedImport(project.id, staging, ImportReport(kind="volume", items=items,
                                                                    source_name="liver cases.zip"))
    dataset = datasets.commit_import(ws, staged, user="ana")
    stored_items = sorted(datasets.all_items(ws, dataset.id), key=lambda item: item.key)
    for item, truth in zip(stored_items[:3], truths[:3]):
        annotations.write_mask_volume(ws, item.id, values=truth, expected_version=0, user="ana")
    return dataset, stored_items


def nnunet(tool: str, *args: str, root: Path) -> str:
    """Run one of nnU-Net's command-line tools from this Python's environment; returns what it printed."""
    env = {**os.environ, "nnUNet_raw": str(root / "raw"), "nnUNet_preprocessed": str(root / "preprocessed"),
           "nnUNet_results": str(root / "results"), "OMP_NUM_THREADS": "1", "nnUNet_n_proc_DA": "1"}
    done = subprocess.run([str(Path(sys.executable).parent / tool), *args], env=env, capture_output=True,
                          text=True, timeout=300)
    printed = done.stdout + done.stderr
    assert done.returncode == 0, f"{tool} failed:\n{printed[-4000:]}"
    return printed


def test_nnunet_converts_verifies_plans_and_preprocesses_the_decathlon_export(workspace, tmp_path):
    dataset, items = phantom_dataset(workspace, tmp_path / "truth")
    folder = exports.export_msd(workspace, dataset.id, user="ana")

    assert folder.name == f"Task{dataset.id:02d}_LiverCases"
    cases = [f"{item.key.split('.')[0]}_{item.id}" for item in items]
    manifest = json.loads((folder / "dataset.json").read_text())
    assert (manifest["numTraining"], manifest["numTest"]) == (3, 1)
    assert manifest["training"] == [{"image": f"./imagesTr/{c}.nii.gz", "label": f"./labelsTr/{c}.nii.gz"}
                                    for c in cases[:3]]
    assert manifest["test"] == [f"./imagesTs/{cases[3]}.nii.gz"]
    assert (manifest["modality"], manifest["labels"]) == ({"0": "CT"}, {"0": "background", "1": "liver",
                                                                        "2": "tumour"})
    for image in [*(folder / "imagesTr").iterdir(), *(folder / "imagesTs").iterdir()]:
        assert image.name.endswith(".nii.gz") and image.read_bytes()[:2] == b"\x1f\x8b", image.name

    root = tmp_path / "nnunet"
    nnunet("nnUNetv2_convert_MSD_dataset", "-i", str(folder), "-overwrite_id", NNUNET_ID, "-np", "1", root=root)
    raw = root / "raw" / "Dataset501_LiverCases"
    assert sorted(p.name for p in (raw / "imagesTr").iterdir()) == [f"{c}_0000.nii.gz" for c in cases[:3]]
    assert [p.name for p in (raw / "imagesTs").iterdir()] == [f"{cases[3]}_0000.nii.gz"]
    converted = json.loads((raw / "dataset.json").read_text())
    assert converted["channel_names"] == {"0": "CT"} and converted["file_ending"] == ".nii.gz"
    assert converted["labels"] == {"background": 0, "liver": 1, "tumour": 2}

    printed = nnunet("nnUNetv2_plan_and_preprocess", "-d", NNUNET_ID, "--verify_dataset_integrity",
                     "-c", "3d_fullres", "-np", "1", "-npfp", "1", root=root)
    assert "verify_dataset_integrity Done" in printed
    assert "mismatch" not in printed.lower(), printed  # image and label grids agree (shape, spacing, origin)
    preprocessed = root / "preprocessed" / "Dataset501_LiverCases"
    plans = json.loads((preprocessed / "nnUNetPlans.json").read_text())
    assert list(plans["configurations"]["3d_fullres"]["spacing"]) == [2.0, 1.5, 1.5]
    data = sorted(p.name for p in (preprocessed / "nnUNetPlans_3d_fullres").iterdir() if p.suffix == ".pkl")
    assert data == [f"{c}.pkl" for c in cases[:3]]
