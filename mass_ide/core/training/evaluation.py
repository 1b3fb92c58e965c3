"""Classification figures computed with numpy: ROC AUC and curve, confusion matrix, sensitivity …

Binary problems score the last class (the positive one) against ``threshold``;
problems with more classes predict the most probable class and average the
one-vs-rest AUCs.
"""

import numpy as np

ROC_POINTS = 101


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values``, tied values sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_values = values[order]
    boundaries = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(values)]])
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    return ranks


def roc_auc(scores: np.ndarray, positives: np.ndarray) -> float | None:
    """The area under the ROC curve (Mann-Whitney U), or None when one class is absent."""
    scores, positives = np.asarray(scores, dtype=np.float64), np.asarray(positives, dtype=bool)
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if not n_pos or not n_neg:
        return None
    ranks = _average_ranks(scores)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def roc_curve(scores: np.ndarray, positives: np.ndarray, *, points: int = ROC_POINTS) -> dict:
    """False and true positive rates as the threshold falls, thinned to at most ``points`` points."""
    scores, positives = np.asarray(scores, dtype=np.float64), np.asarray(positives, dtype=bool)
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if not n_pos or not n_neg:
        return {"fpr": [], "tpr": [], "thresholds": []}
    order = np.argsort(-scores, kind="mergesort")
    scores, positives = scores[order], positives[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tpr = np.r_[0.0, np.cumsum(positives)[last_of_each] / n_pos]
    fpr = np.r_[0.0, np.cumsum(~positives)[last_of_each] / n_neg]
    thresholds = np.r_[np.inf, scores[last_of_each]]
    if len(fpr) > points:
        keep = np.unique(np.linspace(0, len(fpr) - 1, points).round().astype(int))
        fpr, tpr, thresholds = fpr[keep], tpr[keep], thresholds[keep]
    return {"fpr": fpr.round(6).tolist(), "tpr": tpr.round(6).tolist(),
            "thresholds": [None if not np.isfinite(t) else round(float(t), 6) for t in thresholds]}


def confusion_matrix(targets: np.ndarray, predicted: np.ndarray, *, classes: int) -> np.ndarray:
    """Counts by (true class, predicted class)."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(targets, dtype=int), np.asarray(predicted, dtype=int)), 1)
    return matrix


def _ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    return float(numerator / denominator) if denominator else None


def predict(probabilities: np.ndarray, *, threshold: float) -> np.ndarray:
    """Class indices: binary → positive when p(last class) ≥ threshold; otherwise the most probable class."""
    probabilities = np.asarray(probabilities)
    if probabilities.shape[1] == 2:
        return (probabilities[:, 1] >= threshold).astype(np.int64)
    return probabilities.argmax(axis=1)


def classification_figures(probabilities: np.ndarray, targets: np.ndarray, *, threshold: float = 0.5) -> dict:
    """Accuracy, balanced accuracy, ROC AUC and (binary) sensitivity and specificity."""
    probabilities, targets = np.asarray(probabilities, dtype=np.float64), np.asarray(targets, dtype=np.int64)
    n_classes = probabilities.shape[1]
    predicted = predict(probabilities, threshold=threshold)
    matrix = confusion_matrix(targets, predicted, classes=n_classes)
    recalls = [_ratio(matrix[c, c], matrix[c].sum()) for c in range(n_classes)]
    present = [r for r in recalls if r is not None]
    if n_classes == 2:
        auc = roc_auc(probabilities[:, 1], targets == 1)
    else:
        aucs = [roc_auc(probabilities[:, c], targets == c) for c in range(n_classes)]
        aucs = [a for a in aucs if a is not None]
        auc = float(np.mean(aucs)) if aucs else None
    figures = {"accuracy": _ratio(np.trace(matrix), matrix.sum()),
               "balanced_accuracy": float(np.mean(present)) if present else None,
               "auc": auc, "confusion_matrix": matrix.tolist()}
    if n_classes == 2:
        figures["sensitivity"] = recalls[1]
        figures["specificity"] = recalls[0]
    return figures


def classification_report(probabilities: np.ndarray, targets: np.ndarray, *, classes: list[str],
                          threshold: float = 0.5, names: list[str] | None = None) -> dict:
    """The full evaluation report of a classifier on one split (JSON-ready).

    ``names``: what each class is called (:func:`mass_ide.core.data.classes.display_names`); default the classes.
    """
    probabilities, targets = np.asarray(probabilities, dtype=np.float64), np.asarray(targets, dtype=np.int64)
    figures = classification_figures(probabilities, targets, threshold=threshold)
    report = {"kind": "classification", "classes": list(classes), "class_names": list(names or classes),
              "case_count": int(len(targets)),
              "threshold": threshold, "accuracy": figures["accuracy"],
              "balanced_accuracy": figures["balanced_accuracy"], "roc_auc": figures["auc"],
              "sensitivity": figures.get("sensitivity"), "specificity": figures.get("specificity"),
              "confusion_matrix": figures["confusion_matrix"]}
    if probabilities.shape[1] == 2:
        report["roc_curve"] = roc_curve(probabilities[:, 1], targets == 1)
        report["positive_class"] = classes[1]
    else:
        report["roc_curve"] = None
    return report
