"""The two real tables shipped as package data: Mayo Clinic PBC and Wisconsin breast cancer."""

import shutil
from importlib.resources import as_file, files
from pathlib import Path

PBC_FILE = "pbc.csv"
BREAST_CANCER_FILE = "breast_cancer.csv"


def copy_data_file(name: str, dest_dir: Path) -> Path:
    """Copy the package data file ``data/<name>`` into ``dest_dir``."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    with as_file(files(__package__) / "data" / name) as source:
        return Path(shutil.copyfile(source, dest_dir / name))


def write_pbc_table(dest_dir: Path) -> Path:
    """The Mayo Clinic PBC trial table (418 patients, missing values as empty cells) as ``pbc.csv``."""
    return copy_data_file(PBC_FILE, dest_dir)


def write_breast_cancer_table(dest_dir: Path) -> Path:
    """The Wisconsin diagnostic breast cancer table (569 cases, ``diagnosis`` column) as ``breast_cancer.csv``."""
    return copy_data_file(BREAST_CANCER_FILE, dest_dir)
