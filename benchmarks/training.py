"""Training benchmarks: the IDE's overheads next to bare MONAI, caching, and live-curve latency.

- ``ide_vs_bare_throughput``: image-classification training (DenseNet121 on the cancer
  template's 100 patches, batch 16, the template's 30 epochs) through the IDE's path —
  ``train_in_process``: a run in SQLite, metrics written by the recorder's thread,
  checkpoints at the default ``checkpoint_seconds`` (30: after epochs 1, 30 and one
  or two between, 84 MB each), the log, live-curves callbacks, the evaluation report
  and the automatic registration of the model — against a bare MONAI script
  (SupervisedTrainer + per-epoch SupervisedEvaluator) built from the same model,
  data and transforms. Throughput ratio = bare time ÷ IDE time of each A/B pair,
  median over the pairs.
- ``logging_overhead``: the same tabular training (an MLP with sub-millisecond steps,
  PBC lab values, 40 epochs) with the worker's metric recorder (a row per step handed
  to its SQLite writer thread) vs no-op callbacks. Step time is the mean time from one
  step's loss being reported to the next's within an epoch (so it holds data loading,
  the step, every per-step handler and the writer thread's interference, and leaves
  out the validation between epochs); median of the pairs' step time with ÷ without.
  The whole runs' wall times are in the table too.
- ``cache_epoch_ratio``: segmentation at the template's settings (resampling to
  1.5 × 1.5 × 2 mm, CT window, 96³ crops, UNet 16–128, batch 2, sliding-window
  validation) with ``CacheDataset`` ÷ without: epochs 2 and 3 of two 3-epoch runs of
  each, alternating, ``num_workers`` 0 in both. Measured on clinical-size CT: five
  generated phantoms of 512 × 512 × 200 voxels at 0.75 × 0.75 × 1.5 mm (an abdominal
  scan, gzipped NIfTI like LiTS), imported and labelled through the IDE like a
  user's own CT. The shipped sample CT (LiTS case 117 cut to 128³ and eight 96 × 96 × 64
  phantoms) is measured too: its volumes load in a few tens of milliseconds, so there
  the UNet's compute is the whole epoch and caching cannot shorten it. The table
  also gives the data pipeline alone (one pass of the training loader, no model).
- ``curve_latency_p95_s``: a real Jupyter server trains a run in its worker; a
  websocket client (the browser's side of the stream) receives each metric; latency
  is arrival time minus the time the engine logged it.

The machine is shared (2 cores, other people's tests running), so every comparison is
made of interleaved pairs (A B, B A, A B …) and torch runs one intra-op thread in this process:
two threads busy-waiting on two shared cores made single runs vary twentyfold.
CPU seconds of the whole process (all its threads) are shown beside wall time.
"""

import asyncio
import collections
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
LOGGING_REPEATS = 9  # short runs: more pairs
EPOCHS = 30  # the cancer template's own setting
THREADS = 1
CLINICAL_CASES = 5  # four train, one validates
CLINICAL_SHAPE, CLINICAL_SPACING = (512, 512, 200), (0.75, 0.75, 1.5)  # an abdominal CT, 384 × 384 × 300 mm


def workspace_with(root: Path, template: str):
    """A workspace with one project of ``template`` and its sample data; (workspace, project id, datasets)."""
    from mass_ide.core import projects
    from mass_ide.core.samples.sample_data import add_sample_data
    from mass_ide.core.workspace import Workspace

    ws = Workspace.open(root)
    project = projects.create_project(ws, name=template, template=template, user="bench")
    return ws, project.id, add_sample_data(ws, project.id, user="bench")


def training_data(ws, project_id: str, dataset_id: int, overrides: dict):
    """The run configuration and the frozen training data of a dataset."""
    from mass_ide.core import runs
    from mass_ide.core.data import datasets
    from mass_ide.core.training import load_training_data

    config = {**runs.project_config(ws, project_id), **overrides}
    version = datasets.freeze(ws, dataset_id, user="bench")["number"]
    return config, load_training_data(ws, dataset_id, version, config)


