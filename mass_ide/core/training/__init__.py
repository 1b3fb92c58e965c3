"""The training engine: frozen dataset versions in, checkpoints, metrics and an evaluation report out.

Importing this package does not import torch or MONAI: :func:`train` (and the
modules behind it) load on first use. The engine knows nothing of the run store,
HTTP or the UI; callers pass :class:`RunCallbacks`.

    data = load_training_data(ws, dataset_id, version, config)
    result = train(config, data, run_dir=folder, callbacks=RunCallbacks(on_metric=...))
"""

from importlib import import_module

from mass_ide.core.training.api import RunCallbacks, TrainingData, TrainingResult

__all__ = ["RunCallbacks", "TrainingData", "TrainingResult", "load_training_data", "train"]

LAZY = {"train": "mass_ide.core.training.engine", "load_training_data": "mass_ide.core.training.data"}


def __getattr__(name: str):
    """Import the module behind ``train`` or ``load_training_data`` on first use."""
    if name in LAZY:
        return getattr(import_module(LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
