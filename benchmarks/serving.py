"""Serving benchmarks: the endpoint next to an in-process forward, throughput, dynamic batching, ONNX Runtime.

Every endpoint figure talks HTTP over loopback to a real prediction server process
(``python -m mass_ide.serve``, the deployment worker and ``mass-ide serve``), with a
keep-alive load generator in this process.

- ``endpoint_vs_forward_p50``: 2D segmentation (MONAI UNet 16-32-64-128, the segmentation template's, on a
  512×512 CT-slice-sized picture): p50 of a PNG upload to ``POST mass-ide/api/deployments/{dep}/predict`` on a
  real Jupyter server (token auth, forwarded to the deployment's worker, counted and
  audited), answered with its base64-gzip mask, ÷ p50 of the same model's in-process
  ``forward`` on the same prepared picture; IDE, worker alone, forward, alternated.
- ``tabular_rps``: the liver-function model (trained here for a few epochs on the PBC
  table) with one worker; 32 keep-alive clients post one record each, for 5 s.
- ``batching_gain``: the cancer template's DenseNet121 on 64×64 patches, 16 concurrent
  clients uploading one PNG each; requests/s of a worker with dynamic batching ÷ one
  without (``--max-batch 1``); alternated, medians.
- ``onnx_vs_torch``: ONNX Runtime forward ÷ eager PyTorch forward on one 64×64 patch for
  the DenseNet121 classifier (the edge-device case); the table also shows the other models.

The image and segmentation networks are the templates' architectures with seeded random
weights (speed does not depend on the weights); the tabular model is really trained.
"""

import asyncio
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from benchmarks.report import figure, write_report
from mass_ide.core.serving.deployments import free_port

KEY = "bench-key"
THREADS = "1"  # torch and ONNX Runtime threads on every side: 2 shared cores make team barriers stall
REPEATS = 3
LATENCY_SAMPLES = 40
LOAD_SECONDS = 4.0
RPS_SECONDS = 5.0
FORWARD_SAMPLES = 40
SETTLE_S = 0.15  # between A and B: idle OpenMP / ONNX Runtime threads of one side stop spinning


def warm(run, *, seconds: float = 1.5) -> None:
    """Call ``run`` for a while first: the first forward passes of a process are many times slower."""
    stop_at = time.perf_counter() + seconds
    while time.perf_counter() < stop_at:
        run()


def settle() -> None:
    """Let the other side's worker threads go idle before timing this side."""
    time.sleep(SETTLE_S)


def save_model(path: Path, meta: dict, *, seed: int = 0) -> Path:
    """A model file of the network ``meta`` describes, with seeded random weights."""
    import torch

    from mass_ide.core.serving.predictor import MODEL_FORMAT
    from mass_ide.core.training.tasks import network_for

    torch.manual_seed(seed)
    torch.save({"format": MODEL_FORMAT, "model": network_for(meta).state_dict(), "meta": meta}, path)
    return path


def segmentation_2d_meta() -> dict:
    """A 2D segmentation model for 512×512 CT slices: one sliding window covers a slice."""
    return {"task": "segmentation", "classes": ["background", "liver", "tumour"],
            "config": {"task": "segmentation", "spatial_dims": 2, "roi_size": [512, 512], "sw_batch_size": 1,
                       "overlap": 0.0, "model": {"name": "unet", "channels": [16, 32, 64, 128],
                                                 "strides": [2, 2, 2], "in_channels": 1}}}


def classifier_meta() -> dict:
    """The cancer-prediction template's classifier (DenseNet121, 64×64, one channel)."""
    config = json.loads((Path(__file__).resolve().parent.parent / "templates" / "cancer-prediction"
                         / "config.json").read_text(encoding="utf-8"))
    return {"task": "image-classification", "classes": config["classes"], "config": config}


