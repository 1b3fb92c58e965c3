"""Prediction requests checked against a model's signature before any model sees them.

Tables come as JSON records with optional units; pictures, NIfTI volumes and zipped
DICOM series come as uploaded bytes. Every refusal is an :class:`InvalidInput` that
names the column, unit, size or format and says what the model expects.
"""

import hashlib
import io
import json
from pathlib import Path

from mass_ide.core.errors import InvalidInput

MAX_RECORDS = 10_000
PICTURE_MAGIC = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg", b"II*\x00": "tiff", b"MM\x00*": "tiff"}
ASPECT_TOLERANCE = 0.1
MIN_SIDE_FRACTION = 0.5
UPLOAD_MAX_BYTES = 2 * 1024**3
REQUEST_MAX_BYTES = 1024**3  # the default limit of a prediction request's body


def input_sha256(body: bytes) -> str:
    """The hash the audit log keeps of a request's input (never the input itself)."""
    return hashlib.sha256(body).hexdigest()


def _same_unit(given: str, expected: str) -> bool:
    """Whether two unit spellings mean the same (case and spaces aside: 'mg/dl' is 'mg/dL')."""
    return given.replace(" ", "").lower() == expected.replace(" ", "").lower()


def check_units(units: dict, signature: dict) -> None:
    """Refuse units that are not the model's: the model was trained on numbers in its own units."""
    if not isinstance(units, dict):
        raise InvalidInput("units must be an object of {column: unit}")
    columns = {column["name"]: column for column in signature["inputs"]["columns"]}
    for name, unit in units.items():
        if name not in columns:
            raise InvalidInput(f"units name column {name!r}, which the model does not use; "
                               f"its columns are: {', '.join(columns)}")
        expected = columns[name]["unit"]
        if expected is not None and (not isinstance(unit, str) or not _same_unit(unit, expected)):
            raise InvalidInput(f"{name!r} was given in {unit!r} but the model expects {expected}; "
                               f"convert the value to {expected}")


def table_records(body: dict, signature: dict) -> list[dict]:
    """The records of a JSON request for a table model, with their units checked."""
    if signature["inputs"]["kind"] != "table":
        raise InvalidInput(f"this model takes {signature['inputs']['kind']} uploads, not JSON records; "
                           "send the file as multipart field 'file'")
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise InvalidInput('send {"records": [{column: value, ...}], "units": {column: unit}}')
    records = body["records"]
    if not records:
        raise InvalidInput("records is empty: give at least one record")
    if len(records) > MAX_RECORDS:
        raise InvalidInput(f"at most {MAX_RECORDS} records per request")
    check_units(body.get("units") or {}, signature)
    return records


def parse_json(data: bytes) -> dict:
    """A request body as JSON (400 when it is not)."""
    try:
        return json.loads(data or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"the request body is not valid JSON: {error}") from None


def picture_format(data: bytes, *, name: str) -> str:
    """png, jpeg or tiff from the file's first bytes (its name may lie)."""
    for magic, kind in PICTURE_MAGIC.items():
        if data.startswith(magic):
            return kind
    raise InvalidInput(f"{name} is not a PNG, JPEG or TIFF picture")


def check_picture(data: bytes, *, name: str, signature: dict) -> bytes:
    """Refuse a picture the model cannot take: not a picture, or far from the model's size or shape.

    Pictures are resized to the model's input size as in training; one whose aspect
    ratio differs by more than 10 % or that is less than half the size on a side
    would be distorted or blown up, so it gets a 400 naming both sizes.
    """
    from PIL import Image

    from mass_ide.core.data.images import check_pixels

    picture_format(data, name=name)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            check_pixels(image, name=name, fix="downscale the picture and send it again")
    except InvalidInput:
        raise
    except Exception as error:  # noqa: BLE001 -- PIL raises many kinds for a broken file
        raise InvalidInput(f"{name} is not a readable picture: {str(error)[:200]}") from None
    size = signature["inputs"].get("size")
    if size:
        want_h, want_w = int(size[0]), int(size[1])
        if (abs((width / height) / (want_w / want_h) - 1) > ASPECT_TOLERANCE
                or width < want_w * MIN_SIDE_FRACTION or height < want_h * MIN_SIDE_FRACTION):
            raise InvalidInput(f"{name} is {width}×{height} pixels; the model takes {want_w}×{want_h} "
                               f"(pictures of that shape down to {int(want_w * MIN_SIDE_FRACTION)}×"
                               f"{int(want_h * MIN_SIDE_FRACTION)} are resized)")
    return data


def volume_kind(name: str) -> str:
    """nii, nii.gz or dicom-zip from an uploaded file's name."""
    lower = name.lower()
    if lower.endswith(".nii.gz"):
        return "nii.gz"
    if lower.endswith(".nii"):
        return "nii"
    if lower.endswith(".zip"):
        return "dicom-zip"
    raise InvalidInput(f"{name}: a volume model takes a .nii, .nii.gz or a .zip of one DICOM series")


def named_as_uploaded(message: str, *, saved: str, name: str) -> str:
    """An importer's message about the upload saved as ``saved``, naming it as the user did (``name``)."""
    return message.replace(saved, name, 1) if saved in message else f"{name}: {message}"


def volume_file(data: bytes, *, name: str, folder: Path) -> Path:
    """The uploaded volume as a NIfTI file in ``folder`` (a DICOM series zip is converted, de-identified)."""
    kind = volume_kind(name)
    if kind == "dicom-zip":
        from mass_ide.core.data.importers import import_source

        archive, converted = folder / "upload.zip", folder / "converted"
        archive.write_bytes(data)
        converted.mkdir()
        try:
            report = import_source(archive, converted, deid_salt="serving", max_bytes=UPLOAD_MAX_BYTES)
        except InvalidInput as error:
            raise InvalidInput(named_as_uploaded(str(error), saved=archive.name, name=name)) from None
        volumes = [item for item in report.items if item.kind == "volume" and item.path]
        if len(volumes) != 1:
            raise InvalidInput(f"{name} must hold exactly one DICOM series or volume; it holds {len(volumes)}")
        return converted / volumes[0].path
    path = folder / f"upload.{kind}"
    path.write_bytes(data)
    return path


def upload_input(data: bytes, *, name: str, signature: dict, folder: Path):
    """One uploaded file as the predictor takes it: picture bytes, or the path of a NIfTI volume."""
    kind = signature["inputs"]["kind"]
    if not data:
        raise InvalidInput(f"{name or 'the upload'} is empty")
    if kind == "table":
        raise InvalidInput('this model takes table records: send JSON {"records": [...]}, not a file')
    if kind == "image":
        return check_picture(data, name=name or "the upload", signature=signature)
    return volume_file(data, name=name or "upload", folder=folder)
