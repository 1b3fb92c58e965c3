"""``train``: a task's parts wired into MONAI's SupervisedTrainer and SupervisedEvaluator, with handlers.

The loop is MONAI's; everything else (metrics, checkpoints, stopping, resuming,
logging) is a handler from :mod:`mass_ide.core.training.handlers`. Under
``torchrun`` (``WORLD_SIZE`` > 1) the model is wrapped in DistributedDataParallel,
the training data is sharded, and only rank 0 calls back and writes files.
"""

import json
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from monai import data as md
from monai.engines import SupervisedEvaluator, SupervisedTrainer
from monai.handlers import ValidationHandler
from monai.utils import set_determinism
from torch.nn.parallel import DistributedDataParallel

from mass_ide.core.data.classes import display_names
from mass_ide.core.errors import InvalidInput
from mass_ide.core.training.api import (
    SEGMENTATION,
    RunCallbacks,
    TrainingData,
    TrainingResult,
)
from mass_ide.core.training.handlers.checkpoints import BEST, LAST, CheckpointHandler, ResumeHandler, load_checkpoint
from mass_ide.core.training.handlers.progress import LogHandler, MetricsHandler
from mass_ide.core.training.handlers.schedule import attach_cosine_schedule
from mass_ide.core.training.handlers.stopping import StopHandler
from mass_ide.core.training.losses import loss_name
from mass_ide.core.training.report import (
    BestEpochOutputs,
    ClassificationCollector,
    Collector,
    SegmentationCollector,
)
from mass_ide.core.training.tasks import Task, make_task

DEVICES = ("auto", "cpu", "cuda")
SCHEDULES = ("constant", "cosine")


@contextmanager
def process_group(*, backend: str):
    """Join the torchrun process group when ``WORLD_SIZE`` > 1; yield (rank, world size, local rank)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    dist = torch.distributed
    created = False
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend=backend)
        created = True
    try:
        if world > 1:
            yield dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0"))
        else:
            yield 0, 1, 0
    finally:
        if created:
            dist.destroy_process_group()


def device_kind(config: dict) -> str:
    """"cuda" or "cpu" from ``config["device"]`` ("auto": CUDA when available)."""
    wanted = str(config.get("device", "auto")).lower()
    if wanted not in DEVICES:
        raise InvalidInput(f"unknown device {wanted!r}; choose one of: {', '.join(DEVICES)}")
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted == "cuda" and not torch.cuda.is_available():
        raise InvalidInput("the config asks for device 'cuda' but no CUDA GPU is available; use \"auto\" or \"cpu\"")
    return wanted


def _positive_int(config: dict, name: str, default: int) -> int:
    """``config[name]`` as an integer ≥ 1."""
    try:
        value = int(config.get(name, default))
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise InvalidInput(f"{name!r} must be a whole number of at least 1, not {config.get(name)!r}")
    return value


def _loaders(task: Task, config: dict, *, world: int, rank: int, seed: int) -> tuple:
    """Training loader (sharded under DDP), validation loader (sharded too) and a plain validation loader."""
    train_set, val_set = task.datasets()
    batch_size = _positive_int(config, "batch_size", 8)
    workers = int(config.get("num_workers", 0))
    sampler = val_sampler = None
    if world > 1:
        sampler = md.DistributedSampler(train_set, shuffle=True, num_replicas=world, rank=rank, seed=seed)
        val_sampler = md.DistributedSampler(val_set, even_divisible=False, shuffle=False, num_replicas=world,
                                            rank=rank)
    generator = torch.Generator().manual_seed(seed)
    train = md.DataLoader(train_set, batch_size=batch_size, shuffle=sampler is None, sampler=sampler,
                          num_workers=workers, generator=generator)
    val = md.DataLoader(val_set, batch_size=task.val_batch_size, sampler=val_sampler, num_workers=workers)
    plain_val = md.DataLoader(val_set, batch_size=task.val_batch_size, num_workers=workers) if world > 1 else val
    return train, val, plain_val


def collector(task: Task, *, folder: Path, eager: bool = True) -> Collector:
    """The report collector of the task's kind (pictures go to ``folder``)."""
    if task.data.task == SEGMENTATION:
        spacing = [float(s) for s in task.config["spacing_mm"]] if task.config.get("spacing_mm") else None
        return SegmentationCollector(classes=task.data.classes, folder=folder, spacing=spacing, eager=eager)
    return ClassificationCollector(eager=eager)


def task_report(task: Task, collected: Collector) -> dict:
    """The evaluation report from a collector that saw the whole validation split."""
    if task.data.task == SEGMENTATION:
        return collected.report()
    return collected.report(classes=task.data.classes, threshold=float(task.config.get("threshold", 0.5)),
                            names=display_names(task.config, task.data.classes))


