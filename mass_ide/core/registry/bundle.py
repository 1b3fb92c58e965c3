"""The bundle layout: the files of a version's content-addressed folder ``artifacts/models/<sha256>/``::

    configs/metadata.json   MONAI bundle metadata + Mass IDE lineage and signature
    configs/export.json     the last export report (TorchScript and ONNX with their parity), once exported
    models/model.pt         the model file (:mod:`mass_ide.core.registry.model_file`)
    models/model.ts         TorchScript, once exported
    models/model.onnx       ONNX, once exported
    docs/README.md          the generated model card (:mod:`mass_ide.core.registry.card`)
"""

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

from mass_ide import __version__
from mass_ide.core.registry.card import model_card

MODEL_FILE = "models/model.pt"
METADATA_FILE = "configs/metadata.json"
CARD_FILE = "docs/README.md"
MONAI_SCHEMA = ("https://github.com/Project-MONAI/MONAI-extra-test-data/releases/download/0.8.1/"
                "meta_schema_20220324.json")


def bundle_files(folder: Path) -> list[str]:
    """The files of a bundle folder, relative to it, sorted."""
    if not folder.is_dir():
        return []
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


def package_versions() -> dict:
    """The versions of the packages a model was built with."""
    import monai
    import numpy
    import torch

    return {"mass_ide": __version__, "torch": torch.__version__, "monai": monai.__version__,
            "numpy": numpy.__version__}


def _data_format(signature: dict, config: dict) -> dict:
    """MONAI bundle ``network_data_format`` from a signature."""
    inputs, outputs = signature["inputs"], signature["outputs"]
    if inputs["kind"] == "table":
        names = [column["name"] for column in inputs["columns"]]
        source = {"features": {"type": "tabular", "format": "standardised", "num_channels": len(names),
                               "spatial_shape": [len(names)], "dtype": "float32", "is_patch_data": False,
                               "channel_def": {str(i): name for i, name in enumerate(names)}}}
    else:
        volume = inputs["kind"] == "volume"
        patch = [int(s) for s in config.get("roi_size", [])] if signature["task"] == "segmentation" else inputs["size"]
        source = {"image": {"type": "image", "format": "hounsfield" if volume else "magnitude",
                            "modality": "CT" if volume else "image", "num_channels": inputs.get("channels", 1),
                            "spatial_shape": patch, "dtype": "float32", "value_range": [0, 1],
                            "is_patch_data": signature["task"] == "segmentation", "channel_def": {"0": "image"}}}
    classes = outputs["classes"]
    channel_def = classes if isinstance(classes, dict) else {str(i): name for i, name in enumerate(classes)}
    kind = "segmentation" if outputs["kind"] == "mask" else "classification"
    return {"inputs": source, "outputs": {"pred": {"type": "image" if kind == "segmentation" else "probabilities",
                                                   "format": kind, "num_channels": len(channel_def),
                                                   "dtype": "float32", "value_range": [0, 1],
                                                   "channel_def": channel_def}}}


def bundle_metadata(*, name: str, number: int, digest: str, signature: dict, lineage: dict, metrics: dict,
                    intended_use: str, data_source: str, packages: dict) -> dict:
    """``configs/metadata.json``: MONAI bundle metadata plus the Mass IDE lineage and signature."""
    config = lineage.get("config") or {}
    version = f"{number}.0.0"
    return {"schema": MONAI_SCHEMA, "version": version,
            "changelog": {version: f"registered by {lineage['created_by']} at {lineage['created_at']}"},
            "monai_version": packages["monai"], "pytorch_version": packages["torch"],
            "numpy_version": packages["numpy"], "optional_packages_version": {"mass_ide": packages["mass_ide"]},
            "name": name, "task": signature["task"], "description": intended_use, "authors": lineage["created_by"],
            "copyright": "", "data_source": data_source, "intended_use": f"{intended_use} Not validated for clinical use.",
            "eval_metrics": metrics, "network_data_format": _data_format(signature, config),
            "mass_ide": {"model": name, "version": number, "digest": digest, "model_file": MODEL_FILE,
                         "lineage": lineage, "signature": signature}}


def save_model_file(state: dict, folder: Path) -> str:
    """Write ``models/model.pt`` under ``folder``; its SHA-256."""
    import torch

    path = folder / MODEL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_docs(staging: Path, *, name: str, number: int, digest: str, signature: dict, lineage: dict, metrics: dict,
                intended_use: str, data: dict, packages: dict) -> None:
    """Write ``configs/metadata.json`` and the model card into the staged bundle."""
    metadata = bundle_metadata(name=name, number=number, digest=digest, signature=signature, lineage=lineage,
                               metrics=metrics, intended_use=intended_use, data_source=data.get("dataset") or
                               data.get("source", ""), packages=packages)
    (staging / METADATA_FILE).parent.mkdir(parents=True, exist_ok=True)
    (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=1), encoding="utf-8")
    card = model_card(name=name, number=number, intended_use=intended_use, signature=signature, metrics=metrics,
                      lineage=lineage, data=data, packages=packages)
    (staging / CARD_FILE).parent.mkdir(parents=True, exist_ok=True)
    (staging / CARD_FILE).write_text(card, encoding="utf-8")


def place_bundle(staging: Path, folder: Path) -> None:
    """Move the staged bundle to its content-addressed folder (replacing an orphan no row points to)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)


def write_bundle_zip(version: dict, file) -> str:
    """Write a version's bundle as a zip into the binary ``file``; the download's file name."""
    stem = f"{version['model']}-v{version['number']}"
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in bundle_files(version["folder"]):
            archive.write(version["folder"] / relative, f"{stem}/{relative}")
    return f"{stem}.zip"

TORCHSCRIPT_FILE = "models/model.ts"
ONNX_FILE = "models/model.onnx"
REPORT_FILE = "configs/export.json"


def read_report(folder: str | Path) -> dict | None:
    """The last export report of a bundle folder, if it was exported."""
    path = Path(folder) / REPORT_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def bundle_identity(folder: str | Path) -> tuple[str, int | None]:
    """The model name and version a bundle folder's ``configs/metadata.json`` records (else the folder's name)."""
    path = Path(folder) / METADATA_FILE
    if path.is_file():
        mass = json.loads(path.read_text(encoding="utf-8")).get("mass_ide", {})
        if mass.get("model"):
            return mass["model"], mass.get("version")
    return Path(folder).resolve().name, None
