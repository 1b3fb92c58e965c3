"""Export a model version for edge devices: TorchScript and ONNX beside ``models/model.pt``.

Each export is checked against eager PyTorch on realistic inputs of the model's own input
size (``parity_cases``: seeded, in the range the model's preprocessing gives): the largest
absolute difference of the class probabilities and, for masks, the mean Dice of the argmax
masks per class. Each format has a tolerance (``TOLERANCES``) and a verdict, ``passed``;
the export report (``configs/export.json`` in the bundle folder) keeps them, and a
deployment on a format that failed needs an explicit override.

Instance normalisation goes to ONNX as a shifted two-pass computation (``ShiftedInstanceNorm``):
ONNX Runtime's own InstanceNormalization does not give exactly zero on a constant feature map,
and dividing that rounding error by sqrt(eps) again in every layer turned an all-air window of a
CT (windowed to zeros) into logits 0.2–0.6 away from PyTorch's.
"""

import json
from pathlib import Path

from mass_ide.core.registry.bundle import (
    ONNX_FILE,
    REPORT_FILE,
    TORCHSCRIPT_FILE,
)

FORMATS = ("torchscript", "onnx")
# largest |eager − exported| class probability, smallest mean Dice of the argmax masks (segmentation only)
TOLERANCES = {"torchscript": {"max_abs_diff": 1e-5, "dice": 0.99},
              "onnx": {"max_abs_diff": 1e-3, "dice": 0.99}}
COMPARED = "class probabilities (softmax of the outputs); masks: mean Dice per class of the argmax masks"
TABLE_ROWS = 32  # records per tabular parity case


# -- realistic inputs ---------------------------------------------------------------------------

def _smooth(shape: tuple, generator, *, coarse: int = 8):
    """Seeded noise in 0..1 that varies over ~``coarse`` voxels (tissue-like), of ``shape`` (N, C, *spatial)."""
    import torch
    import torch.nn.functional as F

    spatial = shape[2:]
    low = torch.rand(*shape[:2], *[max(2, s // coarse) for s in spatial], generator=generator)
    mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[len(spatial)]
    return F.interpolate(low, size=spatial, mode=mode, align_corners=False)


def _body(shape: tuple, generator):
    """Smooth tissue with grain inside an off-centre ellipsoid, air (0) outside: the edge of a body."""
    import torch

    spatial = shape[2:]
    axes = torch.meshgrid(*[torch.linspace(-1, 1, s) for s in spatial], indexing="ij")
    inside = sum(((axis - 0.35) / 0.9) ** 2 for axis in axes) <= 1.0
    grain = 0.05 * torch.randn(shape, generator=generator)
    return ((0.2 + 0.6 * _smooth(shape, generator) + grain).clamp(0, 1) * inside).float()


def _table_cases(predictor, generator) -> list[tuple[str, object]]:
    """Records drawn around the training statistics (typical, far out, all missing), preprocessed as served."""
    import numpy as np
    import torch

    from mass_ide.core.training.preprocessing import apply_preprocessing

    pre = predictor.meta["preprocessing"]
    count = len(pre["features"])
    means, stds = np.asarray(pre["means"][:count]), np.asarray(pre["stds"][:count])
    rng = np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=generator)))

    def rows(spread: float, missing: float):
        values = rng.normal(means, stds * spread, size=(TABLE_ROWS, count))
        values[rng.random(values.shape) < missing] = np.nan
        return torch.from_numpy(apply_preprocessing(values, pre))

    return [("typical records", rows(1.0, 0.1)), ("far-out records", rows(3.0, 0.0)),
            ("all values missing", rows(1.0, 1.0))]


def parity_cases(predictor) -> list[tuple[str, object]]:
    """(name, input batch) pairs the parity check runs: seeded, realistic, of the model's own input size
    (images and volumes are 0..1 after windowing or scaling, as the preprocessing gives them)."""
    import torch

    from mass_ide.core.training.api import SEGMENTATION, TABULAR

    generator = torch.Generator().manual_seed(0)
    if predictor.task == TABULAR:
        cases = _table_cases(predictor, generator)
    else:
        shape = tuple(predictor.example_input().shape)
        names = (("air (a window outside the body)", "tissue texture", "edge of a body")
                 if predictor.task == SEGMENTATION else ("blank picture", "texture", "object on a blank ground"))
        cases = list(zip(names, [torch.zeros(shape), _smooth(shape, generator), _body(shape, generator)]))
    return [(name, tensor.to(predictor.device)) for name, tensor in cases]


