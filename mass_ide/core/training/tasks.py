"""What differs between task kinds: datasets, network, loss, inferers, validation metrics.

Each task (in the shape of MONAILabel's ``TrainTask``) turns a config, the
:class:`TrainingData` and a :class:`Split` into the parts the engine wires
together; the engine itself is the same for all of them.
"""

import torch
from monai import data as md
from monai.inferers import SimpleInferer, SlidingWindowInferer

from mass_ide.core.errors import InvalidInput
from mass_ide.core.training.api import IMAGE, SEGMENTATION, TABULAR, TrainingData
from mass_ide.core.training.metrics import ClassificationMetrics, SegmentationMetrics
from mass_ide.core.training.preprocessing import (
    apply_preprocessing,
    fit_preprocessing,
    input_width,
)
from mass_ide.core.training.split import Split, split_samples
from mass_ide.core.training.transforms import (
    classification_transforms,
    segmentation_transforms,
)


def tabular_network(config: dict, *, classes: int, inputs: int) -> torch.nn.Module:
    """An MLP with ``config["model"]["hidden"]`` layer widths, ReLU and dropout."""
    model = config.get("model", {})
    layers: list[torch.nn.Module] = []
    width = inputs
    for hidden in model.get("hidden", [64, 32]):
        layers += [torch.nn.Linear(width, int(hidden)), torch.nn.ReLU(), torch.nn.Dropout(float(model.get("dropout", 0.0)))]
        width = int(hidden)
    layers.append(torch.nn.Linear(width, classes))
    return torch.nn.Sequential(*layers)


def image_network(config: dict, *, classes: int) -> torch.nn.Module:
    """A MONAI DenseNet121 or ResNet classifier."""
    from monai.networks import nets

    model = config.get("model", {})
    name = str(model.get("name", "densenet121")).lower()
    dims, channels = int(model.get("spatial_dims", 2)), int(model.get("in_channels", 1))
    if name == "densenet121":
        return nets.DenseNet121(spatial_dims=dims, in_channels=channels, out_channels=classes)
    if name in ("resnet10", "resnet18", "resnet34"):
        return getattr(nets, name)(spatial_dims=dims, n_input_channels=channels, num_classes=classes)
    raise InvalidInput(f"unknown image model {name!r}; choose densenet121, resnet10, resnet18 or resnet34")


def segmentation_network(config: dict, *, classes: int) -> torch.nn.Module:
    """A MONAI UNet or SegResNet."""
    from monai.networks import nets

    model = config.get("model", {})
    name = str(model.get("name", "unet")).lower()
    dims, channels = int(config.get("spatial_dims", 3)), int(model.get("in_channels", 1))
    if name == "unet":
        return nets.UNet(spatial_dims=dims, in_channels=channels, out_channels=classes,
                         channels=[int(c) for c in model.get("channels", [16, 32, 64, 128])],
                         strides=[int(s) for s in model.get("strides", [2, 2, 2])],
                         num_res_units=int(model.get("num_res_units", 1)))
    if name == "segresnet":
        return nets.SegResNet(spatial_dims=dims, in_channels=channels, out_channels=classes,
                              init_filters=int(model.get("init_filters", 8)))
    raise InvalidInput(f"unknown segmentation model {name!r}; choose unet or segresnet")


def network_for(meta: dict) -> torch.nn.Module:
    """The (untrained) network a checkpoint's ``meta`` describes, ready for its weights."""
    config, classes = meta["config"], len(meta["classes"])
    if meta["task"] == TABULAR:
        return tabular_network(config, classes=classes, inputs=input_width(meta["preprocessing"]))
    if meta["task"] == IMAGE:
        return image_network(config, classes=classes)
    if meta["task"] == SEGMENTATION:
        return segmentation_network(config, classes=classes)
    raise InvalidInput(f"unknown task {meta['task']!r} in the model's metadata")


class Task:
    """The parts of one task kind; subclasses fill them in."""

    key_metric = "val/loss"
    val_batch_size = 1

    def __init__(self, config: dict, data: TrainingData):
        self.config = config
        self.data = data
        self.split = self.make_split()

    def make_split(self) -> Split:
        """The seeded training/validation split (stratified by class when there are classes)."""
        return split_samples(count=len(self.data), fraction=float(self.config.get("validation_split", 0.2)),
                             seed=int(self.config.get("seed", 0)), targets=self.data.targets)

    def records(self, indices: list[int]) -> list[dict]:
        """One dict per sample for a MONAI dataset."""
        raise NotImplementedError

    def datasets(self) -> tuple[md.Dataset, md.Dataset]:
        """The training and validation datasets."""
        raise NotImplementedError

    def network(self) -> torch.nn.Module:
        raise NotImplementedError

    def loss(self):
        """``config["loss"]``: cross_entropy (default) or focal."""
        from mass_ide.core.training.losses import classification_loss

        return classification_loss(self.config)

    def train_inferer(self):
        return SimpleInferer()

    def val_inferer(self):
        return SimpleInferer()

    def val_metric(self):
        threshold = float(self.config.get("threshold", 0.5))
        return ClassificationMetrics(classes=len(self.data.classes), threshold=threshold)

    def meta(self) -> dict:
        """What a checkpoint needs besides weights to serve predictions."""
        return {"task": self.data.task, "classes": self.data.classes, "config": self.config,
                "dataset_id": self.data.dataset_id, "dataset_version": self.data.version,
                "dataset_digest": self.data.digest}


