"""PNG, JPEG and TIFF images, stored unchanged under ``images/`` with their relative paths.

Images in class folders (``tumour/a.png``, ``normal/b.png``) get the folder's
name as ``suggested_label``. Mixed sizes are allowed (cleaning resizes) but said.
"""

from collections import Counter
from pathlib import Path, PurePosixPath

from PIL import Image, UnidentifiedImageError

from mass_ide.core.data.files import file_sha256, place_file
from mass_ide.core.data.import_report import ImportedItem, ImportReport
from mass_ide.core.errors import InvalidInput

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
IMAGE_FORMATS = {"PNG", "JPEG", "MPO", "TIFF"}
METADATA_KEYS = {"exif", "comment", "parameters", "XML:com.adobe.xmp"}


def too_many_pixels(name: str, *, declared: str, fix: str) -> InvalidInput:
    """The error for an image whose header declares more pixels than Mass IDE decodes."""
    return InvalidInput(f"{name} is too large to decode: it declares {declared}, and Mass IDE decodes at most "
                        f"{Image.MAX_IMAGE_PIXELS:,} pixels per image (more is how a decompression bomb looks); {fix}")


def check_pixels(image: Image.Image, *, name: str, fix: str) -> None:
    """Refuse, from an opened image's header alone, more pixels than Pillow's decompression-bomb limit."""
    width, height = image.size
    if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
        raise too_many_pixels(name, declared=f"{width}×{height} pixels", fix=fix)


def describe_image(path: Path, *, name: str) -> dict:
    """Width, height, mode and format of an image, decoding it fully to catch truncation (its size checked first)."""
    fix = "downscale or crop the image and import it again"
    try:
        with Image.open(path) as image:
            if image.format not in IMAGE_FORMATS:
                raise InvalidInput(f"{name} is a {image.format} image; save it as PNG, JPEG or TIFF")
            check_pixels(image, name=name, fix=fix)
            image.load()
            return {
                "width": image.width,
                "height": image.height,
                "mode": image.mode,
                "format": image.format,
                "frames": getattr(image, "n_frames", 1),
                "embedded_metadata": bool(METADATA_KEYS & set(image.info) or getattr(image, "text", None)),
            }
    except Image.DecompressionBombError:
        raise too_many_pixels(name, declared=f"more than {2 * Image.MAX_IMAGE_PIXELS:,} pixels", fix=fix) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise InvalidInput(f"{name} is not a readable PNG, JPEG or TIFF image ({error}); "
                           "export or copy the image again") from None


def _class_labels(keys: list[str]) -> dict[str, str]:
    """Each image's parent folder name, when the images sit in two or more class folders."""
    parents = {key: PurePosixPath(key).parent for key in keys}
    if len(set(parents.values())) < 2 or any(parent == PurePosixPath(".") for parent in parents.values()):
        return {}
    return {key: parent.name for key, parent in parents.items()}


def _warnings(metas: dict[str, dict]) -> list[str]:
    """What the user should know about a set of images: mixed sizes or modes, embedded metadata."""
    warnings = []
    sizes = Counter((meta["width"], meta["height"]) for meta in metas.values())
    if len(sizes) > 1:
        examples = ", ".join(f"{w}x{h} ({count})" for (w, h), count in sizes.most_common(3))
        warnings.append(f"the images have {len(sizes)} different sizes, e.g. {examples}; "
                        "the cleaning step resizes them to one size before training")
    modes = Counter(meta["mode"] for meta in metas.values())
    if len(modes) > 1:
        warnings.append(f"the images mix colour modes ({', '.join(sorted(modes))}); "
                        "the cleaning step converts them to one mode")
    tagged = sum(meta["embedded_metadata"] for meta in metas.values())
    if tagged:
        warnings.append(f"{tagged} image(s) carry embedded metadata (EXIF or text); they are stored unchanged, "
                        "so check that no patient data is written in them")
    return warnings


def import_images(files: list[tuple[str, Path]], *, dest: Path, move: bool) -> ImportReport:
    """Store images under ``dest/images/`` keeping relative paths; one image item each."""
    metas = {key: describe_image(path, name=key) for key, path in files}
    labels = _class_labels(list(metas))
    items = []
    for key, path in files:
        target = dest / "images" / key
        place_file(path, target, move=move)
        meta = dict(metas[key])
        if key in labels:
            meta["suggested_label"] = labels[key]
        items.append(ImportedItem(key=key, kind="image", path=f"images/{key}", meta=meta,
                                  sha256=file_sha256(target)))
    return ImportReport(kind="image", items=items, warnings=_warnings(metas))