def tabular_model(root: Path) -> tuple[Path, list[dict]]:
    """A liver-function model trained for 5 epochs on the PBC table, and the table's records."""
    from mass_ide.core import projects
    from mass_ide.core.data import datasets
    from mass_ide.core.runs.worker import train_in_process
    from mass_ide.core.samples.sample_data import add_sample_data
    from mass_ide.core.workspace import Workspace

    ws = Workspace.open(root / "ws")
    project = projects.create_project(ws, name="Labs", template="liver-function", user="bench")
    [table] = add_sample_data(ws, project.id, user="bench")
    run = train_in_process(ws, project.id, dataset_id=table.id, user="bench",
                           overrides={"epochs": 5, "device": "cpu", "register": False})
    return Path(run["result"]["checkpoint"]), [item.meta for item in datasets.all_items(ws, table.id)]


def png(size: int, *, seed: int = 0) -> bytes:
    """A grey PNG picture with random content."""
    from PIL import Image

    buffer = io.BytesIO()
    pixels = np.random.default_rng(seed).integers(0, 255, (size, size), dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def wait_for(request, *, seconds: float = 120) -> None:
    """Call ``request`` until it stops raising OSError (a server starting up)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            request()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Worker:
    """A prediction server process for one model file."""

    def __init__(self, model_file: Path, *extra: str):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mass_ide.serve", "--model-file", str(model_file), "--port", str(self.port),
             *extra], env={**os.environ, "MASS_IDE_SERVE_KEY": KEY, "OMP_NUM_THREADS": THREADS},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def http_request(path: str, body: bytes, content_type: str, *, auth: str = f"X-API-Key: {KEY}") -> bytes:
    """One keep-alive HTTP/1.1 POST as bytes."""
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _client(port: int, request: bytes, stop_at: float, latencies: list, codes: dict, *,
                  limit: int | None = None) -> None:
    """Send ``request`` again and again on one connection until ``stop_at`` (or ``limit`` answers)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < stop_at or (limit is not None and len(latencies) < limit):
        started = time.perf_counter()
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"content-length: *(\d+)", head, re.IGNORECASE).group(1))
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        code = head[9:12].decode()
        codes[code] = codes.get(code, 0) + 1
    writer.close()


def load(port: int, request: bytes, *, clients: int, seconds: float, limit: int | None = None
         ) -> tuple[float, list[float]]:
    """Requests/s (200s only) and latencies of ``clients`` keep-alive clients for ``seconds`` (or ``limit`` requests)."""
    latencies, codes = [], {}

    async def run() -> None:
        stop_at = time.perf_counter() + seconds
        await asyncio.gather(*(_client(port, request, stop_at, latencies, codes, limit=limit)
                               for _ in range(clients)))

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    if set(codes) != {"200"}:
        raise RuntimeError(f"the server answered {codes}")
    return codes["200"] / elapsed, latencies


def forward_seconds(predictor, batch) -> float:
    """Seconds of one forward pass of a prepared batch."""
    started = time.perf_counter()
    predictor.forward(batch)
    return time.perf_counter() - started


class IDEServer:
    """A Jupyter server with Mass IDE whose workspace holds ``model_file`` as a model version, deployed."""

    def __init__(self, root: Path, model_file: Path):
        from mass_ide.core import projects, registry
        from mass_ide.core.workspace import Workspace

        ws = Workspace.open(root / "server" / "mass-workspace")
        project = projects.create_project(ws, name="Bench", template="liver-segmentation", user="bench")
        version = registry.import_model_file(ws, model_file, name="bench-model", user="bench", project_id=project.id)
        ws.close()
        self.port, self.token = free_port(), "bench"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={self.port}",
             f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={root / 'server'}", "--allow-root"],
            env={**os.environ, "OMP_NUM_THREADS": THREADS},  # the deployment's worker inherits it
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.api = f"http://127.0.0.1:{self.port}/mass-ide/api"
        wait_for(lambda: self.call("GET", "deployments"))
        deployment = self.call("POST", f"models/bench-model/versions/{version['number']}/deploy", {})
        while deployment["status"] == "starting":
            time.sleep(0.2)
            deployment = self.call("GET", f"deployments/{deployment['id']}")
        if deployment["status"] != "running":
            raise RuntimeError(f"the deployment did not start: {deployment['error']}")
        self.predict_path = f"/mass-ide/api/{deployment['url']}"

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        """A JSON request to the IDE's API."""
        request = urllib.request.Request(f"{self.api}/{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {self.token}"})
        return json.loads(urllib.request.urlopen(request, timeout=30).read())

    def stop(self) -> None:
        """Stop the server and the deployment's worker."""
        for deployment in self.call("GET", "deployments")["deployments"]:
            self.call("DELETE", f"deployments/{deployment['id']}")
        self.process.terminate()
        self.process.wait(timeout=30)


