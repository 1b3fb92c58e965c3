"""Validation metrics as Ignite metrics: each returns a dict of ``val/…`` figures for the epoch.

They gather predictions from every rank under DDP (MONAI's
``evenly_divisible_all_gather``), so every rank sees the same figures.
"""

import numpy as np
import torch
from ignite.metrics import Metric
from monai.metrics import compute_dice
from monai.utils import evenly_divisible_all_gather

from mass_ide.core.training.evaluation import classification_figures


def gathered(parts: list[torch.Tensor], *, width: int) -> np.ndarray:
    """Concatenate per-batch rows, gather them from every rank, as a numpy array."""
    local = (torch.cat(parts) if parts else torch.zeros((0, width))).float()
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized() and dist.get_backend() == "nccl":
        local = local.cuda()  # NCCL gathers GPU tensors only
    return evenly_divisible_all_gather(local, concat=True).cpu().numpy()


def pred_and_label(output: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """The (prediction, label) pair of an engine's output."""
    return output["pred"], output["label"]


class CaseRowsMetric(Metric):
    """Collect one row of numbers per case, gather the rows of every rank, turn them into figures."""

    def __init__(self, *, width: int, output_transform=pred_and_label):
        self.width = width
        super().__init__(output_transform=output_transform)

    def reset(self) -> None:
        self.rows: list[torch.Tensor] = []

    def update(self, output) -> None:
        logits, labels = output
        self.rows.append(self.case_rows(logits.detach().float(), labels.detach()).cpu())

    def compute(self) -> dict:
        return self.figures(gathered(self.rows, width=self.width))

    def case_rows(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def figures(self, rows: np.ndarray) -> dict:
        raise NotImplementedError


class ClassificationMetrics(CaseRowsMetric):
    """val/loss, val/accuracy, val/balanced_accuracy, val/auc (+ sensitivity, specificity when binary)."""

    def __init__(self, *, classes: int, threshold: float = 0.5):
        self.threshold = threshold
        super().__init__(width=classes + 2)  # probabilities, label, loss

    def case_rows(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        labels = labels.long().view(-1)
        losses = torch.nn.functional.cross_entropy(logits, labels, reduction="none")
        return torch.cat([torch.softmax(logits, dim=1), labels[:, None].float(), losses[:, None]], dim=1)

    def figures(self, rows: np.ndarray) -> dict:
        probabilities, labels, losses = rows[:, :-2], rows[:, -2].astype(np.int64), rows[:, -1]
        figures = classification_figures(probabilities, labels, threshold=self.threshold)
        result = {"val/loss": float(losses.mean())}
        for name in ("accuracy", "balanced_accuracy", "auc", "sensitivity", "specificity"):
            if figures.get(name) is not None:
                result[f"val/{name}"] = figures[name]
        return result


def label_dice(predicted: torch.Tensor, labels: torch.Tensor, *, classes: int) -> torch.Tensor:
    """Dice per case and foreground class of two label maps ``[B, 1, …]`` ([B, C-1]; NaN where the class is in
    neither)."""
    return compute_dice(predicted.long(), labels.long(), include_background=False, ignore_empty=True,
                        num_classes=classes)


def case_dice(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Dice per case and foreground class of logits ``[B, C, …]`` against labels."""
    return label_dice(logits.argmax(dim=1, keepdim=True), labels, classes=logits.shape[1])


def nanmean_columns(values: np.ndarray) -> np.ndarray:
    """The mean of each column over its non-NaN entries (NaN for a column with none)."""
    counts = (~np.isnan(values)).sum(axis=0)
    sums = np.nansum(values, axis=0)
    return np.divide(sums, counts, out=np.full(sums.shape, np.nan), where=counts > 0)


class SegmentationMetrics(CaseRowsMetric):
    """val/loss, val/dice (mean over foreground classes) and val/dice_<class name> for each."""

    def __init__(self, *, loss_function, class_names: list[str]):
        self.loss_function = loss_function
        self.class_names = class_names
        super().__init__(width=len(class_names))  # Dice of each foreground class, loss

    def case_rows(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        losses = torch.stack([self.loss_function(logits[i:i + 1], labels[i:i + 1]) for i in range(len(labels))])
        return torch.cat([case_dice(logits, labels), losses[:, None]], dim=1)

    def figures(self, rows: np.ndarray) -> dict:
        dice, losses = rows[:, :-1], rows[:, -1]
        per_class = nanmean_columns(dice)
        result = {"val/loss": float(losses.mean())}
        finite = [float(v) for v in per_class if np.isfinite(v)]
        if finite:
            result["val/dice"] = float(np.mean(finite))
        for name, value in zip(self.class_names[1:], per_class):
            if np.isfinite(value):
                result[f"val/dice_{name}"] = float(value)
        return result
