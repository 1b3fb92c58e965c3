"""The PACS benchmark's figures for Mass IDE as a DICOM node and for the DICOM it writes back (see
:mod:`benchmarks.pacs`, which collects them into ``results/pacs.md``).

- ``store_scp_vs_orthanc``: dcmtk's ``storescu`` sending the same 512×512 CT series into Mass IDE's
  C-STORE SCP (:class:`~mass_ide.core.data.pacs.store_scp.DicomNode`, listening in this process as
  it does in the server) ÷ into Orthanc, instances/s, alternated, medians. The node's import into the
  inbox dataset (after its settle time) is waited for between rounds and reported apart.
- ``seg_write_seconds``: writing a DICOM SEG (highdicom, through ``dicom_results.segmentation``) for a
  512×512×200 two-class mask on its source series, and encoding it as a Part 10 file; median.
"""

import io
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np

from benchmarks.report import figure

PAIRS = 3
SEG_SLICES, SEG_SIZE, SEG_RUNS = 200, 512, 3
CALLING = "BENCHSCU"


def _storescu(host: str, port: int, called: str, folder: Path) -> float:
    """Seconds for one ``storescu`` of every file in ``folder`` over one association."""
    command = ["storescu", "-aet", CALLING, "-aec", called, "+sd", host, str(port), str(folder)]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - started


def _wait_imported(node, series_key: str, timeout: float = 600) -> float:
    """Seconds until the node has imported the series (``series_key``: its hashed UID)."""
    started = time.perf_counter()
    while True:
        shown = [s for s in node.to_json()["series"] if s["series"] == series_key]
        if shown and shown[0]["state"] in ("imported", "failed"):
            assert shown[0]["state"] == "imported", shown[0]
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the node did not import the series")
        time.sleep(0.05)


def _forget_in_orthanc(orthanc, series_uid: str) -> None:
    """Delete the series from Orthanc, so that the next round stores it anew rather than as a duplicate."""
    import json

    for orthanc_id in orthanc.rest("/tools/lookup", body=series_uid.encode()):
        if orthanc_id["Type"] == "Series":
            orthanc.rest(f"/series/{orthanc_id['ID']}", method="DELETE")
    assert not orthanc.rest("/tools/find", body=json.dumps(
        {"Level": "Series", "Query": {"SeriesInstanceUID": series_uid}}).encode())


def store_scp_vs_orthanc(root: Path, instances: int) -> dict:
    """Figure ``store_scp_vs_orthanc``, its table rows and notes."""
    from benchmarks.pacs import SIZE, _fixtures
    from mass_ide.core import projects
    from mass_ide.core.data.pacs.nodes import hashed_uid
    from mass_ide.core.data.pacs.store_scp import DicomNode
    from mass_ide.core.workspace import Workspace

    pacs_fixtures, dicom_fixtures = _fixtures()
    series = dicom_fixtures.write_ct_series(root / "series", count=instances, shape=(SIZE, SIZE), seed=7)
    ws = Workspace.open(root / "workspace")
    projects.create_project(ws, name="Bench", template="liver-segmentation", user="bench")
    node = DicomNode(ws, ae_title="MASSIDE", port=pacs_fixtures.free_port(), allowed_callers=[CALLING],
                     project="Bench", settle_seconds=1.0)
    orthanc = pacs_fixtures.start_orthanc(root / "orthanc")
    node.start()
    seconds, imports = {"node": [], "orthanc": []}, []
    try:
        _storescu("127.0.0.1", orthanc.dicom_port, orthanc.ae_title, series.files[0].parent)  # warm-up, discarded
        _forget_in_orthanc(orthanc, series.uid)
        for _ in range(PAIRS):
            seconds["node"].append(_storescu(node.host, node.port, node.ae_title, series.files[0].parent))
            imports.append(_wait_imported(node, hashed_uid(series.uid)))
            seconds["orthanc"].append(_storescu("127.0.0.1", orthanc.dicom_port, orthanc.ae_title,
                                                series.files[0].parent))
            _forget_in_orthanc(orthanc, series.uid)
    finally:
        node.stop()
        orthanc.stop()
        ws.close()
    rate = {kind: statistics.median(instances / s for s in runs) for kind, runs in seconds.items()}
    runs = {kind: ", ".join(f"{s:.2f}" for s in found) for kind, found in seconds.items()}
    table = [
        ["store_scp_vs_orthanc", "storescu into Mass IDE's node, instances/s (median)", f"{rate['node']:.1f}"],
        ["store_scp_vs_orthanc", "storescu into Orthanc, instances/s (median)", f"{rate['orthanc']:.1f}"],
        ["store_scp_vs_orthanc", "storescu into Mass IDE's node, runs (s)", runs["node"]],
        ["store_scp_vs_orthanc", "storescu into Orthanc, runs (s)", runs["orthanc"]],
        ["store_scp_vs_orthanc", "node: last instance received to the series imported, de-identified, into the "
         "inbox dataset (s, median; includes the 1 s settle time)", f"{statistics.median(imports):.2f}"],
    ]
    notes = (f"**store_scp_vs_orthanc** — dcmtk's `storescu` sends the same {instances}-instance {SIZE}×{SIZE} CT "
             "series (the tests' `write_ct_series`) over one association, alternately to Mass IDE's C-STORE SCP "
             f"and to Orthanc's ({PAIRS} rounds after one discarded send to Orthanc); the series is deleted from "
             "Orthanc after each round so that it is stored anew, not answered as a duplicate. The node writes "
             "each instance to disk as it arrives and imports the series once it has settled, which is timed "
             "apart.")
    return {"figures": {"store_scp_vs_orthanc": figure(rate["node"] / rate["orthanc"], goal=">= 0.7",
                                                      unit="ratio")},
            "table": table, "notes": notes}


