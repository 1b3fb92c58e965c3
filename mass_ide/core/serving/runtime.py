"""The runtimes a deployment can serve with: eager PyTorch, or ONNX Runtime on the exported graph.

Both give a :class:`~mass_ide.core.serving.predictor.Predictor`, so pre- and
post-processing (and the sliding window for masks) stay exactly those of training;
with ONNX Runtime only the network's forward pass is swapped.
"""

from pathlib import Path

RUNTIMES = ("torch", "onnx")


def check_runtime(runtime: str) -> str:
    """The runtime name, or InvalidInput naming the choices."""
    from mass_ide.core.errors import InvalidInput

    if runtime not in RUNTIMES:
        raise InvalidInput(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
    return runtime


def load_predictor(model_file: str | Path, *, runtime: str = "torch", onnx_file: str | Path | None = None,
                   device=None):
    """A predictor for a model file; with ``runtime="onnx"`` its network is the ONNX graph ``onnx_file``
    (exported into the bundle folder first, with its parity check, when it is not there yet or its export
    report has no verdict). Whether a failed export may be served is the caller's call."""
    from mass_ide.core.serving.predictor import Predictor

    predictor = Predictor.load(model_file, device=device)
    if check_runtime(runtime) == "onnx":
        from mass_ide.core.registry.bundle import ONNX_FILE, read_report
        from mass_ide.core.serving.export import export_bundle, has_verdict

        folder = bundle_folder(model_file)
        if onnx_file is None or not Path(onnx_file).is_file() or not has_verdict(read_report(folder), "onnx"):
            export_bundle(folder, model_file=model_file)
            onnx_file = folder / ONNX_FILE
        from mass_ide.core.serving.onnx_network import OnnxNetwork

        predictor.network = OnnxNetwork(onnx_file, device=predictor.device)
    return predictor


def bundle_folder(model_file: str | Path) -> Path:
    """The bundle folder of a model file (``models/model.pt`` in it): where its exports and report are."""
    return Path(model_file).parent.parent

