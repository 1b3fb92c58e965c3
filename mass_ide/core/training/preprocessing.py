"""Preprocessing of tabular features, fitted on the training split only (numpy, no torch).

Missing values are imputed with the training median and flagged by an indicator
column for every feature that had missing values in training; everything is then
standardised with the training mean and standard deviation. The training range of
each feature is kept too, so serving can tell a value in the wrong unit. The fitted values
are plain lists, stored in every checkpoint so serving applies the same steps.
"""

import numpy as np


def fit_preprocessing(features: np.ndarray, *, names: list[str]) -> dict:
    """Medians, indicator columns, means and standard deviations of the training features."""
    features = np.asarray(features, dtype=np.float64)
    missing = np.isnan(features)
    counts = (~missing).sum(axis=0)
    medians = np.zeros(features.shape[1])
    for j in np.flatnonzero(counts):
        medians[j] = np.median(features[~missing[:, j], j])
    indicators = np.flatnonzero(missing.any(axis=0)).tolist()
    imputed = np.where(missing, medians, features)
    stacked = np.concatenate([imputed, missing[:, indicators].astype(np.float64)], axis=1)
    means, stds = stacked.mean(axis=0), stacked.std(axis=0)
    stds[stds < 1e-8] = 1.0
    minimums = [float(np.nanmin(features[:, j])) if counts[j] else None for j in range(features.shape[1])]
    maximums = [float(np.nanmax(features[:, j])) if counts[j] else None for j in range(features.shape[1])]
    return {"features": list(names), "medians": medians.tolist(), "indicators": indicators,
            "means": means.tolist(), "stds": stds.tolist(), "minimums": minimums, "maximums": maximums}


def apply_preprocessing(features: np.ndarray, preprocessing: dict) -> np.ndarray:
    """Impute, add indicators and standardise ``features`` as fitted; float32."""
    features = np.asarray(features, dtype=np.float64)
    missing = np.isnan(features)
    imputed = np.where(missing, np.asarray(preprocessing["medians"]), features)
    stacked = np.concatenate([imputed, missing[:, preprocessing["indicators"]].astype(np.float64)], axis=1)
    return ((stacked - np.asarray(preprocessing["means"])) / np.asarray(preprocessing["stds"])).astype(np.float32)


def input_width(preprocessing: dict) -> int:
    """How many inputs the model gets: the features and their missing-value indicators."""
    return len(preprocessing["features"]) + len(preprocessing["indicators"])
