"""Checkpoints of a run: ``last.pt`` to resume from, ``best.pt`` to register, written atomically; resuming."""

import math
import os
import shutil
import time
from pathlib import Path

import torch
from ignite.engine import Engine, Events

from mass_ide.core.errors import InvalidInput
from mass_ide.core.training.api import RunCallbacks

LAST, BEST = "last.pt", "best.pt"
RESUME_ONLY = ("optimizer", "scaler")  # what best.pt leaves out
CHECKPOINT_FORMAT = 1


def bare(network: torch.nn.Module) -> torch.nn.Module:
    """The network inside a DistributedDataParallel wrapper (or the network itself)."""
    return getattr(network, "module", network)


def higher_is_better(name: str) -> bool:
    """Losses improve downwards, every other metric upwards."""
    return not name.endswith("loss")


def improved(name: str, value: float, best: float | None) -> bool:
    """Whether ``value`` of metric ``name`` beats ``best`` (anything beats None)."""
    if value is None or not math.isfinite(value):
        return False
    if best is None:
        return True
    return value > best if higher_is_better(name) else value < best


def save_atomically(state: dict, path: Path) -> Path:
    """``torch.save`` into a temporary file, then rename it over ``path``.

    Checkpoints use torch's older, uncompressed file layout (``torch.load(...,
    weights_only=True)`` reads both): the zip layout spends most of its time on CRC-32
    sums. Registry bundles keep the zip layout.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as file:
        torch.save(state, file, _use_new_zipfile_serialization=False)
    os.replace(temporary, path)
    return path


def link_atomically(source: Path, path: Path) -> Path:
    """Make ``path`` another name of the file ``source`` (a copy where hard links are not possible).

    Checkpoints are only ever replaced by renaming a new file over them, never
    rewritten in place, so files sharing one inode never change under each other.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:
        shutil.copyfile(source, temporary)
    os.replace(temporary, path)
    return path


def load_checkpoint(path: Path, *, map_location="cpu") -> dict:
    """A checkpoint written by :class:`CheckpointHandler`, loaded without executing code."""
    return torch.load(Path(path), map_location=map_location, weights_only=True)


class ResumeHandler:
    """Load a checkpoint at the start: weights, optimizer, AMP scaler, epoch counter and best metric."""

    def __init__(self, path: Path, *, network: torch.nn.Module, optimizer, scaler=None):
        self.path = Path(path)
        self.network, self.optimizer, self.scaler = network, optimizer, scaler
        self.epoch = 0

    def attach(self, engine: Engine) -> None:
        engine.add_event_handler(Events.STARTED, self)

    def __call__(self, engine: Engine) -> None:
        checkpoint = load_checkpoint(self.path, map_location=engine.state.device)
        try:
            bare(self.network).load_state_dict(checkpoint["model"])
        except RuntimeError as error:
            raise InvalidInput(f"{self.path.name} does not fit this run's model; resume with the config "
                               f"it was trained with ({str(error).splitlines()[0]})") from None
        if checkpoint.get("optimizer"):
            self.optimizer.load_state_dict(checkpoint["optimizer"])
        if self.scaler is not None and checkpoint.get("scaler"):
            self.scaler.load_state_dict(checkpoint["scaler"])
        self.epoch = int(checkpoint["epoch"])
        engine.state.epoch = self.epoch
        engine.state.iteration = self.epoch * (engine.state.epoch_length or 0)
        best = checkpoint.get("best") or {}
        engine.state.best_metric = best.get("value", -1)
        engine.state.best_metric_epoch = best.get("epoch", -1)


