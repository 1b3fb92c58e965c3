"""Before a run: what it can train on (labelled counts, the default dataset and preset) and how long it will take.

The estimate is ``startup + epochs × samples × work × rate``: ``work`` is what one sample
costs per epoch relative to the template's full configuration of its task, and ``rate``
the seconds one unit of work takes, learnt from this project's earlier finished runs
(their median) or, before there is one, a typical rate measured on a 2-core CPU with the
templates' sample data. A CUDA GPU is assumed to be faster by a factor per task.
"""

import math
import statistics
from datetime import datetime

from mass_ide.core import runs
from mass_ide.core.data.datasets import get_dataset, list_datasets
from mass_ide.core.errors import InvalidInput
from mass_ide.core.runs import presets
from mass_ide.core.training.api import IMAGE, SEGMENTATION, TABULAR
from mass_ide.core.workspace import Workspace

STARTUP_SECONDS = {TABULAR: 15.0, IMAGE: 20.0, SEGMENTATION: 40.0}  # the worker, torch and MONAI, data, report
CPU_RATE = {TABULAR: 0.001, IMAGE: 0.3, SEGMENTATION: 5.0}  # seconds per sample-epoch of full work, 2-core CPU
CUDA_SPEEDUP = {TABULAR: 1.0, IMAGE: 10.0, SEGMENTATION: 20.0}  # assumed, not measured here
IMAGE_MODEL_COST = {"densenet121": 1.0, "resnet10": 0.35, "resnet18": 0.5, "resnet34": 0.9}
HISTORY_RUNS = 5  # the newest finished runs the rate is learnt from
TASK_WORDS = {TABULAR: "tables", IMAGE: "pictures", SEGMENTATION: "CT volumes"}


def dataset_choices(ws: Workspace, project_id: str) -> list[dict]:
    """The project's datasets, oldest first, each with how many items its task can learn from (``labelled``)."""
    config = runs.project_config(ws, project_id)
    choices = []
    for dataset in list_datasets(ws, project_id):
        labelled, _ = runs.labelled_count(ws, dataset.id, config)
        choices.append({"id": dataset.id, "name": dataset.name, "kind": dataset.kind,
                        "item_count": dataset.item_count, "labelled": labelled})
    return choices


def default_dataset(choices: list[dict]) -> int | None:
    """The dataset to train on by default: the most labelled, the newest on ties (None without datasets)."""
    return max(choices, key=lambda choice: (choice["labelled"], choice["id"]))["id"] if choices else None


def run_options(ws: Workspace, project_id: str) -> dict:
    """What the Train form starts from: datasets with labelled counts, presets and their changes, the defaults."""
    choices = dataset_choices(ws, project_id)
    config = runs.config_file(ws, project_id)
    return {"datasets": choices, "dataset_id": default_dataset(choices),
            "presets": [{"name": name, "changes": changes} for name, changes in presets.preset_changes(config).items()],
            "preset": presets.default_preset(config), "device": device_of({"device": "auto"})}


def device_of(config: dict) -> str:
    """"cuda" or "cpu": where a run with this configuration trains (``device`` "auto": CUDA when available)."""
    wanted = str(config.get("device", "auto")).lower()
    return "cuda" if wanted == "cuda" or (wanted == "auto" and presets.cuda_available()) else "cpu"


