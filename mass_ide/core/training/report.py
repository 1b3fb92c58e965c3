"""The evaluation report of the best checkpoint on the validation split.

Collectors are evaluator handlers: classification gets accuracy, balanced
accuracy, ROC AUC and curve, sensitivity, specificity and the confusion matrix;
segmentation gets per-case Dice and 95% Hausdorff distance, and overlay
pictures of a few cases. A :class:`BestEpochOutputs` keeps (compactly) what the
per-epoch evaluator saw in the best epoch, so the report needs no second pass
over the validation data; when it cannot (a resumed run whose best epoch came
before, DDP shards, too much to keep) the engine evaluates ``best.pt`` again.
"""

import warnings
from pathlib import Path

import numpy as np
import torch
from ignite.engine import Engine, Events

from mass_ide.core.data import orientation
from mass_ide.core.data.classes import class_colour
from mass_ide.core.training.evaluation import classification_report, predict
from mass_ide.core.training.metrics import label_dice, nanmean_columns

OVERLAY_CASES = 3
OVERLAY_SIZE = 256
KEEP_BYTES = 512 * 2**20  # the most one epoch's kept outputs may take
TRAINING_AXCODES = "LPS"  # how volume_loading's Orientationd turns every training volume


def _keys(engine: Engine, count: int) -> list[str]:
    """The sample keys of the engine's current batch."""
    keys = engine.state.batch.get("key") if isinstance(engine.state.batch, dict) else None
    return list(keys) if keys is not None else [""] * count


def _size(record: tuple) -> int:
    """Bytes held by the arrays of a compact record."""
    return sum(part.nbytes for part in record if isinstance(part, np.ndarray))


class Collector:
    """An evaluator handler that turns each batch into a compact record and the records into a report.

    ``eager``: add every batch at once (a one-off evaluation). Otherwise records are
    kept (up to ``KEEP_BYTES``) and added only by :meth:`finish`, so an evaluator
    that runs every epoch pays only for the compact copy.
    """

    def __init__(self, *, eager: bool = True):
        self.eager = eager
        self.records: list[tuple] | None = []
        self.kept_bytes = 0

    def attach(self, engine: Engine) -> None:
        engine.add_event_handler(Events.ITERATION_COMPLETED, self)

    def __call__(self, engine: Engine) -> None:
        record = self.compact(engine)
        if self.eager:
            self.add(*record)
        elif self.records is not None:
            self.kept_bytes += _size(record)
            self.records = self.records + [record] if self.kept_bytes <= KEEP_BYTES else None

    @property
    def complete(self) -> bool:
        """Whether every batch was added or kept."""
        return self.eager or self.records is not None

    def finish(self) -> "Collector":
        """Add the kept records (once)."""
        records, self.records = self.records or [], []
        for record in records:
            self.add(*record)
        return self

    def compact(self, engine: Engine) -> tuple:
        raise NotImplementedError

    def add(self, *record) -> None:
        raise NotImplementedError


class ClassificationCollector(Collector):
    """Collect class probabilities, labels and keys of every validation sample."""

    def __init__(self, *, eager: bool = True):
        super().__init__(eager=eager)
        self.probabilities: list[np.ndarray] = []
        self.labels: list[np.ndarray] = []
        self.keys: list[str] = []

    def compact(self, engine: Engine) -> tuple:
        logits, labels = engine.state.output["pred"], engine.state.output["label"]
        return (_keys(engine, len(labels)), torch.softmax(logits.detach().float(), dim=1).cpu().numpy(),
                labels.detach().view(-1).cpu().numpy().astype(np.int64))

    def add(self, keys: list[str], probabilities: np.ndarray, labels: np.ndarray) -> None:
        self.keys += keys
        self.probabilities.append(probabilities)
        self.labels.append(labels)

    def report(self, *, classes: list[str], threshold: float, names: list[str] | None = None) -> dict:
        probabilities, labels = np.concatenate(self.probabilities), np.concatenate(self.labels)
        report = classification_report(probabilities, labels, classes=classes, threshold=threshold, names=names)
        predicted = predict(probabilities, threshold=threshold)
        report["predictions"] = [
            {"key": key, "target": classes[int(t)], "predicted": classes[int(p)],
             "probabilities": [round(float(v), 6) for v in row]}
            for key, t, p, row in zip(self.keys, labels, predicted, probabilities)]
        return report


