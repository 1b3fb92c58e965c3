"""The training losses a config may name in ``config["loss"]``, by task kind.

Classification: ``cross_entropy`` (the default) or ``focal`` (MONAI's FocalLoss
over softmax, the class index turned one-hot). Segmentation: ``dice_ce`` (the
default), ``dice``, ``focal`` or ``dice_focal`` (MONAI's DiceCELoss, DiceLoss,
FocalLoss and DiceFocalLoss) with the label map turned one-hot; Dice and focal
over softmax, except the focal term of MONAI's DiceFocalLoss, which is sigmoid.
"""

import torch

from mass_ide.core.errors import InvalidInput
from mass_ide.core.training.api import IMAGE, SEGMENTATION, TABULAR

LOSSES = {
    TABULAR: ("cross_entropy", "focal"),
    IMAGE: ("cross_entropy", "focal"),
    SEGMENTATION: ("dice_ce", "dice", "focal", "dice_focal"),
}


def loss_name(config: dict) -> str:
    """The loss ``config`` names for its task (the task's default when it names none); InvalidInput otherwise."""
    choices = LOSSES.get(config.get("task"), ())
    if not choices:
        return ""
    name = config.get("loss") or choices[0]
    if name not in choices:
        raise InvalidInput(f"unknown loss {name!r} for a {config['task']} run; choose one of: {', '.join(choices)}")
    return name


class ClassIndexFocalLoss(torch.nn.Module):
    """MONAI's FocalLoss over softmax for logits ``[B, C]`` and class indices ``[B]``."""

    def __init__(self):
        from monai.losses import FocalLoss

        super().__init__()
        self.focal = FocalLoss(to_onehot_y=True, use_softmax=True)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.focal(logits, target.long().view(-1, 1))


def classification_loss(config: dict) -> torch.nn.Module:
    """The loss of a tabular or image classifier."""
    if loss_name(config) == "focal":
        return ClassIndexFocalLoss()
    return torch.nn.CrossEntropyLoss()


def segmentation_loss(config: dict) -> torch.nn.Module:
    """The loss of a segmentation network (logits ``[B, C, …]``, label maps ``[B, 1, …]``)."""
    from monai.losses import DiceCELoss, DiceFocalLoss, DiceLoss, FocalLoss

    name = loss_name(config)
    if name == "dice":
        return DiceLoss(to_onehot_y=True, softmax=True)
    if name == "focal":
        return FocalLoss(to_onehot_y=True, use_softmax=True)
    if name == "dice_focal":
        return DiceFocalLoss(to_onehot_y=True, softmax=True)
    return DiceCELoss(to_onehot_y=True, softmax=True)