def _two_class_mask(shape: tuple) -> np.ndarray:
    """A liver-like ellipsoid (1) holding a tumour-like sphere (2), indexed (column, row, slice)."""
    x, y, z = np.ogrid[:shape[0], :shape[1], :shape[2]]
    centre = np.array(shape) / 2
    liver = ((x - centre[0]) / (shape[0] / 3)) ** 2 + ((y - centre[1]) / (shape[1] / 4)) ** 2 \
        + ((z - centre[2]) / (shape[2] / 2.5)) ** 2 <= 1
    tumour = (x - centre[0] * 1.1) ** 2 + (y - centre[1]) ** 2 + (z - centre[2]) ** 2 <= (shape[0] / 12) ** 2
    mask = liver.astype(np.uint8)
    mask[tumour & liver] = 2
    return mask


def seg_write_seconds(root: Path, instances: int) -> dict:
    """Figure ``seg_write_seconds``, its table rows and notes (``instances`` unused: the size is fixed)."""
    import nibabel
    import pydicom

    from benchmarks.pacs import _fixtures
    from mass_ide.core.data.importers import import_source
    from mass_ide.core.serving import dicom_results

    _, dicom_fixtures = _fixtures()
    series = dicom_fixtures.write_ct_series(root / "series", count=SEG_SLICES, shape=(SEG_SIZE, SEG_SIZE), seed=9)
    (root / "volume").mkdir()
    report = import_source(root / "series", root / "volume", deid_salt="bench", max_bytes=10**10)
    affine = nibabel.load(root / "volume" / report.items[0].path).affine
    sources = [pydicom.dcmread(path, stop_before_pixels=True) for path in series.files]
    mask = _two_class_mask((SEG_SIZE, SEG_SIZE, SEG_SLICES))
    classes = {"0": "background", "1": "liver", "2": "liver tumour"}
    runs, size = [], 0
    for _ in range(SEG_RUNS):
        started = time.perf_counter()
        seg = dicom_results.segmentation(sources, mask, affine, classes=classes, model="liver ct", version=1)
        encoded = io.BytesIO()
        seg.save_as(encoded, enforce_file_format=True)
        runs.append(time.perf_counter() - started)
        size = encoded.tell()
    table = [
        ["seg_write_seconds", "SEG written and encoded, runs (s)", ", ".join(f"{s:.2f}" for s in runs)],
        ["seg_write_seconds", "SEG frames (one per slice and segment holding it) / file size (MiB)",
         f"{int(seg.NumberOfFrames)} / {size / 2**20:.1f}"],
    ]
    notes = (f"**seg_write_seconds** — a {SEG_SIZE}×{SEG_SIZE}×{SEG_SLICES} mask (a liver-like ellipsoid holding "
             "a tumour-like sphere) on a CT series of the same grid, written as a BINARY DICOM SEG by highdicom "
             "with coded segments and the algorithm identification, then encoded as a Part 10 file in memory; "
             f"median of {SEG_RUNS}.")
    return {"figures": {"seg_write_seconds": figure(statistics.median(runs), goal="<= 2", unit="s")},
            "table": table, "notes": notes}