def evaluate(task: Task, *, network: torch.nn.Module, loader, device: torch.device, amp: bool,
             folder: Path) -> dict:
    """Run the validation split once through ``network`` and build the evaluation report."""
    collected = collector(task, folder=folder)
    evaluator = SupervisedEvaluator(device=device, val_data_loader=loader, network=network,
                                    inferer=task.val_inferer(), amp=amp, decollate=False)
    collected.attach(evaluator)
    evaluator.run()
    return task_report(task, collected)


def _carry_best(resume_from: Path, folder: Path) -> None:
    """Copy the resumed run's best.pt into this run's folder when it is another run's."""
    source = resume_from.parent / BEST
    if source.exists() and source.resolve() != (folder / BEST).resolve() and not (folder / BEST).exists():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / BEST)


@dataclass
class Run:
    """One process's share of a run: where it runs and the engines it drives."""

    task: Task
    device: torch.device
    amp: bool
    rank: int
    world: int
    network: torch.nn.Module  # the bare network (what checkpoints hold)
    optimizer: torch.optim.Optimizer
    trainer: SupervisedTrainer
    evaluator: SupervisedEvaluator
    report_loader: object  # the whole validation split, for the final report on rank 0
    kept: BestEpochOutputs | None = None  # the best epoch's validation outputs (one process only)


def _build(config: dict, data: TrainingData, *, kind: str, rank: int, world: int, local_rank: int) -> Run:
    """The task, its loaders, network (DDP-wrapped when distributed), optimizer, trainer and evaluator."""
    device = torch.device("cuda", local_rank) if kind == "cuda" else torch.device("cpu")
    if kind == "cuda":
        torch.cuda.set_device(device)
    amp = kind == "cuda" and bool(config.get("amp", True))
    seed = int(config.get("seed", 0))
    set_determinism(seed=seed)
    task = make_task(config, data)
    train_loader, val_loader, report_loader = _loaders(task, config, world=world, rank=rank, seed=seed)
    network = task.network().to(device)
    model = network
    if world > 1:
        model = DistributedDataParallel(network, device_ids=[local_rank] if kind == "cuda" else None)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(config.get("learning_rate", 1e-3)),
                                 weight_decay=float(config.get("weight_decay", 0.0)))
    evaluator = SupervisedEvaluator(device=device, val_data_loader=val_loader, network=network,
                                    inferer=task.val_inferer(), amp=amp, decollate=False)
    task.val_metric().attach(evaluator, "val")
    trainer = SupervisedTrainer(device=device, max_epochs=_positive_int(config, "epochs", 10),
                                train_data_loader=train_loader, network=model, optimizer=optimizer,
                                loss_function=task.loss(), inferer=task.train_inferer(), amp=amp, decollate=False)
    return Run(task=task, device=device, amp=amp, rank=rank, world=world, network=network, optimizer=optimizer,
               trainer=trainer, evaluator=evaluator, report_loader=report_loader)


def _attach_handlers(run: Run, *, run_dir: Path, sink: RunCallbacks, resume_from: Path | None,
                     should_stop: Callable[[], bool]) -> tuple[StopHandler, CheckpointHandler]:
    """Attach every handler to the trainer, in order; only rank 0 writes checkpoints and logs."""
    config, trainer = run.task.config, run.trainer
    if resume_from is not None:
        _carry_best(resume_from, run_dir / "checkpoints")
        ResumeHandler(resume_from, network=run.network, optimizer=run.optimizer, scaler=trainer.scaler).attach(trainer)
    if config.get("lr_schedule", "constant") == "cosine":
        attach_cosine_schedule(trainer, run.optimizer, epochs=trainer.state.max_epochs)
    ValidationHandler(interval=1, validator=run.evaluator, epoch_level=True).attach(trainer)
    stopper = StopHandler(should_stop, distributed=run.world > 1, device=run.device)
    stopper.attach(trainer)
    MetricsHandler(sink, evaluator=run.evaluator, device=run.device).attach(trainer)
    checkpoints = CheckpointHandler(run_dir / "checkpoints", network=run.network, optimizer=run.optimizer,
                                    scaler=trainer.scaler, key_metric=config.get("best_metric", run.task.key_metric),
                                    meta=run.task.meta(), keep=int(config.get("keep_checkpoints", 3)),
                                    every_seconds=checkpoint_seconds(config), callbacks=sink)
    if run.rank == 0:
        checkpoints.attach(trainer)
        if run.world == 1:  # under DDP each evaluator sees a shard: the report evaluates best.pt again
            run.kept = BestEpochOutputs(lambda: collector(run.task, folder=run_dir / "report", eager=False),
                                        checkpoints)
            run.kept.attach(trainer, run.evaluator)
        split = run.task.split
        intro = (f"{run.task.data.task}: {len(split.train)} training and {len(split.validation)} validation "
                 f"samples, {trainer.state.max_epochs} epochs on {run.device.type}{' with AMP' if run.amp else ''}"
                 f"{f' in {run.world} processes' if run.world > 1 else ''}")
        LogHandler(sink, intro=intro).attach(trainer)
    return stopper, checkpoints


