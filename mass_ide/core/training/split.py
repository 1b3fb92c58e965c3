"""A seeded split of samples into training and validation, stratified by class when there are classes."""

from dataclasses import dataclass

import numpy as np

from mass_ide.core.errors import InvalidInput


@dataclass(frozen=True)
class Split:
    """Sample indices of the two parts (sorted), and how they were drawn."""

    train: list[int]
    validation: list[int]
    fraction: float
    seed: int

    def to_json(self, keys: list[str]) -> dict:
        """Which keys went where, and how, so the split can be checked and repeated."""
        return {"seed": self.seed, "validation_fraction": self.fraction,
                "train": [keys[i] for i in self.train], "validation": [keys[i] for i in self.validation]}


def _count(size: int, fraction: float) -> int:
    """How many of ``size`` samples go to validation: at least one, and one left for training."""
    return min(max(1, round(size * fraction)), size - 1) if size >= 2 else 0


def split_samples(*, count: int, fraction: float, seed: int, targets: np.ndarray | None = None) -> Split:
    """Draw ``fraction`` of ``count`` samples for validation (per class when ``targets`` are given)."""
    if not 0.0 < float(fraction) < 1.0:
        raise InvalidInput(f"'validation_split' must lie between 0 and 1 (exclusive), not {fraction!r}")
    rng = np.random.default_rng(seed)
    groups = [np.arange(count)] if targets is None else [np.flatnonzero(targets == c) for c in np.unique(targets)]
    validation: list[int] = []
    for group in groups:
        shuffled = rng.permutation(group)
        validation += shuffled[:_count(len(group), fraction)].tolist()
    train = sorted(set(range(count)) - set(validation))
    if not train or not validation:
        raise InvalidInput(f"{count} samples cannot be split into training and validation; add more samples")
    return Split(train=train, validation=sorted(validation), fraction=float(fraction), seed=int(seed))