def _number(value, name: str) -> float:
    """A positive number from the configuration, or InvalidInput naming the setting."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not number > 0:
        raise InvalidInput(f"'{name}' must be a positive number to estimate a run, not {value!r}")
    return number


def _product(values, name: str) -> float:
    """The product of a list of sizes from the configuration (``roi_size``, ``spacing_mm``…)."""
    if not isinstance(values, list) or not values:
        raise InvalidInput(f"'{name}' must be a list of positive numbers, not {values!r}")
    return math.prod(_number(value, name) for value in values)


def work(config: dict) -> float:
    """What one sample costs per epoch, relative to the template's full configuration of the task.

    Tables: 1. Pictures: pixels over 64×64 times the model's cost (DenseNet121 1, ResNet10 0.35).
    Volumes: half the training crops (voxels over 96³, crops per case over 2), half the resampled
    volume the validation slides over (voxel size 1.5×1.5×2 mm over ``spacing_mm``).
    """
    task = config.get("task")
    if task == IMAGE:
        model = str((config.get("model") or {}).get("name", "densenet121")).lower()
        return _product(config.get("image_size", [64, 64]), "image_size") / 64 ** 2 * IMAGE_MODEL_COST.get(model, 1.0)
    if task == SEGMENTATION:
        crops = _product(config.get("roi_size", [96, 96, 96]), "roi_size") / 96 ** 3
        crops *= _number(config.get("samples_per_case", 2), "samples_per_case") / 2
        return crops / 2 + 4.5 / _product(config.get("spacing_mm", [1.5, 1.5, 2.0]), "spacing_mm") / 2
    return 1.0


def _seconds(start: str | None, end: str | None) -> float | None:
    """The seconds between two ISO times, or None when either is missing."""
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def learnt_rates(ws: Workspace, project_id: str, task: str) -> list[float]:
    """Seconds per sample-epoch of full work of the project's newest finished runs (one process, not resumed)."""
    rates = []
    for run in runs.list_runs(ws, project_id):
        duration = _seconds(run["started_at"], run["finished_at"])
        if (run["status"] != "completed" or run["resume"] or run["processes"] != 1 or not run["epochs_done"]
                or duration is None or run["config"].get("task") != task):
            continue
        samples, _ = runs.labelled_count(ws, run["dataset_id"], run["config"], version=run["dataset_version"])
        try:
            units = run["epochs_done"] * samples * work(run["config"])
        except InvalidInput:
            continue
        if units > 0:
            rates.append(max(duration - STARTUP_SECONDS[task], 0.0) / units)
        if len(rates) == HISTORY_RUNS:
            break
    return rates


def duration_text(seconds: float) -> str:
    """A duration for people: "under a minute", "about 4 min", "about 2 h 10 min"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60:02d} min"


def estimate(ws: Workspace, project_id: str, *, dataset_id: int, version: int | None = None,
             preset: str | None = None, overrides: dict | None = None) -> dict:
    """How long a run of this configuration on this dataset (frozen ``version``, or as it is now) will take.

    ``summary`` says it in one sentence with what the estimate is based on.
    """
    if get_dataset(ws, dataset_id).project_id != project_id:
        raise InvalidInput(f"dataset {dataset_id} belongs to another project than {project_id!r}")
    config = {**runs.project_config(ws, project_id, preset), **(overrides or {})}
    task = config.get("task")
    if task not in CPU_RATE:
        raise InvalidInput(f"unknown task {task!r}; choose one of: {', '.join(CPU_RATE)}")
    samples, _ = runs.labelled_count(ws, dataset_id, config, version=version)
    epochs = int(_number(config.get("epochs", 10), "epochs"))
    device = device_of(config)
    learnt = learnt_rates(ws, project_id, task)
    if learnt:
        rate = statistics.median(learnt)
        basis = f"from the speed of {len(learnt)} earlier run{'s' if len(learnt) > 1 else ''} of this project"
    else:
        rate = CPU_RATE[task] / (CUDA_SPEEDUP[task] if device == "cuda" else 1.0)
        hardware = "a GPU" if device == "cuda" else "a 2-core CPU"
        basis = (f"from a typical speed of training on {TASK_WORDS[task]} on {hardware}; "
                 "no finished run of this project to learn from yet")
    seconds = STARTUP_SECONDS[task] + epochs * samples * work(config) * rate
    where = "the GPU" if device == "cuda" else "this CPU"
    return {"seconds": round(seconds), "duration": duration_text(seconds), "samples": samples, "epochs": epochs,
            "device": device, "runs_learnt_from": len(learnt), "basis": basis,
            "summary": f"{duration_text(seconds)} on {where} (an estimate {basis})"}