def timed(work) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, what it returned) of ``work()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def device():
    """CUDA when there is a GPU, else the CPU (both arms use the same)."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def bare_monai(config: dict, data) -> None:
    """A bare MONAI training of the same task: trainer + per-epoch validation, nothing else."""
    import torch
    from monai.data import DataLoader
    from monai.engines import SupervisedEvaluator, SupervisedTrainer
    from monai.handlers import ValidationHandler
    from monai.utils import set_determinism

    from mass_ide.core.training.tasks import make_task

    set_determinism(seed=int(config.get("seed", 0)))
    task = make_task(config, data)
    train_set, val_set = task.datasets()
    network = task.network().to(device())
    trainer = SupervisedTrainer(
        device=device(), max_epochs=int(config["epochs"]),
        train_data_loader=DataLoader(train_set, batch_size=int(config["batch_size"]), shuffle=True),
        network=network, optimizer=torch.optim.Adam(network.parameters(), lr=float(config["learning_rate"])),
        loss_function=task.loss(), inferer=task.train_inferer(), decollate=False)
    evaluator = SupervisedEvaluator(device=device(), network=network, inferer=task.val_inferer(),
                                    val_data_loader=DataLoader(val_set, batch_size=task.val_batch_size),
                                    decollate=False)
    task.val_metric().attach(evaluator, "val")
    ValidationHandler(interval=1, validator=evaluator, epoch_level=True).attach(trainer)
    trainer.run()


def ide_training(ws, project_id: str, dataset_id: int, overrides: dict) -> None:
    """The same training through the IDE's path (a run, the recorder, checkpoints, report, registration)."""
    from mass_ide.core.runs.worker import train_in_process
    from mass_ide.widgets import LiveCurves

    run = train_in_process(ws, project_id, dataset_id=dataset_id, user="bench", overrides=overrides,
                           watch=LiveCurves())
    assert run["status"] == "completed", run["error"]


def pairs(first, second, *, repeats: int = REPEATS) -> dict:
    """Pairs of ``first`` (A) and ``second`` (B) after one warm-up of each, in the order A B, B A, A B …
    so neither always runs first; wall and CPU times, and under ``a_result``/``b_result`` what each returned."""
    first(), second()
    times: dict = {"a": [], "b": [], "a_cpu": [], "b_cpu": [], "a_result": [], "b_result": []}
    for index in range(repeats):
        order = (("a", first), ("b", second))
        for key, work in order if index % 2 == 0 else order[::-1]:
            wall, cpu, result = timed(work)
            times[key].append(wall)
            times[f"{key}_cpu"].append(cpu)
            times[f"{key}_result"].append(result)
    return times


def measure_ide_vs_bare(root: Path) -> dict:
    """Pairs of bare and IDE trainings of the image task."""
    overrides = {"epochs": EPOCHS, "batch_size": 16, "device": device().type}
    ws, project_id, (patches, _) = workspace_with(root, "cancer-prediction")
    config, data = training_data(ws, project_id, patches.id, overrides)
    return pairs(lambda: bare_monai(config, data), lambda: ide_training(ws, project_id, patches.id, overrides))


class StepClock:
    """Callbacks that note when each step's loss is reported and pass everything on to ``inner``."""

    def __init__(self, inner):
        self.inner = inner
        self.marks: dict[int, list[float]] = collections.defaultdict(list)

    def on_metric(self, name: str, value: float, *, step: int, epoch: int) -> None:
        if name == "train/loss":
            self.marks[epoch].append(time.perf_counter())
        self.inner.on_metric(name, value, step=step, epoch=epoch)

    def on_epoch(self, epoch: int, epochs: int, metrics: dict) -> None:
        self.inner.on_epoch(epoch, epochs, metrics)

    def on_log(self, line: str) -> None:
        self.inner.on_log(line)

    def step_seconds(self) -> float:
        """Mean time from one step's loss to the next within an epoch (validation between epochs left out)."""
        spans = [(marks[-1] - marks[0], len(marks) - 1) for marks in self.marks.values() if len(marks) > 1]
        return sum(span for span, _ in spans) / sum(steps for _, steps in spans)


