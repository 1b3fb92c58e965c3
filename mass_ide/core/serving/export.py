"""Export a model version for edge devices: TorchScript and ONNX beside ``models/model.pt``.

Both exports are checked against eager PyTorch on the predictor's example input and on
a seeded random input of the same shape; the largest absolute difference of the logits
goes in the export report (``configs/export.json`` in the bundle folder), which also
names the MONAI-bundle folder itself.
"""

import json
from pathlib import Path

TORCHSCRIPT_FILE = "models/model.ts"
ONNX_FILE = "models/model.onnx"
REPORT_FILE = "configs/export.json"


def _probes(predictor) -> list:
    """Inputs the parity check runs: the example input and a seeded random one of its shape."""
    import torch

    example = predictor.example_input()
    generator = torch.Generator().manual_seed(0)
    return [example, torch.randn(example.shape, generator=generator).to(example.device)]


def _max_abs_diff(predictor, run) -> float:
    """The largest |eager − exported| logit over the probes."""
    import torch

    worst = 0.0
    with torch.inference_mode():
        for probe in _probes(predictor):
            expected = predictor.network(probe).float().cpu()
            worst = max(worst, float((run(probe).float().cpu() - expected).abs().max()))
    return worst


def export_torchscript(predictor, path: Path) -> float:
    """Trace the network to TorchScript at ``path``; the parity difference."""
    import torch

    with torch.no_grad():
        traced = torch.jit.trace(predictor.network, predictor.example_input(), check_trace=False)
    traced.save(str(path))
    loaded = torch.jit.load(str(path), map_location=predictor.device)
    return _max_abs_diff(predictor, loaded)


def export_onnx(predictor, path: Path) -> float:
    """Export the network to ONNX at ``path`` with a dynamic batch axis; the parity difference (ONNX Runtime)."""
    import torch

    from mass_ide.core.serving.runtime import OnnxNetwork

    batch = torch.export.Dim("batch", min=1, max=4096)
    torch.onnx.export(predictor.network, (predictor.example_input(),), str(path), dynamo=True,
                      dynamic_shapes=({0: batch},), external_data=False, verbose=False)
    return _max_abs_diff(predictor, OnnxNetwork(path, device=predictor.device))


def _exported(export, predictor, folder: Path, name: str) -> dict:
    """One format's entry of the report; a format the network cannot be exported to says why, the others go on."""
    try:
        return {"file": name, "max_abs_diff": export(predictor, folder / name), "error": None}
    except Exception as error:  # noqa: BLE001 -- tracers and exporters raise many kinds for an unsupported op
        (folder / name).unlink(missing_ok=True)
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
        return {"file": name, "max_abs_diff": None, "error": reason}


def export_bundle(folder: str | Path, *, model_file: str | Path | None = None) -> dict:
    """Write TorchScript and ONNX into a bundle ``folder`` (beside ``models/model.pt``); the export report."""
    from mass_ide.core.serving.predictor import Predictor

    folder = Path(folder)
    predictor = Predictor.load(model_file or folder / "models" / "model.pt", device="cpu")
    for name in (TORCHSCRIPT_FILE, ONNX_FILE, REPORT_FILE):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
    report = {"torchscript": _exported(export_torchscript, predictor, folder, TORCHSCRIPT_FILE),
              "onnx": _exported(export_onnx, predictor, folder, ONNX_FILE),
              "bundle": str(folder), "task": predictor.task, "signature": predictor.signature}
    (folder / REPORT_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def read_report(folder: str | Path) -> dict | None:
    """The last export report of a bundle folder, if it was exported."""
    path = Path(folder) / REPORT_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def split_model_reference(reference: str) -> tuple[str, str | None]:
    """``name``, ``name:3`` or ``name@production`` → (name, version ref for the registry)."""
    if "@" in reference:
        name, alias = reference.split("@", 1)
        return name, f"@{alias}"
    if ":" in reference:
        name, number = reference.split(":", 1)
        return name, number
    return reference, None


def bundle_identity(folder: str | Path) -> tuple[str, int | None]:
    """The model name and version a bundle folder's ``configs/metadata.json`` records (else the folder's name)."""
    path = Path(folder) / "configs" / "metadata.json"
    if path.is_file():
        mass = json.loads(path.read_text(encoding="utf-8")).get("mass_ide", {})
        if mass.get("model"):
            return mass["model"], mass.get("version")
    return Path(folder).resolve().name, None
