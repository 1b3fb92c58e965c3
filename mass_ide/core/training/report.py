"""The evaluation report of the best checkpoint on the validation split.

A second, plain (never distributed) evaluator runs the validation data once
with a collector handler; classification gets accuracy, balanced accuracy, ROC
AUC and curve, sensitivity, specificity and the confusion matrix; segmentation
gets per-case Dice and 95% Hausdorff distance, and overlay pictures of a few cases.
"""

import warnings
from pathlib import Path

import numpy as np
import torch
from ignite.engine import Engine, Events

from mass_ide.core.training.evaluation import classification_report, predict
from mass_ide.core.training.metrics import case_dice, nanmean_columns

OVERLAY_CASES = 3
OVERLAY_SIZE = 256
COLOURS = [(0, 0, 0), (46, 204, 113), (231, 76, 60), (52, 152, 219), (241, 196, 15), (155, 89, 182)]


def _keys(engine: Engine, count: int) -> list[str]:
    """The sample keys of the engine's current batch."""
    keys = engine.state.batch.get("key") if isinstance(engine.state.batch, dict) else None
    return list(keys) if keys is not None else [""] * count


class ClassificationCollector:
    """Collect class probabilities, labels and keys of every validation sample."""

    def __init__(self):
        self.probabilities: list[np.ndarray] = []
        self.labels: list[np.ndarray] = []
        self.keys: list[str] = []

    def attach(self, engine: Engine) -> None:
        engine.add_event_handler(Events.ITERATION_COMPLETED, self)

    def __call__(self, engine: Engine) -> None:
        logits, labels = engine.state.output["pred"], engine.state.output["label"]
        self.probabilities.append(torch.softmax(logits.detach().float(), dim=1).cpu().numpy())
        self.labels.append(labels.detach().view(-1).cpu().numpy().astype(np.int64))
        self.keys += _keys(engine, len(labels))

    def report(self, *, classes: list[str], threshold: float) -> dict:
        probabilities, labels = np.concatenate(self.probabilities), np.concatenate(self.labels)
        report = classification_report(probabilities, labels, classes=classes, threshold=threshold)
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
        colour = np.asarray(COLOURS[int(value) % len(COLOURS)], dtype=np.float32)
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


class SegmentationCollector:
    """Per-case Dice and HD95 of every validation volume, and overlays of the first few."""

    def __init__(self, *, classes: list[str], folder: Path, spacing: list[float] | None = None,
                 overlays: int = OVERLAY_CASES):
        self.classes = classes
        self.folder = Path(folder)
        self.spacing = spacing
        self.overlays = overlays
        self.cases: list[dict] = []

    def attach(self, engine: Engine) -> None:
        engine.add_event_handler(Events.ITERATION_COMPLETED, self)

    def __call__(self, engine: Engine) -> None:
        from monai.metrics import compute_hausdorff_distance
        from monai.networks.utils import one_hot

        images, logits, labels = (engine.state.output[k].detach().float().cpu() for k in ("image", "pred", "label"))
        dice = case_dice(logits, labels).numpy()
        predicted = logits.argmax(dim=1, keepdim=True)
        n = len(self.classes)
        with warnings.catch_warnings():  # an absent class gives NaN, which the report shows as None
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", FutureWarning)
            hd95 = compute_hausdorff_distance(one_hot(predicted, n), one_hot(labels.long(), n),
                                              include_background=False, percentile=95, spacing=self.spacing).numpy()
        for i, key in enumerate(_keys(engine, len(labels))):
            case = {"key": key,
                    "dice": {name: _finite(v) for name, v in zip(self.classes[1:], dice[i])},
                    "hd95_mm" if self.spacing else "hd95_voxels":
                        {name: _finite(v) for name, v in zip(self.classes[1:], hd95[i])}}
            if len(self.cases) < self.overlays:
                case["overlay"] = self.overlay(key, images[i, 0].numpy(), predicted[i, 0].numpy(),
                                               labels[i, 0].numpy())
            self.cases.append(case)

    def overlay(self, key: str, image: np.ndarray, predicted: np.ndarray, truth: np.ndarray) -> str:
        """Write the middle axial slice of one case; the file name, relative to the report folder.

        Volumes are indexed ``[x, y, z]`` and their slice is shown transposed (front at the top,
        the patient's right on the left); pictures are already ``[row, column]``.
        """
        if image.ndim == 3:
            middle = image.shape[2] // 2
            image, predicted, truth = (a[..., middle].T for a in (image, predicted, truth))
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
