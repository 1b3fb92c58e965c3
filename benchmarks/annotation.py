"""Annotation speed and import memory on real-size CT.

- Slice render: p50 / p95 over random axial, coronal and sagittal slices of a
  512×512×200 CT volume (after the first, cold load), with CT windows.
- Mask save: p95 of saving one painted 512×512 axial mask slice (PNG decode,
  version check, in-place write, audit), as the browser's autosave does.
- DICOM import: peak memory while importing a ~1 GB series (512×512×2000 int16),
  divided by the size of one output volume; measured in a child process.
"""

import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.report import figure, write_report

SHAPE = (512, 512, 200)
RENDERS = 150
SAVES = 60
DICOM_SLICES = 2000


def ct_phantom(shape: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    """A CT-like int16 volume in HU: air, body, liver, noise."""
    rng = np.random.default_rng(seed)
    x, y = np.ogrid[:shape[0], :shape[1]]
    body = ((x - shape[0] / 2) / (shape[0] * 0.42)) ** 2 + ((y - shape[1] / 2) / (shape[1] * 0.33)) ** 2 < 1
    liver = ((x - shape[0] * 0.38) / (shape[0] * 0.16)) ** 2 + ((y - shape[1] * 0.45) / (shape[1] * 0.12)) ** 2 < 1
    plane = np.where(body, 40, -1000).astype(np.int16)
    plane[liver] = 60
    volume = np.repeat(plane[:, :, None], shape[2], axis=2)
    volume += rng.normal(0, 12, size=shape).astype(np.int16)
    return volume


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile in milliseconds."""
    return float(np.percentile(np.asarray(values) * 1000, q))


def measure_slices_and_masks(folder: Path) -> dict:
    """Import a 512×512×200 volume, then time slice renders and mask saves."""
    import nibabel

    from mass_ide.core import projects
    from mass_ide.core.annotation import labels as annotations
    from mass_ide.core.data import datasets, render
    from mass_ide.core.workspace import Workspace

    source = folder / "ct.nii"
    nibabel.save(nibabel.Nifti1Image(ct_phantom(SHAPE), np.diag([0.8, 0.8, 1.5, 1.0])), source)
    ws = Workspace.open(folder / "workspace")
    projects.create_project(ws, name="Bench", template="liver-segmentation", user="bench")
    dataset = datasets.import_dataset(ws, "bench", source=source, user="bench")
    item = datasets.list_items(ws, dataset.id)[0][0]

    started = time.perf_counter()
    render.render_slice(item, axis="axial", index=0, window="abdomen")
    cold = time.perf_counter() - started
    rng = np.random.default_rng(1)
    axes = {"axial": SHAPE[2], "coronal": SHAPE[1], "sagittal": SHAPE[0]}
    renders = []
    for number in range(RENDERS):
        axis = list(axes)[number % 3]
        index = int(rng.integers(axes[axis]))
        started = time.perf_counter()
        render.render_slice(item, axis=axis, index=index, window=("abdomen", "liver", "60,300")[number % 3])
        renders.append(time.perf_counter() - started)

    stroke = np.zeros((SHAPE[1], SHAPE[0]), dtype=np.uint8)
    stroke[200:260, 180:300] = 1
    buffer = io.BytesIO()
    from PIL import Image

    Image.fromarray(stroke, mode="L").save(buffer, format="PNG")
    painted = buffer.getvalue()
    saves, version = [], 0
    for number in range(SAVES):
        started = time.perf_counter()
        display = render.decode_png(painted)
        saved = annotations.write_mask_slice(ws, item.id, axis="axial", index=number % SHAPE[2],
                                             values=render.from_display(item, display, axis="axial"),
                                             expected_version=version, user="bench")
        saves.append(time.perf_counter() - started)
        version = saved.version
    ws.close()
    return {"cold_ms": cold * 1000, "renders": renders, "saves": saves}


def write_dicom_series(folder: Path, slices: int) -> int:
    """A 512×512×``slices`` CT series; returns the bytes of its pixel data."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    folder.mkdir(parents=True)
    plane = ct_phantom((512, 512, 1))[:, :, 0].T + 1024
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    for index in range(slices):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = CTImageStorage, generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.PatientName, ds.PatientID, ds.Modality = "Bench^Patient", "BENCH-1", "CT"
        ds.ImagePositionPatient, ds.ImageOrientationPatient = [0, 0, index * 0.5], [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing, ds.SliceThickness, ds.InstanceNumber = [0.7, 0.7], 0.5, index + 1
        ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 512, 512, 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        ds.PixelData = plane.astype(np.uint16).tobytes()
        ds.save_as(folder / f"slice{index:05d}.dcm", enforce_file_format=True)
    return slices * 512 * 512 * 2


# The child reads its own peak resident set (VmHWM) from /proc: unlike getrusage's ru_maxrss,
# which Linux carries over from the parent through fork and exec, it starts afresh in the child.
CHILD = """
import json, sys
from pathlib import Path
import nibabel, numpy, pydicom
from mass_ide.core.data.importers import import_source

def status_kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

before = status_kib("VmRSS")
report = import_source(Path(sys.argv[1]), Path(sys.argv[2]), deid_salt="bench")
peak = status_kib("VmHWM")
header = nibabel.load(Path(sys.argv[2]) / report.items[0].path).header
volume = int(numpy.prod(header.get_data_shape())) * header.get_data_dtype().itemsize
print(json.dumps({"before_kib": before, "peak_kib": peak, "volume_bytes": volume}))
"""


def measure_dicom_memory(folder: Path, slices: int) -> dict:
    """Peak resident memory of a child process importing the series, against one volume's size."""
    write_dicom_series(folder / "series", slices)
    (folder / "out").mkdir()
    result = subprocess.run([sys.executable, "-c", CHILD, str(folder / "series"), str(folder / "out")],
                            capture_output=True, text=True, check=True)
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    grown = (measured["peak_kib"] - measured["before_kib"]) * 1024
    return {**measured, "grown_bytes": grown, "ratio": grown / measured["volume_bytes"]}


def main() -> None:
    """Measure, then write results/annotation.md and annotation.json."""
    slices = int(sys.argv[1]) if len(sys.argv) > 1 else DICOM_SLICES
    with tempfile.TemporaryDirectory() as folder:
        timing = measure_slices_and_masks(Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        memory = measure_dicom_memory(Path(folder), slices)
    figures = {
        "slice_p95_ms": figure(percentile(timing["renders"], 95), goal="<= 50", unit="ms"),
        "mask_save_p95_ms": figure(percentile(timing["saves"], 95), goal="<= 100", unit="ms"),
        "dicom_import_peak_mem_ratio": figure(memory["ratio"], goal="<= 0.1", unit="ratio"),
    }
    table = [
        ["measure", "p50", "p95", "n"],
        ["slice render (ms)", f"{percentile(timing['renders'], 50):.1f}", f"{percentile(timing['renders'], 95):.1f}", RENDERS],
        ["mask slice save (ms)", f"{percentile(timing['saves'], 50):.1f}", f"{percentile(timing['saves'], 95):.1f}", SAVES],
        ["first (cold) slice render (ms)", f"{timing['cold_ms']:.0f}", "", 1],
        ["DICOM import memory growth (MiB)", f"{memory['grown_bytes'] / 2**20:.0f}", "", 1],
        ["one output volume (MiB)", f"{memory['volume_bytes'] / 2**20:.0f}", "", 1],
    ]
    path = write_report(
        "annotation",
        title="Annotation: slice rendering, mask saving, DICOM import memory",
        figures=figures,
        table=table,
        notes=f"Volume {SHAPE[0]}×{SHAPE[1]}×{SHAPE[2]} int16 CT, imported through the real importer. Renders "
        "alternate axial / coronal / sagittal at random indices with three windows; the cold render (decompressing "
        "the volume into the cache) is listed apart. A mask save decodes a 512×512 PNG, checks the version, writes "
        f"the slice in place and records the audit event. The DICOM series has {slices} slices of 512×512 int16; "
        "memory is the growth of the importing child process's peak resident set (VmHWM) over its resident size "
        "after imports.",
    )
    print(path.read_text())


if __name__ == "__main__":
    main()