def _boundary(mask: np.ndarray) -> np.ndarray:
    """The pixels of ``mask`` that touch a pixel outside it (4-neighbourhood)."""
    inner = mask.copy()
    inner[1:, :] &= mask[:-1, :]
    inner[:-1, :] &= mask[1:, :]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    return mask & ~inner


def _upscale(array: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement by an integer factor."""
    return np.repeat(np.repeat(array, factor, axis=0), factor, axis=1)


def overlay_picture(image: np.ndarray, predicted: np.ndarray, truth: np.ndarray, path: Path) -> Path:
    """Write a PNG: the slice (0..1) in grey, the prediction filled and outlined, the truth outlined in white.

    ``image``, ``predicted`` and ``truth`` are 2D arrays indexed ``[row, column]``.
    """
    from PIL import Image

    factor = max(1, OVERLAY_SIZE // max(image.shape))
    image, predicted, truth = (_upscale(a, factor) for a in (image, predicted, truth))
    grey = np.clip(image * 255.0, 0, 255).astype(np.float32)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    for value in np.unique(predicted[predicted > 0]):
        colour = np.asarray(class_colour(value), dtype=np.float32)
        inside = predicted == value
        rgb[inside] = 0.6 * rgb[inside] + 0.4 * colour
        rgb[_boundary(inside)] = colour
    for value in np.unique(truth[truth > 0]):
        rgb[_boundary(truth == value)] = 255.0
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb.astype(np.uint8)).save(path)
    return path


def _finite(value: float) -> float | None:
    """A JSON-safe float (None for NaN or infinity)."""
    value = float(value)
    return round(value, 6) if np.isfinite(value) else None


def middle_slice(volume: np.ndarray) -> np.ndarray:
    """The picture shown for a case: the middle axial slice of an ``[x, y, z]`` training volume (oriented
    ``TRAINING_AXCODES``), shown as the annotation view shows it (:mod:`mass_ide.core.data.orientation`: anterior
    at the top, the patient's right on the left); a 2D picture is already ``[row, column]``."""
    if volume.ndim != 3:
        return volume
    affine = orientation.axcodes_affine(TRAINING_AXCODES)
    middle = orientation.slice_count(volume.shape, affine, "axial") // 2
    return orientation.display_slice(volume, affine, "axial", middle)


class SegmentationCollector(Collector):
    """Per-case Dice and HD95 of every validation volume, and overlays of the first few.

    A compact record holds the predicted and true label maps as bytes and the
    middle slice of each image; Dice, HD95 and the pictures are computed in :meth:`add`.
    """

    def __init__(self, *, classes: list[str], folder: Path, spacing: list[float] | None = None,
                 overlays: int = OVERLAY_CASES, eager: bool = True):
        super().__init__(eager=eager)
        self.classes = classes
        self.folder = Path(folder)
        self.spacing = spacing
        self.overlays = overlays
        self.cases: list[dict] = []

    def compact(self, engine: Engine) -> tuple:
        images, logits, labels = (engine.state.output[k].detach() for k in ("image", "pred", "label"))
        small = np.uint8 if len(self.classes) <= 256 else np.int32
        predicted = logits.argmax(dim=1).cpu().numpy().astype(small)
        truth = labels[:, 0].cpu().numpy().astype(small)
        pictures = np.stack([middle_slice(image[0].float().cpu().numpy()) for image in images])
        return _keys(engine, len(labels)), pictures, predicted, truth

    def add(self, keys: list[str], pictures: np.ndarray, predicted: np.ndarray, truth: np.ndarray) -> None:
        from monai.metrics import compute_hausdorff_distance
        from monai.networks.utils import one_hot

        n = len(self.classes)
        predicted_t, truth_t = (torch.from_numpy(a.astype(np.int64))[:, None] for a in (predicted, truth))
        dice = label_dice(predicted_t, truth_t, classes=n).numpy()
        with warnings.catch_warnings():  # an absent class gives NaN, which the report shows as None
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", FutureWarning)
            hd95 = compute_hausdorff_distance(one_hot(predicted_t, n), one_hot(truth_t, n),
                                              include_background=False, percentile=95, spacing=self.spacing).numpy()
        for i, key in enumerate(keys):
            case = {"key": key,
                    "dice": {name: _finite(v) for name, v in zip(self.classes[1:], dice[i])},
                    "hd95_mm" if self.spacing else "hd95_voxels":
                        {name: _finite(v) for name, v in zip(self.classes[1:], hd95[i])}}
            if len(self.cases) < self.overlays:
                case["overlay"] = self.overlay(key, pictures[i], middle_slice(predicted[i]), middle_slice(truth[i]))
            self.cases.append(case)

    def overlay(self, key: str, image: np.ndarray, predicted: np.ndarray, truth: np.ndarray) -> str:
        """Write one case's picture (2D slices); the file name, relative to the report folder."""
        name = f"overlay-{len(self.cases) + 1:02d}-{''.join(c if c.isalnum() else '_' for c in key)[:60]}.png"
        overlay_picture(image, predicted, truth, self.folder / name)
        return name

    def report(self) -> dict:
        names = self.classes[1:]
        dice = np.array([[np.nan if c["dice"][n] is None else c["dice"][n] for n in names] for c in self.cases])
        means = nanmean_columns(dice) if len(dice) else np.full(len(names), np.nan)
        finite = [v for v in means if np.isfinite(v)]
        return {"kind": "segmentation", "classes": self.classes, "cases": self.cases,
                "case_count": len(self.cases), "dice": {n: _finite(v) for n, v in zip(names, means)},
                "mean_dice": _finite(np.mean(finite)) if finite else None,
                "overlays": [c["overlay"] for c in self.cases if "overlay" in c],
                "report_folder": "report"}


class BestEpochOutputs:
    """Keep the per-epoch evaluator's outputs of the best epoch so far, for the report.

    Attach after the :class:`~mass_ide.core.training.handlers.CheckpointHandler`, whose
    ``best`` decides which epoch is kept; ``make`` returns a fresh non-eager collector.
    """

    def __init__(self, make, checkpoints):
        self.make, self.checkpoints = make, checkpoints
        self.current: Collector | None = None
        self.best: Collector | None = None
        self.best_epoch: int | None = None

    def attach(self, trainer: Engine, evaluator: Engine) -> None:
        evaluator.add_event_handler(Events.STARTED, self.started)
        evaluator.add_event_handler(Events.ITERATION_COMPLETED, self.collect)
        trainer.add_event_handler(Events.EPOCH_COMPLETED, self.epoch_completed)

    def started(self, evaluator: Engine) -> None:
        self.current = self.make()

    def collect(self, evaluator: Engine) -> None:
        self.current(evaluator)

    def epoch_completed(self, trainer: Engine) -> None:
        best = self.checkpoints.best
        if best and best["epoch"] == trainer.state.epoch and self.current is not None and self.current.complete:
            self.best, self.best_epoch = self.current, trainer.state.epoch
        self.current = None

    def collector_for(self, epoch: int) -> Collector | None:
        """The kept collector of ``epoch``, ready for its report (None when that epoch was not kept)."""
        return self.best.finish() if self.best is not None and self.best_epoch == epoch else None