# -- comparing ----------------------------------------------------------------------------------

def mask_dice(expected, actual, *, classes: int) -> float:
    """The mean Dice per class of two label masks, over the classes present in either (1.0 when both agree)."""
    scores = []
    for label in range(classes):
        a, b = expected == label, actual == label
        total = int(a.sum()) + int(b.sum())
        if total:
            scores.append(2.0 * int((a & b).sum()) / total)
    return float(sum(scores) / len(scores)) if scores else 1.0


def tolerance_for(task: str, fmt: str) -> dict:
    """The tolerance of ``fmt`` for a model of ``task`` (a Dice bound for masks only)."""
    from mass_ide.core.training.api import SEGMENTATION

    return {**TOLERANCES[fmt], **({} if task == SEGMENTATION else {"dice": None})}


def parity(predictor, run, fmt: str) -> dict:
    """Compare ``run`` (the exported network) with eager PyTorch on :func:`parity_cases`: per case and overall,
    with the format's tolerance and the verdict (a non-finite output fails, its difference shown as null)."""
    import torch

    from mass_ide.core.training.api import SEGMENTATION

    segmentation = predictor.task == SEGMENTATION
    tolerance = tolerance_for(predictor.task, fmt)
    cases = []
    with torch.inference_mode():
        for name, tensor in parity_cases(predictor):
            expected = torch.softmax(predictor.network(tensor).float().cpu(), dim=1)
            actual = torch.softmax(run(tensor).float().cpu(), dim=1)
            finite = bool(torch.isfinite(actual).all())
            case = {"name": name, "max_abs_diff": float((actual - expected).abs().max()) if finite else None}
            if segmentation:
                case["dice"] = round(mask_dice(expected.argmax(1), actual.argmax(1), classes=expected.shape[1]), 6)
            cases.append(case)
    differences = [c["max_abs_diff"] for c in cases]
    worst = None if None in differences else max(differences)
    dice = min(c["dice"] for c in cases) if segmentation else None
    passed = worst is not None and worst <= tolerance["max_abs_diff"] and (dice is None or dice >= tolerance["dice"])
    return {"max_abs_diff": worst, "dice": dice, "tolerance": tolerance, "passed": passed, "cases": cases}


# -- exporting ----------------------------------------------------------------------------------

def _shifted_instance_norm():
    """The :class:`torch.nn.Module` class for ONNX's instance normalisation (made on first use: torch is lazy)."""
    import torch

    class ShiftedInstanceNorm(torch.nn.Module):
        """Instance normalisation as mean and variance of values shifted by the map's first value: equal to
        PyTorch's, and exactly zero on a constant map in ONNX Runtime too (its own kernel is not)."""

        def __init__(self, norm: torch.nn.Module):
            super().__init__()
            self.eps, self.weight, self.bias = norm.eps, norm.weight, norm.bias

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            dims = tuple(range(2, x.dim()))
            centred = x - x[(slice(None), slice(None), *[slice(0, 1)] * len(dims))]
            centred = centred - centred.mean(dim=dims, keepdim=True)
            normalised = centred / torch.sqrt((centred * centred).mean(dim=dims, keepdim=True) + self.eps)
            if self.weight is None:
                return normalised
            shape = (1, -1, *[1] * len(dims))
            return normalised * self.weight.view(shape) + self.bias.view(shape)

    return ShiftedInstanceNorm


def onnx_ready(network):
    """A copy of ``network`` with each instance normalisation that uses the map's own statistics replaced by
    :func:`_shifted_instance_norm`'s module (the original is left as it is)."""
    import copy

    import torch

    shifted = _shifted_instance_norm()
    network = copy.deepcopy(network)
    for module in list(network.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.modules.instancenorm._InstanceNorm) and not child.track_running_stats:
                setattr(module, name, shifted(child))
    return network.eval()


def export_torchscript(predictor, path: Path) -> None:
    """Trace the network to TorchScript at ``path``."""
    import torch

    with torch.no_grad():
        traced = torch.jit.trace(predictor.network, predictor.example_input(), check_trace=False)
    traced.save(str(path))


def export_onnx(predictor, path: Path) -> None:
    """Export the network to ONNX at ``path`` with a dynamic batch axis (instance norms as :func:`onnx_ready`)."""
    import torch

    batch = torch.export.Dim("batch", min=1, max=4096)
    torch.onnx.export(onnx_ready(predictor.network), (predictor.example_input(),), str(path), dynamo=True,
                      dynamic_shapes=({0: batch},), external_data=False, verbose=False)


