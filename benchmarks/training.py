"""Training benchmarks: the IDE's overheads next to bare MONAI, caching, and live-curve latency.

- ``ide_vs_bare_throughput``: image-classification training (DenseNet on the cancer
  template's patches) through the IDE's worker path — SQLite metrics, checkpoints,
  log, live-curves callbacks — against a bare MONAI script (SupervisedTrainer +
  per-epoch SupervisedEvaluator) built from the same model, data and transforms.
  Throughput ratio = bare time ÷ IDE time, alternating A, B, A, B.
- ``logging_overhead``: the same tabular training with the worker's metric recorder
  (batched SQLite writes) vs no-op callbacks; time with ÷ time without.
- ``cache_epoch_ratio``: segmentation epoch time with ``CacheDataset`` ÷ without, from epoch 2.
- ``curve_latency_p95_s``: a real Jupyter server trains a run in its worker; a
  websocket client (the browser's side of the stream) receives each metric; latency
  is arrival time minus the time the engine logged it.
"""

import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from benchmarks.report import figure, write_report

REPEATS = 3


def workspace_with(root: Path, template: str):
    """A workspace with one project of ``template`` and its sample data; (workspace, project id, datasets)."""
    from mass_ide.core import projects
    from mass_ide.core.sample_data import add_sample_data
    from mass_ide.core.workspace import Workspace

    ws = Workspace.open(root)
    project = projects.create_project(ws, name=template, template=template, user="bench")
    return ws, project.id, add_sample_data(ws, project.id, user="bench")


def training_data(ws, project_id: str, dataset_id: int, overrides: dict):
    """The run configuration and the frozen training data of a dataset."""
    from mass_ide.core import datasets, runs
    from mass_ide.core.training import load_training_data

    config = {**runs.project_config(ws, project_id), **overrides}
    version = datasets.freeze(ws, dataset_id, user="bench")["number"]
    return config, load_training_data(ws, dataset_id, version, config)


def bare_monai(config: dict, data) -> float:
    """Seconds for a bare MONAI training of the same task: trainer + per-epoch validation, nothing else."""
    import torch
    from monai.data import DataLoader
    from monai.engines import SupervisedEvaluator, SupervisedTrainer
    from monai.handlers import ValidationHandler
    from monai.utils import set_determinism

    from mass_ide.core.training.tasks import make_task

    set_determinism(seed=int(config.get("seed", 0)))
    task = make_task(config, data)
    train_set, val_set = task.datasets()
    network = task.network()
    trainer = SupervisedTrainer(
        device=torch.device("cpu"), max_epochs=int(config["epochs"]),
        train_data_loader=DataLoader(train_set, batch_size=int(config["batch_size"]), shuffle=True),
        network=network, optimizer=torch.optim.Adam(network.parameters(), lr=float(config["learning_rate"])),
        loss_function=task.loss(), inferer=task.train_inferer(), decollate=False)
    evaluator = SupervisedEvaluator(device=torch.device("cpu"), network=network, inferer=task.val_inferer(),
                                    val_data_loader=DataLoader(val_set, batch_size=task.val_batch_size),
                                    decollate=False)
    task.val_metric().attach(evaluator, "val")
    ValidationHandler(interval=1, validator=evaluator, epoch_level=True).attach(trainer)
    started = time.perf_counter()
    trainer.run()
    return time.perf_counter() - started


def ide_training(ws, project_id: str, dataset_id: int, overrides: dict) -> float:
    """Seconds for the same training through the IDE's worker path, with live-curves callbacks."""
    from mass_ide.core.worker import train_in_process
    from mass_ide.widgets import LiveCurves

    started = time.perf_counter()
    run = train_in_process(ws, project_id, dataset_id=dataset_id, user="bench", overrides=overrides,
                           watch=LiveCurves())
    assert run["status"] == "completed", run["error"]
    return time.perf_counter() - started


def measure_ide_vs_bare(root: Path) -> dict:
    """Alternate bare and IDE trainings of the image task; medians of each."""
    overrides = {"epochs": 2, "batch_size": 16, "device": "cpu"}
    ws, project_id, (patches, _) = workspace_with(root, "cancer-prediction")
    config, data = training_data(ws, project_id, patches.id, overrides)
    times = {"bare": [], "ide": []}
    for _ in range(REPEATS):
        times["bare"].append(bare_monai(config, data))
        times["ide"].append(ide_training(ws, project_id, patches.id, overrides))
    return times


