"""Load a trained model file and predict with the same pre- and post-processing as training.

A model file is a training checkpoint, or the registry's stripped copy of one:
``{"format": ..., "model": state_dict, "meta": {...}}``. It is read with
``torch.load(weights_only=True)``, so a file that would run code when unpickled
is refused, never executed.

Prediction comes in three steps so a server can batch requests between them:

    predictor = Predictor.load(path)
    batch = predictor.prepare(inputs)          # validate and preprocess → a Batch
    logits = predictor.forward(batch)          # one forward pass (sliding window for masks)
    results = predictor.finish(batch, logits)  # one result dict per input

``Batch.join`` merges prepared batches of several requests into one forward pass
when ``predictor.batchable``. ``predictor.predict(inputs)`` does all three.
"""

import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from mass_ide.core.data.geometry import class_volumes
from mass_ide.core.errors import InvalidInput
from mass_ide.core.registry.model_file import (
    error_cause,
    model_signature,
    read_model_file,
)
from mass_ide.core.training.api import IMAGE, SEGMENTATION, TABULAR
from mass_ide.core.training.preprocessing import apply_preprocessing
from mass_ide.core.training.tasks import network_for


def default_device() -> torch.device:
    """CUDA when a GPU is present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def normalised_entropy(probabilities: torch.Tensor, *, dim: int = 1) -> torch.Tensor:
    """Entropy of class probabilities along ``dim`` divided by its maximum, log(classes): 0 sure … 1 unsure."""
    classes = probabilities.shape[dim]
    if classes < 2:
        return torch.zeros_like(probabilities.select(dim, 0))
    entropy = -(probabilities * torch.log(probabilities.clamp_min(1e-12))).sum(dim=dim)
    return entropy / math.log(classes)


@dataclass
class Batch:
    """Prepared inputs: the network's input tensor and what post-processing needs for each input."""

    tensor: torch.Tensor
    contexts: list[dict] = field(default_factory=list)

    @classmethod
    def join(cls, batches: list["Batch"]) -> "Batch":
        """One batch holding the inputs of ``batches``, in order."""
        return cls(torch.cat([b.tensor for b in batches]), [c for b in batches for c in b.contexts])

    def __len__(self) -> int:
        return len(self.contexts)


def _picture(value) -> object:
    """A picture input as something PIL opens: a path, or bytes wrapped in a file object."""
    return io.BytesIO(value) if isinstance(value, bytes | bytearray) else value