class TabularTask(Task):
    """An MLP over standardised features (statistics from the training split only)."""

    key_metric = "val/auc"
    val_batch_size = 256

    def __init__(self, config: dict, data: TrainingData):
        super().__init__(config, data)
        self.preprocessing = fit_preprocessing(data.features[self.split.train], names=data.feature_names)

    def records(self, indices: list[int]) -> list[dict]:
        inputs = apply_preprocessing(self.data.features[indices], self.preprocessing)
        return [{"image": torch.from_numpy(row), "label": int(self.data.targets[i]), "key": self.data.keys[i]}
                for row, i in zip(inputs, indices)]

    def datasets(self):
        return md.Dataset(self.records(self.split.train)), md.Dataset(self.records(self.split.validation))

    def network(self) -> torch.nn.Module:
        return tabular_network(self.config, classes=len(self.data.classes), inputs=input_width(self.preprocessing))

    def meta(self) -> dict:
        return {**super().meta(), "preprocessing": self.preprocessing}


class ImageTask(Task):
    """A 2D classifier (DenseNet121 or a ResNet) over resized pictures."""

    key_metric = "val/auc"
    val_batch_size = 32

    def records(self, indices: list[int]) -> list[dict]:
        return [{"image": self.data.images[i], "label": int(self.data.targets[i]), "key": self.data.keys[i]}
                for i in indices]

    def datasets(self):
        train = classification_transforms(self.config, train=True)
        train.set_random_state(seed=int(self.config.get("seed", 0)))
        val = classification_transforms(self.config, train=False)
        return (md.Dataset(self.records(self.split.train), transform=train),
                md.Dataset(self.records(self.split.validation), transform=val))

    def network(self) -> torch.nn.Module:
        return image_network(self.config, classes=len(self.data.classes))


class SegmentationTask(Task):
    """A MONAI UNet or SegResNet with a Dice-family loss and sliding-window validation."""

    key_metric = "val/dice"

    def make_split(self) -> Split:
        return split_samples(count=len(self.data), fraction=float(self.config.get("validation_split", 0.2)),
                             seed=int(self.config.get("seed", 0)))

    def records(self, indices: list[int]) -> list[dict]:
        return [{"image": str(self.data.images[i]), "label": str(self.data.masks[i]), "key": self.data.keys[i]}
                for i in indices]

    def datasets(self):
        train = segmentation_transforms(self.config, train=True)
        train.set_random_state(seed=int(self.config.get("seed", 0)))
        val = segmentation_transforms(self.config, train=False)
        records = self.records(self.split.train), self.records(self.split.validation)
        if self.config.get("cache") == "memory":
            return (md.CacheDataset(records[0], transform=train, progress=False, num_workers=0),
                    md.CacheDataset(records[1], transform=val, progress=False, num_workers=0))
        return md.Dataset(records[0], transform=train), md.Dataset(records[1], transform=val)

    def roi_size(self) -> list[int]:
        dims = int(self.config.get("spatial_dims", 3))
        roi = [int(s) for s in self.config.get("roi_size", [96] * dims)][:dims]
        if len(roi) != dims:
            raise InvalidInput(f"'roi_size' needs {dims} sizes for spatial_dims {dims}")
        return roi

    def network(self) -> torch.nn.Module:
        return segmentation_network(self.config, classes=len(self.data.classes))

    def loss(self):
        """``config["loss"]``: dice_ce (default), dice, focal or dice_focal."""
        from mass_ide.core.training.losses import segmentation_loss

        return segmentation_loss(self.config)

    def val_inferer(self):
        return SlidingWindowInferer(roi_size=self.roi_size(), sw_batch_size=int(self.config.get("sw_batch_size", 4)),
                                    overlap=float(self.config.get("overlap", 0.25)))

    def val_metric(self):
        return SegmentationMetrics(loss_function=self.loss(), class_names=self.data.classes)


TASK_CLASSES = {TABULAR: TabularTask, IMAGE: ImageTask, SEGMENTATION: SegmentationTask}


def make_task(config: dict, data: TrainingData) -> Task:
    """The task for ``config["task"]`` (which must match the data's task)."""
    if config.get("task") != data.task:
        raise InvalidInput(f"the config is for a {config.get('task')} run but the data was read for {data.task}")
    return TASK_CLASSES[data.task](config, data)
