"""One served model: check a request against the signature, predict in a batch, answer JSON.

The HTTP layer (:mod:`mass_ide.serve`) only reads the request and writes the answer;
everything a prediction is (inputs, validation, batching, mask encoding) is here.
"""

import base64
import gzip
import tempfile
from pathlib import Path

import numpy as np

from mass_ide.core.serving import inputs as checks
from mass_ide.core.serving.batching import DynamicBatcher


def encode_mask(mask: np.ndarray) -> dict:
    """A uint8 mask as JSON: its shape and its C-order bytes, gzip-compressed then base64."""
    mask = np.ascontiguousarray(mask, dtype=np.uint8)
    return {"shape": list(mask.shape), "dtype": "uint8", "encoding": "base64-gzip",
            "data": base64.b64encode(gzip.compress(mask.tobytes(), compresslevel=1)).decode("ascii")}


def decode_mask(encoded: dict) -> np.ndarray:
    """The array :func:`encode_mask` wrote."""
    raw = gzip.decompress(base64.b64decode(encoded["data"]))
    return np.frombuffer(raw, dtype=np.uint8).reshape(encoded["shape"])


def result_json(result: dict) -> dict:
    """A predictor result as JSON: masks encoded, with the number of slices along their last axis."""
    if "mask" not in result:
        return result
    mask = result["mask"]
    return {**result, "mask": encode_mask(mask), "slices": int(mask.shape[-1]) if mask.ndim == 3 else 1}


def output_summary(result: dict) -> dict:
    """What the audit log keeps of one result: everything but the mask's voxels."""
    return {key: value for key, value in result.items() if key != "mask"}


class ModelService:
    """A predictor with its identity (model name, version) and a dynamic batcher."""

    def __init__(self, predictor, *, model: str, version: int | None, runtime: str = "torch",
                 max_batch: int = 32, max_wait_ms: float = 2.0, scratch: str | Path | None = None):
        self.predictor, self.model, self.version, self.runtime = predictor, model, version, runtime
        self.signature = predictor.signature
        self.batcher = DynamicBatcher(predictor, max_inputs=max_batch, max_wait_ms=max_wait_ms)
        self.scratch = Path(scratch) if scratch else None
        if self.scratch:
            self.scratch.mkdir(parents=True, exist_ok=True)

    def info(self) -> dict:
        """What this service serves, for ``GET /``."""
        return {"model": self.model, "version": self.version, "runtime": self.runtime,
                "device": str(self.predictor.device), "signature": self.signature}

    def answer(self, results: list[dict]) -> dict:
        """The JSON answer of a prediction request."""
        return {"model": self.model, "version": self.version, "predictions": [result_json(r) for r in results]}

    async def predict_json(self, body: bytes) -> dict:
        """Predict JSON records ``{"records": [...], "units": {...}}`` of a table model."""
        records = checks.table_records(checks.parse_json(body), self.signature)
        return self.answer(await self.batcher.predict(records))

    async def predict_upload(self, data: bytes, *, name: str) -> dict:
        """Predict one uploaded picture, NIfTI volume or zipped DICOM series."""
        with tempfile.TemporaryDirectory(dir=self.scratch, prefix="upload-") as folder:
            value = checks.upload_input(data, name=name, signature=self.signature, folder=Path(folder))
            return self.answer(await self.batcher.predict([value]))

    def close(self) -> None:
        """Stop the batcher."""
        self.batcher.close()