def endpoint_vs_forward(root: Path) -> dict:
    """p50 of the 2D segmentation endpoint (through the IDE, and the worker alone) and of its in-process forward."""
    from mass_ide.core.serving.predictor import Predictor

    model_file = save_model(root / "segmentation-2d.pt", segmentation_2d_meta())
    picture = png(512)
    predictor = Predictor.load(model_file, device="cpu")
    batch = predictor.prepare([picture])
    ide, worker = IDEServer(root, model_file), Worker(model_file)
    direct = http_request("/predict?filename=slice.png", picture, "application/octet-stream")
    through_ide = http_request(f"{ide.predict_path}?filename=slice.png", picture, "application/octet-stream",
                               auth=f"Authorization: token {ide.token}")
    times = {"ide": [], "worker": [], "forward": []}
    try:
        load(worker.port, direct, clients=1, seconds=1.5)  # warm-up, as long for each side
        load(ide.port, through_ide, clients=1, seconds=1.5)
        warm(lambda: predictor.forward(batch))
        for _ in range(LATENCY_SAMPLES):
            settle()
            times["ide"].extend(load(ide.port, through_ide, clients=1, seconds=0.0, limit=1)[1])
            settle()
            times["worker"].extend(load(worker.port, direct, clients=1, seconds=0.0, limit=1)[1])
            settle()
            times["forward"].append(forward_seconds(predictor, batch))
    finally:
        worker.stop()
        ide.stop()
    return {f"{name}_ms": statistics.median(values) * 1000 for name, values in times.items()}


def tabular_throughput(root: Path) -> dict:
    """Requests/s of one tabular worker under 32 keep-alive clients."""
    checkpoint, records = tabular_model(root)
    worker = Worker(checkpoint)
    request = http_request("/predict", json.dumps({"records": [records[0]]}).encode(), "application/json")
    try:
        load(worker.port, request, clients=32, seconds=1.0)
        found = [load(worker.port, request, clients=32, seconds=RPS_SECONDS)[0] for _ in range(REPEATS)]
    finally:
        worker.stop()
    return {"rps": statistics.median(found), "runs": found, "checkpoint": checkpoint}


def batching(root: Path) -> dict:
    """Requests/s of 16 concurrent clients with and without dynamic batching, alternated."""
    model_file = save_model(root / "classifier.pt", classifier_meta())
    request = http_request("/predict?filename=patch.png", png(64), "application/octet-stream")
    with_batching, without = Worker(model_file), Worker(model_file, "--max-batch", "1", "--max-wait-ms", "0")
    rates = {"with": [], "without": []}
    try:
        for worker in (with_batching, without):
            load(worker.port, request, clients=16, seconds=1.0)
        for _ in range(REPEATS):
            rates["with"].append(load(with_batching.port, request, clients=16, seconds=LOAD_SECONDS)[0])
            rates["without"].append(load(without.port, request, clients=16, seconds=LOAD_SECONDS)[0])
    finally:
        with_batching.stop()
        without.stop()
    return {name: statistics.median(values) for name, values in rates.items()}