def measure_logging(root: Path) -> dict:
    """Pairs of tabular trainings (many small steps) with the worker's recorder and with no-op callbacks;
    each returns its mean step time."""
    from mass_ide.core import runs
    from mass_ide.core.runs.worker import RunRecorder
    from mass_ide.core.training import RunCallbacks, train

    overrides = {"epochs": 40, "batch_size": 8, "device": device().type}
    ws, project_id, (table,) = workspace_with(root, "liver-function")
    config, data = training_data(ws, project_id, table.id, overrides)
    count = iter(range(10_000))
    fresh = [runs.create_run(ws, project_id, dataset_id=table.id, version=1, user="bench", overrides=overrides)
             for _ in range(LOGGING_REPEATS + 1)]  # made beforehand: creating a run is not logging

    def recorded() -> float:
        recorder = RunRecorder(ws, fresh.pop(), writer=True)
        clock = StepClock(recorder)
        train(config, data, run_dir=root / f"with-{next(count)}", callbacks=clock)
        recorder.close()
        return clock.step_seconds()

    def unrecorded() -> float:
        clock = StepClock(RunCallbacks())
        train(config, data, run_dir=root / f"without-{next(count)}", callbacks=clock)
        return clock.step_seconds()

    return pairs(recorded, unrecorded, repeats=LOGGING_REPEATS)


def data_pass(config: dict, data) -> float:
    """Seconds for one pass of the training loader (the data pipeline alone, no model)."""
    from monai.data import DataLoader

    from mass_ide.core.training.tasks import make_task

    train_set, _ = make_task(config, data).datasets()
    loader = DataLoader(train_set, batch_size=int(config["batch_size"]), shuffle=True, num_workers=0)
    for _ in loader:  # the first pass fills the cache
        pass
    started = time.perf_counter()
    for _ in loader:
        pass
    return time.perf_counter() - started


def clinical_ct(root: Path) -> tuple:
    """A liver-segmentation project with ``CLINICAL_CASES`` clinical-size phantoms imported and labelled
    like a user's own CT; (workspace, project id, dataset id)."""
    from mass_ide.core import projects
    from mass_ide.core.data.datasets import import_dataset
    from mass_ide.core.samples.phantoms import phantom_seed, save_phantom
    from mass_ide.core.samples.sample_data import masks_from_files
    from mass_ide.core.workspace import Workspace

    ws = Workspace.open(root)
    project = projects.create_project(ws, name="clinical CT", template="liver-segmentation", user="bench")
    files = root / "files"
    for case in range(CLINICAL_CASES):
        save_phantom(files / "images" / f"case_{case}.nii.gz", files / "labels" / f"case_{case}.nii.gz",
                     shape=CLINICAL_SHAPE, spacing=CLINICAL_SPACING, seed=phantom_seed(1, case))
    dataset = import_dataset(ws, project.id, source=files / "images", name="clinical-size CT phantoms", user="bench")
    masks_from_files(ws, dataset, files / "labels", user="bench")
    return ws, project.id, dataset.id


def measure_cache(root: Path, ws, project_id: str, dataset_id: int) -> dict:
    """Segmentation epoch times with and without CacheDataset (A, B, A, B runs; epochs from the second on),
    and the data pipeline alone."""
    from mass_ide.core.training import RunCallbacks, train

    found: dict = {"memory": [], "none": [], "memory_data": [], "none_data": []}
    for round_ in range(2):
        for cache in ("memory", "none"):
            config, data = training_data(ws, project_id, dataset_id,
                                         {"epochs": 3, "cache": cache, "num_workers": 0, "device": device().type})
            marks = [time.perf_counter()]
            callbacks = RunCallbacks(on_epoch=lambda epoch, total, metrics, marks=marks:
                                     marks.append(time.perf_counter()))
            train(config, data, run_dir=root / f"cache-{cache}-{round_}", callbacks=callbacks)
            found[cache] += list(np.diff(marks))[1:]
            found[f"{cache}_data"].append(data_pass(config, data))
    return found


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


def ratios(times: dict) -> list[float]:
    """Each pair's A time ÷ B time."""
    return [a / b for a, b in zip(times["a"], times["b"])]