def measure_logging(root: Path) -> dict:
    """Tabular training (many small steps) with the worker's recorder vs no-op callbacks."""
    from mass_ide.core import runs
    from mass_ide.core.training import RunCallbacks, train
    from mass_ide.core.worker import RunRecorder

    overrides = {"epochs": 40, "batch_size": 8, "device": "cpu"}
    ws, project_id, (table,) = workspace_with(root, "liver-function")
    config, data = training_data(ws, project_id, table.id, overrides)
    times = {"with": [], "without": []}
    for repeat in range(REPEATS + 1):
        run = runs.create_run(ws, project_id, dataset_id=table.id, version=1, user="bench", overrides=overrides)
        for variant, callbacks in (("with", RunRecorder(ws, run, writer=True)), ("without", RunCallbacks())):
            folder = root / f"logging-{repeat}-{variant}"
            started = time.perf_counter()
            train(config, data, run_dir=folder, callbacks=callbacks)
            if repeat:  # the first round warms caches for both
                times[variant].append(time.perf_counter() - started)
    return times


def measure_cache(root: Path) -> dict:
    """Segmentation epoch times with and without CacheDataset (epochs from the second on)."""
    from mass_ide.core.training import RunCallbacks, train

    ws, project_id, (volumes,) = workspace_with(root, "liver-segmentation")
    epochs = {}
    for cache in ("memory", "none"):
        config, data = training_data(ws, project_id, volumes.id, {"epochs": 3, "cache": cache, "device": "cpu"})
        marks = [time.perf_counter()]
        callbacks = RunCallbacks(on_epoch=lambda epoch, total, metrics: marks.append(time.perf_counter()))
        train(config, data, run_dir=root / f"cache-{cache}", callbacks=callbacks)
        epochs[cache] = list(np.diff(marks))
    return epochs


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def receive_stream(url: str) -> list[float]:
    """Latencies of every metric arriving on a run's stream, until the server closes it."""
    from tornado.websocket import websocket_connect

    stream = await websocket_connect(url)
    latencies = []
    while (message := await stream.read_message()) is not None:
        arrived = time.time()
        latencies += [arrived - metric["at"] for metric in json.loads(message)["metrics"]]
    return latencies


def measure_latency(root: Path) -> list[float]:
    """Start a Jupyter server, start a run through the API, and time the stream."""
    ws, project_id, (table,) = workspace_with(root / "server" / "mass-workspace", "liver-function")
    ws.close()
    port, token = free_port(), "bench"
    server = subprocess.Popen([sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}",
                               f"--ServerApp.token={token}", f"--ServerApp.root_dir={root / 'server'}", "--allow-root"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/mass-ide/api"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/templates?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request(
            f"{base}/projects/{project_id}/runs?token={token}", method="POST",
            data=json.dumps({"dataset_id": table.id, "config": {"epochs": 8, "batch_size": 8}}).encode(),
            headers={"Content-Type": "application/json"})
        run = json.loads(urllib.request.urlopen(request).read())
        return asyncio.run(receive_stream(f"ws://127.0.0.1:{port}/mass-ide/api/runs/{run['id']}/stream?token={token}"))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    """Measure everything; write results/training.md and training.json."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        ide = measure_ide_vs_bare(root / "ide")
        logging = measure_logging(root / "logging")
        cache = measure_cache(root / "cache")
        latencies = measure_latency(root / "latency")
    median = statistics.median
    figures = {
        "ide_vs_bare_throughput": figure(median(ide["bare"]) / median(ide["ide"]), goal=">= 0.95", unit="ratio"),
        "logging_overhead": figure(median(logging["with"]) / median(logging["without"]), goal="<= 1.02", unit="ratio"),
        "cache_epoch_ratio": figure(median(cache["memory"][1:]) / median(cache["none"][1:]), goal="<= 0.5",
                                    unit="ratio"),
        "curve_latency_p95_s": figure(float(np.percentile(latencies, 95)), goal="<= 1", unit="s"),
    }
    table = [
        ["measure", "values (s)", "median (s)"],
        ["image training, bare MONAI", ", ".join(f"{t:.2f}" for t in ide["bare"]), f"{median(ide['bare']):.2f}"],
        ["image training, IDE worker path", ", ".join(f"{t:.2f}" for t in ide["ide"]), f"{median(ide['ide']):.2f}"],
        ["tabular training with metric logging", ", ".join(f"{t:.2f}" for t in logging["with"]),
         f"{median(logging['with']):.2f}"],
        ["tabular training without", ", ".join(f"{t:.2f}" for t in logging["without"]),
         f"{median(logging['without']):.2f}"],
        ["segmentation epochs, CacheDataset", ", ".join(f"{t:.2f}" for t in cache["memory"]),
         f"{median(cache['memory'][1:]):.2f} (from epoch 2)"],
        ["segmentation epochs, no cache", ", ".join(f"{t:.2f}" for t in cache["none"]),
         f"{median(cache['none'][1:]):.2f} (from epoch 2)"],
        ["live-curve latency", f"{len(latencies)} metrics, p50 {np.percentile(latencies, 50):.3f}",
         f"p95 {np.percentile(latencies, 95):.3f}"],
    ]
    path = write_report("training", title="Training: IDE overheads, caching, live-curve latency", figures=figures,
                        table=table, notes=__doc__)
    print(path.read_text())


if __name__ == "__main__":
    main()