def _final_report(run: Run, *, best_path: Path, best: dict | None, run_dir: Path) -> tuple[dict, str]:
    """The report of best.pt on the whole validation split, also saved as ``report/report.json``; how it was made.

    The outputs the per-epoch evaluator kept of the best epoch are best.pt's own
    outputs (same weights, same data), so they are reused; otherwise best.pt is
    loaded and evaluated once more.
    """
    data = run.task.data
    kept = run.kept.collector_for(best["epoch"]) if run.kept is not None and best else None
    if kept is not None:
        report = task_report(run.task, kept)
        how = f"evaluated {BEST} on the validation split (its outputs kept from epoch {best['epoch']}'s validation)"
    else:
        run.network.load_state_dict(load_checkpoint(best_path, map_location=run.device)["model"])
        report = evaluate(run.task, network=run.network, loader=run.report_loader, device=run.device, amp=run.amp,
                          folder=run_dir / "report")
        how = f"evaluated {BEST} on the validation split"
    report.update({"split": run.task.split.to_json(data.keys), "skipped": data.skipped, "best_metric": best,
                   "dataset": {"id": data.dataset_id, "version": data.version, "digest": data.digest}})
    (run_dir / "report").mkdir(parents=True, exist_ok=True)
    (run_dir / "report" / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report, how


def checkpoint_seconds(config: dict) -> float:
    """``config["checkpoint_seconds"]`` (default 30): the least time between two writes of ``last.pt``."""
    value = config.get("checkpoint_seconds", 30)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0:
        raise InvalidInput(f"'checkpoint_seconds' must be a number of seconds (0: after every epoch), not {value!r}")
    return seconds


def _check(config: dict, resume_from: Path | None) -> str:
    """Refuse a config or resume path that cannot work before anything starts; the device kind."""
    if resume_from is not None and not resume_from.is_file():
        raise InvalidInput(f"there is no checkpoint {resume_from.name} to resume from")
    if config.get("lr_schedule", "constant") not in SCHEDULES:
        raise InvalidInput(f"unknown lr_schedule {config['lr_schedule']!r}; choose one of: {', '.join(SCHEDULES)}")
    _positive_int(config, "epochs", 10)
    _positive_int(config, "batch_size", 8)
    checkpoint_seconds(config)
    loss_name(config)
    return device_kind(config)


def train(config: dict, data: TrainingData, *, run_dir: Path, callbacks: RunCallbacks | None = None,
          resume_from: Path | None = None, should_stop: Callable[[], bool] = lambda: False) -> TrainingResult:
    """Train the config's model on ``data``; checkpoints in ``run_dir/checkpoints``, the report in ``run_dir/report``.

    ``resume_from``: a checkpoint of an earlier run to continue after its last complete
    epoch. ``should_stop`` is polled every iteration; when it returns True the run
    saves ``last.pt`` and ends with status "cancelled" (and no report).
    """
    run_dir = Path(run_dir)
    resume_from = Path(resume_from) if resume_from is not None else None
    kind = _check(config, resume_from)
    with process_group(backend="nccl" if kind == "cuda" else "gloo") as (rank, world, local_rank):
        sink = (callbacks or RunCallbacks()) if rank == 0 else RunCallbacks()
        run = _build(config, data, kind=kind, rank=rank, world=world, local_rank=local_rank)
        stopper, checkpoints = _attach_handlers(run, run_dir=run_dir, sink=sink, resume_from=resume_from,
                                                should_stop=should_stop)
        try:
            run.trainer.run()
        except Exception as error:
            sink.on_log(f"training failed: {type(error).__name__}: {error}")
            raise
        state = run.trainer.state
        done = state.iteration // (state.epoch_length or 1) if stopper.stopped else state.epoch
        folder = run_dir / "checkpoints"
        best_path = folder / BEST if (folder / BEST).exists() else None
        report: dict = {}
        if rank == 0 and not stopper.stopped and best_path:
            report, how = _final_report(run, best_path=best_path, best=checkpoints.best, run_dir=run_dir)
            sink.on_log(how)
        if world > 1:
            torch.distributed.barrier()
    return TrainingResult(status=stopper.status, epochs_done=int(done), best_metric=checkpoints.best,
                          checkpoint=best_path, last_checkpoint=folder / LAST if (folder / LAST).exists() else None,
                          report=report)
