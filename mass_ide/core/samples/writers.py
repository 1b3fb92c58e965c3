"""The sample data each project template starts with, written without any download.

Real data: the Mayo Clinic PBC table and the Wisconsin breast cancer table
(package data), and LiTS CT case 117 (read from the installed
``liver-ct-segmentation-package``). Generated data: CT phantoms, and patches
named ``generated_*`` that top up the real ones. ``SOURCES.md`` beside this
file gives each source and licence.
"""

from pathlib import Path

from mass_ide.core.errors import InvalidInput
from mass_ide.core.samples.lits import (
    CASE_NAME,
    SampleDataMissing,
    save_lits_case,
    write_lits_case,
)
from mass_ide.core.samples.patches import write_tumour_patches
from mass_ide.core.samples.phantoms import phantom_seed, save_phantom, write_ct_phantoms
from mass_ide.core.samples.tables import write_breast_cancer_table, write_pbc_table

__all__ = [
    "SampleDataMissing",
    "for_template",
    "write_breast_cancer_table",
    "write_ct_phantoms",
    "write_lits_case",
    "write_pbc_table",
    "write_tumour_patches",
]

SEGMENTATION_PHANTOMS = 8


def write_segmentation_set(dest_dir: Path, *, phantoms: int = SEGMENTATION_PHANTOMS, seed: int = 0) -> list[Path]:
    """The LiTS case and ``phantoms`` phantoms as ``images/<name>.nii.gz`` + ``labels/<name>.nii.gz``."""
    names = [CASE_NAME] + [f"phantom_{i:02d}" for i in range(phantoms)]
    pairs = [tuple(Path(dest_dir) / folder / f"{name}.nii.gz" for folder in ("images", "labels")) for name in names]
    written = [save_lits_case(*pairs[0])]
    written += [save_phantom(*pair, seed=phantom_seed(seed, i)) for i, pair in enumerate(pairs[1:])]
    return [path for pair in written for path in pair]


def for_template(template_name: str, dest_dir: Path) -> list[Path]:
    """Write everything the project of ``template_name`` starts with into ``dest_dir``; the files written."""
    writers = {
        "liver-function": lambda: [write_pbc_table(dest_dir)],
        "liver-segmentation": lambda: write_segmentation_set(dest_dir),
        "cancer-prediction": lambda: write_tumour_patches(dest_dir) + [write_breast_cancer_table(dest_dir)],
    }
    if template_name not in writers:
        raise InvalidInput(f"no sample data for template {template_name!r}; choose one of: {', '.join(writers)}")
    return writers[template_name]()