def load_exported(fmt: str, path: Path, *, device):
    """An exported file, called like the network: TorchScript or an ONNX Runtime session."""
    import torch

    if fmt == "torchscript":
        return torch.jit.load(str(path), map_location=device)
    from mass_ide.core.serving.onnx_network import OnnxNetwork

    return OnnxNetwork(path, device=device)


FILES = {"torchscript": TORCHSCRIPT_FILE, "onnx": ONNX_FILE}
NAMES = {"torchscript": "TorchScript", "onnx": "ONNX"}


def _exported(fmt: str, predictor, folder: Path) -> dict:
    """One format's entry of the report: exported, loaded back and checked; a format the network cannot be
    exported to says why (``passed`` null), the others go on."""
    name = FILES[fmt]
    try:
        (export_torchscript if fmt == "torchscript" else export_onnx)(predictor, folder / name)
        checked = parity(predictor, load_exported(fmt, folder / name, device=predictor.device), fmt)
    except Exception as error:  # noqa: BLE001 -- tracers and exporters raise many kinds for an unsupported op
        (folder / name).unlink(missing_ok=True)
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
        return {"file": name, "max_abs_diff": None, "dice": None, "tolerance": tolerance_for(predictor.task, fmt),
                "passed": None, "cases": [], "error": reason}
    return {"file": name, **checked, "error": None}


def export_bundle(folder: str | Path, *, model_file: str | Path | None = None) -> dict:
    """Write TorchScript and ONNX into a bundle ``folder`` (beside ``models/model.pt``); the export report."""
    from mass_ide.core.serving.predictor import Predictor

    folder = Path(folder)
    predictor = Predictor.load(model_file or folder / "models" / "model.pt", device="cpu")
    for name in (TORCHSCRIPT_FILE, ONNX_FILE, REPORT_FILE):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
    report = {fmt: _exported(fmt, predictor, folder) for fmt in FORMATS}
    cases = parity_cases(predictor)
    report.update(bundle=str(folder), task=predictor.task, signature=predictor.signature,
                  parity={"compared": COMPARED, "input_shape": list(cases[0][1].shape),
                          "cases": [name for name, _ in cases]})
    (folder / REPORT_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def record_export(ws, version: dict, report: dict, *, user: str) -> dict:
    """Audit the export of a registry ``version`` (what each format's verdict was); the report as the API gives it,
    its bundle relative to the workspace."""
    from mass_ide.core import audit

    with ws.db.atomic():
        audit.record(ws.db, user=user, action="model.export", target=f"model:{version['model']}",
                     detail={"version": version["number"], "torchscript": report["torchscript"],
                             "onnx": report["onnx"]})
    return {**report, "bundle": Path(version["folder"]).relative_to(ws.root).as_posix(),
            "model": version["model"], "version": version["number"]}


def export_version(ws, version: dict, *, user: str) -> dict:
    """Export a registry ``version`` (``registry.get_version``) into its bundle with the parity check; audited."""
    return record_export(ws, version, export_bundle(version["folder"]), user=user)


OVERRIDE_ADVICE = "deploy on the torch runtime, export again, or deploy with override_parity to serve it anyway"


def parity_failure(report: dict | None, fmt: str) -> str | None:
    """Why ``fmt`` may not be deployed without an override (its last export failed parity), else None."""
    entry = (report or {}).get(fmt) or {}
    if entry.get("passed") is not False:
        return None
    tolerance = entry.get("tolerance") or TOLERANCES[fmt]
    found = [f"max abs difference {entry['max_abs_diff']:.3g} (tolerance {tolerance['max_abs_diff']:g})"
             if entry.get("max_abs_diff") is not None else "outputs that are not finite numbers"]
    if entry.get("dice") is not None:
        found.append(f"mask Dice {entry['dice']:.4f} (at least {tolerance['dice']:g})")
    return f"the {NAMES[fmt]} export failed its parity check against PyTorch: {', '.join(found)}"


def has_verdict(report: dict | None, fmt: str) -> bool:
    """Whether the report gives ``fmt`` a parity verdict (reports written before verdicts existed do not)."""
    return "passed" in ((report or {}).get(fmt) or {})


def split_model_reference(reference: str) -> tuple[str, str | None]:
    """``name``, ``name:3`` or ``name@production`` → (name, version ref for the registry)."""
    if "@" in reference:
        name, alias = reference.split("@", 1)
        return name, f"@{alias}"
    if ":" in reference:
        name, number = reference.split(":", 1)
        return name, number
    return reference, None