def onnx_vs_torch(root: Path, model_file: Path, name: str) -> dict:
    """Median forward time of ONNX Runtime and eager PyTorch on the model's example input, alternated."""
    import torch

    from mass_ide.core.serving.export import export_onnx
    from mass_ide.core.serving.onnx_network import OnnxNetwork
    from mass_ide.core.serving.predictor import Predictor

    eager = Predictor.load(model_file, device="cpu")
    onnx_file = root / f"{name}.onnx"
    export_onnx(eager, onnx_file)
    session = OnnxNetwork(onnx_file, device=torch.device("cpu"))
    example = torch.randn(eager.example_input().shape, generator=torch.Generator().manual_seed(0))
    times = {"onnx": [], "torch": []}
    with torch.inference_mode():
        warm(lambda: session(example))
        warm(lambda: eager.network(example))
        for _ in range(FORWARD_SAMPLES):
            for runtime, run in (("onnx", session), ("torch", eager.network)):
                settle()
                started = time.perf_counter()
                run(example)
                times[runtime].append(time.perf_counter() - started)
    return {runtime: statistics.median(values) * 1000 for runtime, values in times.items()}


def main() -> None:
    """Run every serving benchmark and write results/serving.md and serving.json."""
    import torch

    torch.set_num_threads(int(THREADS))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        latency = endpoint_vs_forward(root)
        tabular = tabular_throughput(root)
        batched = batching(root)
        onnx = {"DenseNet121 classifier, 1×1×64×64": onnx_vs_torch(root, root / "classifier.pt", "classifier"),
                "2D UNet, 1×1×512×512": onnx_vs_torch(root, root / "segmentation-2d.pt", "segmentation"),
                "liver-function MLP, 1 record": onnx_vs_torch(root, tabular["checkpoint"], "tabular")}
    classifier = onnx["DenseNet121 classifier, 1×1×64×64"]
    figures = {
        "endpoint_vs_forward_p50": figure(latency["ide_ms"] / latency["forward_ms"], goal="<= 1.3", unit="ratio"),
        "tabular_rps": figure(tabular["rps"], goal=">= 500", unit="requests/s"),
        "batching_gain": figure(batched["with"] / batched["without"], goal=">= 2", unit="ratio"),
        "onnx_vs_torch": figure(classifier["onnx"] / classifier["torch"], goal="<= 0.8", unit="ratio"),
    }
    table = [["measurement", "value"],
             ["2D segmentation IDE endpoint p50 (Jupyter auth, forwarded, audited; PNG → base64-gzip mask)",
              f"{latency['ide_ms']:.1f} ms"],
             ["2D segmentation worker endpoint p50 (the prediction server alone)", f"{latency['worker_ms']:.1f} ms"],
             ["2D segmentation in-process forward p50", f"{latency['forward_ms']:.1f} ms"],
             ["tabular requests/s, 32 clients, runs", ", ".join(f"{r:.0f}" for r in tabular["runs"])],
             ["classifier requests/s, 16 clients, dynamic batching", f"{batched['with']:.1f}"],
             ["classifier requests/s, 16 clients, no batching", f"{batched['without']:.1f}"],
             *([f"forward p50 {name}: ONNX Runtime / PyTorch",
                (f"{t['onnx']:.2f} ms / {t['torch']:.2f} ms (ratio {t['onnx'] / t['torch']:.2f})")]
               for name, t in onnx.items())]
    write_report("serving", title="Serving benchmarks", figures=figures, table=table,
                 notes=f"{os.cpu_count()} CPU cores shared with other work, no GPU; the load generator runs on the "
                       f"same machine as the server; every side uses {THREADS} torch / ONNX Runtime thread "
                       "(with two threads on two busy shared cores, the second thread's barrier waits made single "
                       "forward passes 3–10× slower at random). " + __doc__.split("\n\n", 1)[1])


if __name__ == "__main__":
    main()
