"""MONAI transform chains built from a config: loading, CT windowing, resampling, augmentation."""

import math
from pathlib import Path

import numpy as np
import torch
from monai import transforms as mt

from mass_ide.core.errors import InvalidInput

AUGMENTATIONS = ("flip", "rotate", "rotate90", "intensity_scale", "intensity_shift")
LABELS = (("L", "R"), ("P", "A"), ("I", "S"))  # nibabel's axis codes: RAS+ world
PICTURE_SCALE = {"L": 255.0, "LA": 255.0, "P": 255.0, "RGB": 255.0, "RGBA": 255.0, "1": 1.0,
                 "I;16": 65535.0, "I;16B": 65535.0, "I;16L": 65535.0}


def read_picture(path, *, channels: int) -> np.ndarray:
    """A PNG/JPEG/TIFF file as float32 ``[channels, height, width]`` scaled to 0..1."""
    from PIL import Image

    with Image.open(path) as image:
        scale = PICTURE_SCALE.get(image.mode)
        if channels == 3:
            array = np.asarray(image.convert("RGB"), dtype=np.float32).transpose(2, 0, 1) / 255.0
        elif scale == 255.0 and image.mode != "L":
            array = np.asarray(image.convert("L"), dtype=np.float32)[None] / 255.0
        else:
            array = np.asarray(image, dtype=np.float32)[None]
            array = array / scale if scale else (array - array.min()) / max(float(np.ptp(array)), 1e-8)
    if array.shape[0] != channels:
        raise InvalidInput(f"{Path(path).name} has {array.shape[0]} channels but the model takes {channels}")
    return array


def read_mask_2d(path) -> np.ndarray:
    """A 2D mask snapshot (NIfTI of shape width × height × 1) as ``[1, height, width]`` integers."""
    import nibabel

    voxels = np.asanyarray(nibabel.load(path).dataobj)
    return voxels.reshape(voxels.shape[0], voxels.shape[1]).T[None].astype(np.int64)


class LoadPictured(mt.MapTransform):
    """Load pictures (and, for 2D segmentation, their masks) from the file paths under ``keys``."""

    def __init__(self, keys, *, channels: int, mask_key: str | None = None):
        super().__init__(keys)
        self.channels = channels
        self.mask_key = mask_key

    def __call__(self, data: dict) -> dict:
        data = dict(data)
        for key in self.keys:
            data[key] = torch.from_numpy(read_picture(data[key], channels=self.channels))
        if self.mask_key:
            data[self.mask_key] = torch.from_numpy(read_mask_2d(data[self.mask_key]))
        return data


def augmentations(names: list[str], *, keys: list[str], image_key: str, spatial_dims: int,
                  square_axes: bool = True) -> list:
    """Random transforms named in ``config["augmentation"]`` (flips, rotations, intensity)."""
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown:
        raise InvalidInput(f"unknown augmentation {unknown[0]!r}; choose from: {', '.join(AUGMENTATIONS)}")
    chosen: list = []
    interpolation = ["bilinear" if key == image_key else "nearest" for key in keys]
    if "flip" in names:
        chosen += [mt.RandFlipd(keys, prob=0.5, spatial_axis=axis) for axis in range(spatial_dims)]
    if "rotate90" in names and square_axes:
        chosen.append(mt.RandRotate90d(keys, prob=0.5, max_k=3, spatial_axes=(0, 1)))
    if "rotate" in names:
        angle = math.radians(15)
        ranges = {"range_x": angle} if spatial_dims == 2 else {"range_z": angle}
        chosen.append(mt.RandRotated(keys, prob=0.5, mode=interpolation, padding_mode="border", **ranges))
    if "intensity_scale" in names:
        chosen.append(mt.RandScaleIntensityd(image_key, factors=0.1, prob=0.5))
    if "intensity_shift" in names:
        chosen.append(mt.RandShiftIntensityd(image_key, offsets=0.1, prob=0.5))
    return chosen


def classification_transforms(config: dict, *, train: bool) -> mt.Compose:
    """Load a picture, resize it to ``image_size`` and (for training) augment it."""
    model = config.get("model", {})
    size = [int(s) for s in config.get("image_size", [64, 64])]
    chain = [LoadPictured("image", channels=int(model.get("in_channels", 1))),
             mt.Resized("image", spatial_size=size, mode="area")]
    if train:
        chain += augmentations(config.get("augmentation", []), keys=["image"], image_key="image", spatial_dims=2,
                               square_axes=size[0] == size[1])
    return mt.Compose(chain + [mt.EnsureTyped("image", dtype=torch.float32, track_meta=False)])


def intensity_transforms(config: dict) -> list:
    """CT windowing (``ct_window`` level and width, HU) to 0..1, or min-max scaling without one."""
    window = config.get("ct_window")
    if not window:
        return [mt.ScaleIntensityd("image", minv=0.0, maxv=1.0)]
    level, width = float(window["level"]), float(window["width"])
    return [mt.ScaleIntensityRanged("image", a_min=level - width / 2, a_max=level + width / 2,
                                    b_min=0.0, b_max=1.0, clip=True)]


def volume_loading(config: dict, keys: list[str]) -> list:
    """Load NIfTI volumes channel-first, orient them to LPS and resample them to ``spacing_mm``."""
    chain = [mt.LoadImaged(keys, image_only=True, ensure_channel_first=True),
             mt.Orientationd(keys, axcodes="LPS", labels=LABELS)]
    if config.get("spacing_mm"):
        modes = ("bilinear", "nearest")[: len(keys)]
        chain.append(mt.Spacingd(keys, pixdim=[float(s) for s in config["spacing_mm"]], mode=modes))
    return chain


def volume_inference_transforms(config: dict) -> mt.Compose:
    """A volume prepared as for validation, keeping its metadata so the steps can be undone on a prediction."""
    return mt.Compose(volume_loading(config, ["image"]) + intensity_transforms(config))


def segmentation_transforms(config: dict, *, train: bool) -> mt.Compose:
    """Load image and mask, resample to ``spacing_mm``, window, and (training) crop ``roi_size`` and augment."""
    dims = int(config.get("spatial_dims", 3))
    keys = ["image", "label"]
    roi = [int(s) for s in config["roi_size"]][:dims]
    if dims == 3:
        chain = volume_loading(config, keys)
    else:
        channels = int(config.get("model", {}).get("in_channels", 1))
        chain = [LoadPictured("image", channels=channels, mask_key="label")]
    chain += intensity_transforms(config)
    chain.append(mt.EnsureTyped(keys, dtype=(torch.float32, torch.int64), track_meta=False))
    if train:
        chain += [mt.SpatialPadd(keys, spatial_size=roi),
                  mt.RandCropByPosNegLabeld(keys, label_key="label", spatial_size=roi, pos=1, neg=1,
                                            num_samples=int(config.get("samples_per_case", 2)),
                                            allow_smaller=True)]
        chain += augmentations(config.get("augmentation", []), keys=keys, image_key="image", spatial_dims=dims,
                               square_axes=roi[0] == roi[1])
    return mt.Compose(chain)
