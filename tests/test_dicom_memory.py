"""A DICOM series goes to disk slice by slice: memory stays bounded by a few slices, a failure leaves nothing behind."""

import tracemalloc

import nibabel
import numpy as np
import pydicom
import pytest
from dicom_fixtures import write_ct_series

from mass_ide.core import projects
from mass_ide.core.data import datasets
from mass_ide.core.data.importers import import_source
from mass_ide.core.errors import InvalidInput

SLICES, SIZE = 200, 256  # 200 × 256 × 256 int16: a 26 MB volume


def traced_peak(call) -> int:
    """The peak of Python's traced allocations during ``call()``, beyond what was allocated before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_importing_a_series_holds_a_few_slices_not_the_volume(tmp_path):
    written = write_ct_series(tmp_path / "series", count=SLICES, shape=(SIZE, SIZE))
    dest = tmp_path / "dest"
    dest.mkdir()
    reports = []
    peak = traced_peak(lambda: reports.append(import_source(tmp_path / "series", dest, deid_salt="salt")))
    volume_bytes = SLICES * SIZE * SIZE * 2
    assert peak < 10 * 2**20 < volume_bytes / 2, f"peak {peak / 2**20:.1f} MiB, volume {volume_bytes / 2**20:.0f} MiB"
    [item] = reports[0].items
    volume = np.asanyarray(nibabel.load(dest / item.path).dataobj)
    assert volume.shape == (SIZE, SIZE, SLICES) and volume.dtype == np.int16 and item.meta["dtype"] == "int16"
    assert np.array_equal(volume[:, :, -1], written.pixels[-1].T.astype(np.int32) - 1024)
    assert sorted(path.name for path in (dest / "volumes").iterdir()) == [item.path.split("/")[-1]]


def test_a_slice_that_cannot_be_decoded_mid_way_leaves_nothing_half_imported(tmp_path, workspace):
    written = write_ct_series(tmp_path / "series", count=20, shape=(32, 32))
    last = next(path for path in written.files
                if np.allclose(pydicom.dcmread(path).ImagePositionPatient, written.positions[-1]))
    ds = pydicom.dcmread(last)
    ds.PixelData = ds.PixelData[: len(ds.PixelData) // 2]  # the last slice along the normal, written after 19 others
    ds.save_as(last, enforce_file_format=True)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(InvalidInput, match=f"{last.name}: its pixel data"):
        import_source(tmp_path / "series", dest, deid_salt="salt")
    assert [path for path in dest.rglob("*") if not path.is_dir()] == []  # no volume, no part file
    project = projects.create_project(workspace, name="Liver", template="liver-segmentation", user="ana")
    with pytest.raises(InvalidInput, match=last.name):
        datasets.import_dataset(workspace, project.id, source=tmp_path / "series", user="ana")
    assert datasets.list_datasets(workspace, project.id) == []
    assert not list((project.folder / "data").glob(".importing-*")) and not list(workspace.root.rglob("*.part*"))