def row(label: str, values: list[float], cpu: list[float] | None = None) -> list[str]:
    """A table row: the values, their median and (when given) the median CPU seconds."""
    median = statistics.median(values)
    note = f" (CPU {statistics.median(cpu):.2f})" if cpu else ""
    return [label, ", ".join(f"{v:.2f}" for v in values), f"{median:.2f}{note}"]


def cache_rows(label: str, cache: dict) -> list[list[str]]:
    """Table rows of one caching measurement."""
    return [row(f"{label}: epochs 2–3 of two runs, CacheDataset", cache["memory"]),
            row(f"{label}: epochs 2–3 of two runs, no cache", cache["none"]),
            row(f"{label}: data pipeline alone, one training pass, CacheDataset", cache["memory_data"]),
            row(f"{label}: data pipeline alone, one training pass, no cache", cache["none_data"])]


def main() -> None:
    """Measure everything; write results/training.md and training.json."""
    import torch

    torch.set_num_threads(THREADS)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        ide = measure_ide_vs_bare(root / "ide")
        logging = measure_logging(root / "logging")
        ws, project_id, (volumes,) = workspace_with(root / "shipped", "liver-segmentation")
        shipped = measure_cache(root / "shipped-runs", ws, project_id, volumes.id)
        clinical = measure_cache(root / "clinical-runs", *clinical_ct(root / "clinical"))
        latencies = measure_latency(root / "latency")
    median = statistics.median
    steps = {"a": logging["a_result"], "b": logging["b_result"]}
    figures = {
        "ide_vs_bare_throughput": figure(median(ratios(ide)), goal=">= 0.95", unit="ratio"),
        "logging_overhead": figure(median(ratios(steps)), goal="<= 1.02", unit="ratio"),
        "cache_epoch_ratio": figure(median(clinical["memory"]) / median(clinical["none"]), goal="<= 0.5",
                                    unit="ratio"),
        "curve_latency_p95_s": figure(float(np.percentile(latencies, 95)), goal="<= 1", unit="s"),
    }
    ms = [[f"{1000 * s:.3f}" for s in steps[arm]] for arm in ("a", "b")]
    table = [
        ["measure", "values (s)", "median (s)"],
        row(f"image training, bare MONAI ({EPOCHS} epochs)", ide["a"], ide["a_cpu"]),
        row(f"image training, IDE path ({EPOCHS} epochs)", ide["b"], ide["b_cpu"]),
        ["image training, bare ÷ IDE per pair", ", ".join(f"{r:.3f}" for r in ratios(ide)),
         f"{median(ratios(ide)):.3f}"],
        ["tabular step with metric logging (ms)", ", ".join(ms[0]), f"{1000 * median(steps['a']):.3f} ms"],
        ["tabular step without (ms)", ", ".join(ms[1]), f"{1000 * median(steps['b']):.3f} ms"],
        ["tabular step, with ÷ without per pair", ", ".join(f"{r:.3f}" for r in ratios(steps)),
         f"{median(ratios(steps)):.3f}"],
        row("whole tabular run with metric logging (40 epochs, incl. validation, checkpoints)", logging["a"],
            logging["a_cpu"]),
        row("whole tabular run without", logging["b"], logging["b_cpu"]),
        ["whole tabular run, with ÷ without per pair", ", ".join(f"{r:.3f}" for r in ratios(logging)),
         f"{median(ratios(logging)):.3f}"],
        *cache_rows(f"clinical-size CT ({CLINICAL_CASES} cases)", clinical),
        ["shipped sample CT, epoch with ÷ without cache", "", f"{median(shipped['memory']) / median(shipped['none']):.3f}"],
        *cache_rows("shipped sample CT (9 small cases)", shipped),
        ["live-curve latency", f"{len(latencies)} metrics, p50 {np.percentile(latencies, 50):.3f}",
         f"p95 {np.percentile(latencies, 95):.3f}"],
    ]
    path = write_report("training", title="Training: IDE overheads, caching, live-curve latency", figures=figures,
                        table=table, notes=__doc__)
    print(path.read_text())


if __name__ == "__main__":
    main()
