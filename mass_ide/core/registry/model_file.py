"""The model-file format: ``{"format", "model" (weights), "meta"}``, what it says the network takes and gives.

A model file is a training checkpoint, or the registry's stripped copy of one.
It is read with ``torch.load(weights_only=True)``, so a file that would run code
when unpickled is refused, never executed; its metadata is checked against size
limits before any network is built. Importing this module imports no torch.
"""

from pathlib import Path

from mass_ide.core.data.classes import display_names
from mass_ide.core.errors import InvalidInput
from mass_ide.core.training.api import IMAGE, SEGMENTATION, TABULAR

MODEL_FORMAT = "mass-ide-model/1"
MAX_NETWORK_BYTES = 512 * 1024**2  # twice the largest network the templates offer (a 3D ResNet-34, 242 MiB)
MAX_LAYER_LIST = 64  # the longest list of layer widths or channels a model's metadata may give
PICTURE_FORMATS = ["png", "jpeg", "tiff"]
VOLUME_FORMATS = ["nii", "nii.gz", "dicom-zip"]


def read_model_file(path: str | Path) -> dict:
    """The file's tensors and JSON values, read without executing code; InvalidInput if it is not a model file."""
    import torch

    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InvalidInput(f"{path.name}: no such model file") from None
    except Exception as error:  # an UnpicklingError for pickles with code, other errors for non-torch files
        raise InvalidInput(f"{path.name} is not a weights-only model file; files that need code to load "
                           f"are refused ({str(error).splitlines()[0][:200]})") from None
    if not isinstance(state, dict) or not isinstance(state.get("model"), dict) or not isinstance(state.get("meta"), dict):
        raise InvalidInput(f"{path.name} is not a Mass IDE model file: it needs 'model' weights and 'meta'")
    if state["meta"].get("task") not in (TABULAR, IMAGE, SEGMENTATION):
        raise InvalidInput(f"{path.name} has no known task in its metadata")
    check_network_size(state["meta"], name=path.name)
    return state


def network_bytes(meta: dict) -> int:
    """The bytes of the parameters and buffers of the network ``meta`` describes, counted on PyTorch's
    meta device (shapes without storage), so nothing is allocated however large it is."""
    import torch

    from mass_ide.core.training.tasks import network_for

    with torch.device("meta"):
        network = network_for(meta)
    return sum(t.numel() * t.element_size() for t in [*network.parameters(), *network.buffers()])


def check_network_size(meta: dict, *, name: str) -> None:
    """InvalidInput, before any memory is spent, when the metadata asks for a network over the limits."""
    from mass_ide.core.data.files import human_size

    model = meta.get("config", {}).get("model", {}) if isinstance(meta.get("config"), dict) else None
    lists = [len(v) for v in model.values() if isinstance(v, list)] if isinstance(model, dict) else []
    if max(lists, default=0) > MAX_LAYER_LIST:
        raise InvalidInput(f"{name}: its metadata asks for a network of {max(lists)} layers; "
                           f"a Mass IDE model has at most {MAX_LAYER_LIST}")
    try:
        size = network_bytes(meta)
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        raise InvalidInput(f"{name}: its metadata does not describe a network Mass IDE can build "
                           f"({error_cause(error)})") from None
    if size > MAX_NETWORK_BYTES:
        raise InvalidInput(f"{name}: its metadata asks for a network of {human_size(size)}, over the limit of "
                           f"{human_size(MAX_NETWORK_BYTES)} (twice the largest network Mass IDE trains); "
                           "nothing was built")


def model_file_state(checkpoint: dict) -> dict:
    """The parts of a training checkpoint a model file keeps: weights and metadata, no optimizer."""
    return {"format": MODEL_FORMAT, "model": checkpoint["model"], "meta": checkpoint["meta"]}


def error_cause(error: Exception) -> str:
    """The first line of an error's message, short."""
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


def model_signature(meta: dict) -> dict:
    """What the model takes and gives, as JSON (builds the online test page and validates requests)."""
    task, config = meta["task"], meta.get("config", {})
    channels = int(config.get("model", {}).get("in_channels", 1))
    if task == TABULAR:
        pre, units = meta["preprocessing"], config.get("units", {})
        features = pre["features"]
        columns = [{"name": name, "unit": units.get(name), "min": low, "max": high}
                   for name, low, high in zip(features, pre.get("minimums", [None] * len(features)),
                                              pre.get("maximums", [None] * len(features)))]
        inputs = {"kind": "table", "columns": columns}
    elif task == IMAGE:
        inputs = {"kind": "image", "channels": channels, "formats": PICTURE_FORMATS,
                  "size": [int(s) for s in config.get("image_size", [64, 64])]}
    elif int(config.get("spatial_dims", 3)) == 3:
        inputs = {"kind": "volume", "spatial_dims": 3, "formats": VOLUME_FORMATS}
    else:
        inputs = {"kind": "image", "channels": channels, "formats": PICTURE_FORMATS, "size": None}
    classes = list(meta["classes"])
    if task == SEGMENTATION:
        outputs = {"kind": "mask", "classes": {str(i): name for i, name in enumerate(classes)}}
    else:
        outputs = {"kind": "probabilities", "classes": classes,
                   "names": dict(zip(classes, display_names(config, classes)))}
    return {"task": task, "inputs": inputs, "outputs": outputs}


def check_weights(state: dict, *, name: str) -> dict:
    """The model file's signature, once its weights are known to fit the network its metadata describes."""
    from mass_ide.core.training.tasks import network_for

    network = network_for(state["meta"])
    try:
        network.load_state_dict(state["model"])
    except (RuntimeError, KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"{name}: its weights do not fit the network its metadata describes "
                           f"({str(error).splitlines()[0][:200]})") from None
    return model_signature(state["meta"])