class CheckpointHandler:
    """Save ``last.pt`` (also as ``epoch-NNNN.pt``) and ``best.pt`` as the run goes.

    ``last.pt`` is written after the first epoch, after the last, when the run is
    stopped, and in between after an epoch once ``every_seconds`` have passed since
    the previous write (0: after every epoch). Epochs of minutes are each saved;
    epochs of a second or two are not: writing an 84 MB checkpoint every two seconds
    cost a twentieth of the training time (``benchmarks/training.py``; nnU-Net saves
    every 50 epochs for the same reason). A killed run loses at most ``every_seconds``
    plus one epoch. When ``key_metric`` improves the weights are
    copied in memory and written as ``best.pt`` (weights and metadata, no optimizer
    state) with the next ``last.pt``, so the two files always agree on the best epoch.
    ``epoch-NNNN.pt`` is a hard link to ``last.pt``; the newest ``keep`` stay.
    Checkpoints are plain dicts of tensors and JSON values: they load with
    ``torch.load(..., weights_only=True)``. ``meta`` (task, classes, preprocessing,
    config) goes into every file so a checkpoint alone can serve predictions.
    """

    def __init__(self, folder: Path, *, network: torch.nn.Module, optimizer, key_metric: str, meta: dict,
                 scaler=None, keep: int = 3, every_seconds: float = 30.0, callbacks: RunCallbacks | None = None):
        self.folder = Path(folder)
        self.network, self.optimizer, self.scaler = network, optimizer, scaler
        self.key_metric = key_metric
        self.meta = meta
        self.keep = max(1, int(keep))
        self.every_seconds = every_seconds
        self.callbacks = callbacks or RunCallbacks()
        self.best: dict | None = None
        self.unsaved_best: dict | None = None  # best.pt's contents until the next write
        self.saved_at: float | None = None

    def attach(self, engine: Engine) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        engine.add_event_handler(Events.STARTED, self.started)
        engine.add_event_handler(Events.EPOCH_COMPLETED, self.epoch_completed)
        engine.add_event_handler(Events.TERMINATE, self.terminated)

    def started(self, engine: Engine) -> None:
        if getattr(engine.state, "best_metric_epoch", -1) > 0:
            self.best = {"name": self.key_metric, "value": float(engine.state.best_metric),
                         "epoch": int(engine.state.best_metric_epoch)}

    def state(self, engine: Engine, *, epoch: int) -> dict:
        """Everything needed to resume after ``epoch`` or to serve the model."""
        return {"format": CHECKPOINT_FORMAT, "epoch": epoch, "iteration": int(engine.state.iteration),
                "model": bare(self.network).state_dict(), "optimizer": self.optimizer.state_dict(),
                "scaler": self.scaler.state_dict() if self.scaler is not None else {},
                "best": dict(self.best or {}), "metrics": {k: float(v) for k, v in engine.state.metrics.items()
                                                           if isinstance(v, int | float)},
                "meta": self.meta}

    def due(self, engine: Engine) -> bool:
        """Whether to write after this epoch: the first, the last, or ``every_seconds`` after the previous write."""
        return (self.saved_at is None or engine.state.epoch >= engine.state.max_epochs
                or time.monotonic() - self.saved_at >= self.every_seconds)

    def save(self, engine: Engine, *, epoch: int) -> None:
        """Write ``best.pt`` when it changed, then ``last.pt`` and its epoch link; drop old epoch files."""
        if self.unsaved_best is not None:
            save_atomically(self.unsaved_best, self.folder / BEST)
            self.unsaved_best = None
        last = save_atomically(self.state(engine, epoch=epoch), self.folder / LAST)
        if epoch:  # stopped during the first epoch: last.pt only
            link_atomically(last, self.folder / f"epoch-{epoch:04d}.pt")
        for old in sorted(self.folder.glob("epoch-*.pt"))[:-self.keep]:
            old.unlink(missing_ok=True)
        self.saved_at = time.monotonic()

    def epoch_completed(self, engine: Engine) -> None:
        epoch = engine.state.epoch
        value = engine.state.metrics.get(self.key_metric)
        if improved(self.key_metric, value, self.best and self.best["value"]):
            self.best = {"name": self.key_metric, "value": float(value), "epoch": epoch}
            engine.state.best_metric, engine.state.best_metric_epoch = float(value), epoch
            state = self.state(engine, epoch=epoch)
            weights = {name: tensor.detach().clone() for name, tensor in state["model"].items()}
            self.unsaved_best = {key: item for key, item in state.items() if key not in RESUME_ONLY} | {"model": weights}
            self.callbacks.on_log(f"epoch {epoch}: best {self.key_metric} so far ({value:.4f})")
        if self.due(engine):
            self.save(engine, epoch=epoch)

    def terminated(self, engine: Engine) -> None:
        length = engine.state.epoch_length or 1
        done = engine.state.iteration // length
        self.save(engine, epoch=done)
        self.callbacks.on_log(f"stopped during epoch {engine.state.epoch} after {done} complete epochs; "
                              f"saved {LAST}")
