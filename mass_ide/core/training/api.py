"""What the training engine takes and gives back: plain dataclasses, no torch.

:class:`TrainingData` is what :func:`~mass_ide.core.training.data.load_training_data`
reads from a frozen dataset version; :class:`RunCallbacks` is how the engine's
handlers tell the caller about metrics, epochs and log lines;
:class:`TrainingResult` is what :func:`~mass_ide.core.training.engine.train` returns.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TABULAR = "tabular-classification"
IMAGE = "image-classification"
SEGMENTATION = "segmentation"
TASKS = (TABULAR, IMAGE, SEGMENTATION)


def _ignore(*args, **kwargs) -> None:
    """The default callback: do nothing."""


@dataclass
class RunCallbacks:
    """Plain callables the engine's handlers call (only on rank 0 under DDP).

    ``on_metric(name, value, step=, epoch=)``: "train/loss" and "train/lr" every
    iteration, "val/…" every epoch; ``on_epoch(epoch, epochs, metrics)`` after each
    epoch's validation; ``on_log(line)`` for human-readable progress.
    """

    on_metric: Callable[..., None] = _ignore
    on_epoch: Callable[[int, int, dict], None] = _ignore
    on_log: Callable[[str], None] = _ignore


@dataclass
class TrainingResult:
    """How a run ended, its best validation metric, its best checkpoint and its evaluation report."""

    status: str  # "completed" | "cancelled"
    epochs_done: int
    best_metric: dict | None  # {"name": "val/auc", "value": 0.91, "epoch": 7}
    checkpoint: Path | None  # run_dir/checkpoints/best.pt (None when no epoch was validated)
    last_checkpoint: Path | None = None  # run_dir/checkpoints/last.pt, for resuming
    report: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The result as JSON-ready values (paths as strings)."""
        return {"status": self.status, "epochs_done": self.epochs_done, "best_metric": self.best_metric,
                "checkpoint": str(self.checkpoint) if self.checkpoint else None,
                "last_checkpoint": str(self.last_checkpoint) if self.last_checkpoint else None,
                "report": self.report}


@dataclass
class TrainingData:
    """The samples of one frozen dataset version, ready for the engine.

    Tabular: ``features`` (float32, NaN for missing) and ``targets`` (class indices).
    Image classification: ``images`` and ``targets``. Segmentation: ``images`` and
    ``masks``. ``keys`` names every sample (item keys of the version), in order.
    """

    task: str
    keys: list[str]
    classes: list[str]  # class names by index; for segmentation the label names by value
    dataset_id: int | None = None
    version: int | None = None
    digest: str | None = None
    features: np.ndarray | None = None
    feature_names: list[str] = field(default_factory=list)
    targets: np.ndarray | None = None
    images: list[Path] = field(default_factory=list)
    masks: list[Path] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"key": ..., "reason": ...} left out of training

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def samples(self) -> list[tuple]:
        """(image file, class index) or (image file, mask file) pairs; (feature row, class index) for tables."""
        if self.task == SEGMENTATION:
            return list(zip(self.images, self.masks))
        if self.task == IMAGE:
            return list(zip(self.images, self.targets.tolist()))
        return list(zip(self.features, self.targets.tolist()))

