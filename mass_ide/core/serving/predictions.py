"""Predicted masks kept by the IDE server so the test page can overlay their slices.

The endpoint answers a mask as base64-gzip bytes; the server keeps that encoded mask as it
came (no decoding on the prediction's path) under the deployment's folder as
``predictions/<id>.json`` (with the input's affine, when the answer gives one) and serves
one slice at a time as a PNG whose grey value is the class, oriented like
``GET items/{id}/mask`` by :mod:`mass_ide.core.data.orientation` (a mask kept without an
affine counts as RAS, as nibabel reads such a file). The last few decoded masks stay in memory.
"""

import json
import uuid
from collections import OrderedDict
from pathlib import Path

import numpy as np

from mass_ide.core.data import orientation
from mass_ide.core.data.render import encode_png
from mass_ide.core.errors import InvalidInput, NotFound
from mass_ide.core.serving.deployments import deployment_dir, record_prediction
from mass_ide.core.serving.service import decode_mask, output_summary
from mass_ide.core.workspace import Workspace


def mask_path(ws: Workspace, deployment_id: int, prediction_id: str) -> Path:
    """Where a deployment keeps one predicted mask."""
    if not (prediction_id.isalnum() and prediction_id.isascii()):
        raise NotFound(f"no prediction {prediction_id!r}")
    return deployment_dir(ws, deployment_id) / "predictions" / f"{prediction_id}.json"


def keep_masks(ws: Workspace, deployment_id: int, answer: dict, prediction_id: str | None = None) -> str | None:
    """Store the masks of an endpoint answer (under ``prediction_id`` when given); the prediction id, or
    ``prediction_id`` (None unless given) when it has no mask."""
    masks = [p for p in answer.get("predictions", []) if isinstance(p.get("mask"), dict)]
    if not masks:
        return prediction_id
    prediction_id = prediction_id or uuid.uuid4().hex
    path = mask_path(ws, deployment_id, prediction_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    affine = masks[0].get("affine")
    kept = {**masks[0]["mask"], **({"affine": affine} if isinstance(affine, list) else {})}
    path.write_text(json.dumps(kept), encoding="ascii")
    return prediction_id


CACHE_SIZE = 2
_decoded: OrderedDict[Path, tuple[np.ndarray, np.ndarray | None]] = OrderedDict()


def _mask(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """A kept mask, decoded, and its input's affine (from a small cache: scrolling decodes a volume once)."""
    if path in _decoded:
        _decoded.move_to_end(path)
        return _decoded[path]
    kept = json.loads(path.read_text(encoding="ascii"))
    affine = _affine(kept.get("affine"))
    found = _decoded[path] = decode_mask(kept), affine
    while len(_decoded) > CACHE_SIZE:
        _decoded.popitem(last=False)
    return found


def _affine(value) -> np.ndarray | None:
    """A kept 4×4 affine, or None when there is none (or it is not one)."""
    try:
        affine = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return affine if affine.shape == (4, 4) and np.all(np.isfinite(affine)) else None


def kept_mask(ws: Workspace, deployment_id: int, prediction_id: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A kept mask and its input's affine; NotFound when the deployment kept none under that id."""
    path = mask_path(ws, deployment_id, prediction_id)
    if not path.is_file():
        raise NotFound(f"deployment {deployment_id} kept no prediction {prediction_id!r}")
    return _mask(path)


def mask_slice_png(ws: Workspace, deployment_id: int, prediction_id: str, *, axis: str, index: int) -> bytes:
    """One slice of a kept mask as PNG: a volume's along ``axis``, a picture's whole mask (index 0)."""
    mask, affine = kept_mask(ws, deployment_id, prediction_id)
    if mask.ndim == 2:
        if index != 0:
            raise InvalidInput("a picture's mask has one slice: index 0")
        return encode_png(mask)
    return encode_png(orientation.display_slice(mask, affine, axis, index))


def record_answer(ws: Workspace, deployment: dict, *, user: str, input_sha256: str, answer: dict | None = None,
                  error: str | None = None, latency_ms_p50: float | None = None,
                  origin: dict | None = None, prediction_id: str | None = None) -> str | None:
    """Count and audit one prediction request, refused (``error``) or answered (its masks kept); the id of an
    answered prediction (every one has one, for its trace), None for a refusal.

    The IDE server's predict route and the notebook client both settle their requests here; ``origin``
    says where a series from a PACS came from (hashed UIDs), ``prediction_id`` groups the requests of one
    result (a classifier's answers on each image of a series).
    """
    if error is not None:
        record_prediction(ws, deployment, user=user, input_sha256=input_sha256, output={"error": error},
                          latency_ms_p50=None, ok=False, origin=origin)
        return None
    prediction_id = keep_masks(ws, deployment["id"], answer, prediction_id or uuid.uuid4().hex)
    record_prediction(ws, deployment, user=user, input_sha256=input_sha256, ok=True,
                      output=[output_summary(p) for p in answer["predictions"]], latency_ms_p50=latency_ms_p50,
                      prediction_id=prediction_id, origin=origin)
    return prediction_id