class Predictor:
    """A trained network in eval mode with its task's pre- and post-processing."""

    def __init__(self, state: dict, *, device: torch.device | str | None = None):
        self.meta = state["meta"]
        self.task = self.meta["task"]
        self.classes = list(self.meta["classes"])
        self.config = self.meta.get("config", {})
        self.device = torch.device(device) if device is not None else default_device()
        self.network = network_for(self.meta)
        self.network.load_state_dict(state["model"])
        self.network.to(self.device).eval()

    @classmethod
    def load(cls, path: str | Path, *, device: torch.device | str | None = None) -> "Predictor":
        """Load a model file or training checkpoint without executing code."""
        return cls(read_model_file(path), device=device)

    @property
    def spatial_dims(self) -> int:
        return int(self.config.get("spatial_dims", 3)) if self.task == SEGMENTATION else 2

    @property
    def batchable(self) -> bool:
        """Whether inputs of several requests can share one forward pass (same shape after preprocessing)."""
        return self.task in (TABULAR, IMAGE)

    @property
    def signature(self) -> dict:
        """What the model takes and gives, as JSON (builds the online test page and validates requests)."""
        return model_signature(self.meta)

    @property
    def channels(self) -> int:
        return int(self.config.get("model", {}).get("in_channels", 1))

    # -- preparing inputs -------------------------------------------------------------------------

    def prepare(self, inputs: list) -> Batch:
        """Validate and preprocess ``inputs`` as training did; InvalidInput names what is wrong."""
        if not inputs:
            raise InvalidInput("nothing to predict: give at least one input")
        if self.task == TABULAR:
            return self._prepare_rows(inputs)
        if self.task == IMAGE:
            return self._prepare_pictures(inputs)
        if len(inputs) != 1:
            raise InvalidInput("a segmentation model predicts one image or volume at a time")
        return self._prepare_volume(inputs[0]) if self.spatial_dims == 3 else self._prepare_slice(inputs[0])

    def _prepare_rows(self, rows: list) -> Batch:
        """Feature rows (dicts of numbers, None for missing) → imputed, standardised float32."""
        names = self.meta["preprocessing"]["features"]
        matrix = np.full((len(rows), len(names)), np.nan)
        for r, row in enumerate(rows):
            if not isinstance(row, dict):
                raise InvalidInput(f"record {r + 1} must be an object of {{column: value}}")
            absent = [name for name in names if name not in row]
            if absent:
                raise InvalidInput(f"record {r + 1} misses column {absent[0]!r}; the model needs: {', '.join(names)} "
                                   "(give null for an unknown value)")
            for j, name in enumerate(names):
                value = row[name]
                if value is None or value == "":
                    continue
                try:
                    matrix[r, j] = float(value)
                except (TypeError, ValueError):
                    raise InvalidInput(f"record {r + 1}: {name!r} must be a number, not {value!r}") from None
                if not math.isfinite(matrix[r, j]):
                    raise InvalidInput(f"record {r + 1}: {name!r} must be a finite number")
        features = apply_preprocessing(matrix, self.meta["preprocessing"])
        return Batch(torch.from_numpy(features).to(self.device), [{} for _ in rows])

    def _prepare_pictures(self, pictures: list) -> Batch:
        """Pictures → loaded, resized and scaled exactly as validation images were."""
        from mass_ide.core.training.transforms import classification_transforms

        chain = classification_transforms(self.config, train=False)
        tensors = []
        for index, picture in enumerate(pictures):
            try:
                tensors.append(chain({"image": _picture(picture)})["image"])
            except InvalidInput:
                raise
            except Exception as error:
                raise InvalidInput(f"input {index + 1} is not a readable PNG, JPEG or TIFF picture: "
                                   f"{error_cause(error)}") from None
        return Batch(torch.stack(tensors).to(self.device), [{} for _ in pictures])

    def _prepare_slice(self, picture) -> Batch:
        """A 2D picture for a 2D segmentation model, scaled as training did."""
        from monai import transforms as mt

        from mass_ide.core.training.transforms import LoadPictured, intensity_transforms

        chain = mt.Compose([LoadPictured("image", channels=self.channels), *intensity_transforms(self.config),
                            mt.EnsureTyped("image", dtype=torch.float32, track_meta=False)])
        try:
            image = chain({"image": _picture(picture)})["image"]
        except InvalidInput:
            raise
        except Exception as error:
            raise InvalidInput(f"the input is not a readable PNG, JPEG or TIFF picture: {error_cause(error)}") from None
        return Batch(image[None].to(self.device), [{}])

    def _prepare_volume(self, path) -> Batch:
        """A NIfTI volume, oriented, resampled and windowed as training did; the steps are kept to undo them."""
        from mass_ide.core.training.transforms import volume_inference_transforms

        chain = volume_inference_transforms(self.config)
        try:
            data = chain({"image": str(path)})
        except Exception as error:
            raise InvalidInput(f"{Path(path).name} is not a readable NIfTI volume: {error_cause(error)}") from None
        return Batch(data["image"][None].to(self.device), [{"chain": chain, "data": data}])

    # -- the forward pass -------------------------------------------------------------------------

    def forward(self, batch: Batch) -> torch.Tensor:
        """The network's logits for a prepared batch, without gradients."""
        with torch.inference_mode():
            if self.task != SEGMENTATION:
                return self.network(batch.tensor)
            return self.sliding_window()(batch.tensor.as_tensor() if hasattr(batch.tensor, "as_tensor")
                                         else batch.tensor, self.network)

    def sliding_window(self):
        """The inferer segmentation validation used: windows of ``roi_size`` with overlap."""
        from monai.inferers import SlidingWindowInferer

        roi = [int(s) for s in self.config.get("roi_size", [96] * self.spatial_dims)][: self.spatial_dims]
        return SlidingWindowInferer(roi_size=roi, sw_batch_size=int(self.config.get("sw_batch_size", 4)),
                                    overlap=float(self.config.get("overlap", 0.25)))

    def example_input(self) -> torch.Tensor:
        """A batch of one zero input of the right shape, on the device (for export and parity checks)."""
        if self.task == TABULAR:
            pre = self.meta["preprocessing"]
            width = len(pre["features"]) + len(pre["indicators"])
            return torch.zeros(1, width, device=self.device)
        if self.task == IMAGE:
            size = [int(s) for s in self.config.get("image_size", [64, 64])]
        else:
            size = [int(s) for s in self.config.get("roi_size", [96] * self.spatial_dims)][: self.spatial_dims]
        return torch.zeros(1, self.channels, *size, device=self.device)

    # -- results ----------------------------------------------------------------------------------

    def finish(self, batch: Batch, logits: torch.Tensor) -> list[dict]:
        """One JSON-ready result per input (masks as numpy arrays on the input's own grid)."""
        probabilities = torch.softmax(logits.float(), dim=1)
        if self.task != SEGMENTATION:
            return [self._classification(row) for row in probabilities.cpu()]
        context = batch.contexts[0]
        if "chain" in context:
            probabilities = self._undo_preprocessing(probabilities[0], context)[None]
        return [self._segmentation(probabilities[0].cpu(), context)]

    def _classification(self, probabilities: torch.Tensor) -> dict:
        """The predicted class (the threshold decides binary problems), probabilities and uncertainty."""
        values = probabilities.numpy().astype(float)
        if len(values) == 2:
            chosen = int(values[1] >= float(self.config.get("threshold", 0.5)))
        else:
            chosen = int(values.argmax())
        return {"class": self.classes[chosen],
                "probabilities": {name: round(float(p), 6) for name, p in zip(self.classes, values)},
                "uncertainty": round(float(normalised_entropy(probabilities[None])[0]), 6)}

    def _undo_preprocessing(self, probabilities: torch.Tensor, context: dict) -> torch.Tensor:
        """Class probabilities resampled back onto the input volume's own grid and orientation."""
        from monai.data import MetaTensor

        image = context["data"]["image"]
        prediction = MetaTensor(probabilities.cpu(), meta=image.meta,
                                applied_operations=image.applied_operations)
        return context["chain"].inverse({"image": prediction})["image"].as_tensor()

    def _segmentation(self, probabilities: torch.Tensor, context: dict) -> dict:
        """The argmax mask (uint8), voxels (and for volumes mL) per class and mean uncertainty."""
        mask = probabilities.numpy().argmax(axis=0).astype(np.uint8)  # numpy: 6× faster than torch over dim 0
        original = context["data"]["image"].meta.get("original_affine") if "data" in context else None
        affine = None if original is None else np.asarray(original, dtype=np.float64)
        measured = class_volumes(mask, dict(enumerate(self.classes)), affine)
        result = {"mask": mask,
                  "classes": {str(i): name for i, name in enumerate(self.classes)},
                  "voxels": {c["name"]: c["voxels"] for c in measured},
                  "uncertainty": round(float(normalised_entropy(probabilities[None]).mean()), 6)}
        if affine is not None:
            result["affine"] = affine.tolist()
            result["volume_ml"] = {c["name"]: c["ml"] for c in measured}
        return result

    def predict(self, inputs: list) -> list[dict]:
        """Prepare, forward and finish ``inputs`` in one go."""
        batch = self.prepare(inputs)
        return self.finish(batch, self.forward(batch))


