"""Render slices of images, volumes and masks as PNG for the annotation view.

Volumes are read once and kept in a small cache, so scrolling through slices
costs a slice copy, a window and a PNG encode. Display orientation is the
radiological convention of :mod:`mass_ide.core.data.orientation`, derived from the
volume's affine (axial: anterior at the top, the patient's right on the
screen's left); a 2D image shows exactly as the file does.
"""

import base64
import io
from collections import OrderedDict
from pathlib import Path

import numpy as np

from mass_ide.core.data import orientation
from mass_ide.core.data.datasets import Item
from mass_ide.core.data.geometry import item_orientation
from mass_ide.core.errors import InvalidInput

WINDOW_PRESETS = {"abdomen": (40.0, 400.0), "liver": (60.0, 160.0), "bone": (400.0, 1800.0)}
CACHE_SIZE = 3
PREVIEW_PIXELS = 512  # a preview picture's longest side at most
_volumes: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()


def load_voxels(item: Item) -> np.ndarray:
    """The item's voxels as an (x, y, z) array, from a small in-memory cache."""
    key = (str(item.file), item.file.stat().st_mtime_ns)
    if key in _volumes:
        _volumes.move_to_end(key)
        return _volumes[key]
    if item.kind == "volume":
        import nibabel

        voxels = np.asanyarray(nibabel.load(item.file).dataobj)
        voxels = voxels.reshape(voxels.shape[:3])
    else:
        from PIL import Image

        with Image.open(item.file) as image:
            voxels = np.asarray(image.convert("L")).T[:, :, np.newaxis]
    _volumes[key] = voxels
    while len(_volumes) > CACHE_SIZE:
        _volumes.popitem(last=False)
    return voxels


def parse_window(window: str | None, voxels: np.ndarray) -> tuple[float, float]:
    """(level, width) from a preset name, 'level,width', or the data's own range."""
    if window in WINDOW_PRESETS:
        return WINDOW_PRESETS[window]
    if window:
        try:
            level, width = (float(part) for part in window.split(","))
        except ValueError:
            raise InvalidInput(
                f"window must be one of {', '.join(WINDOW_PRESETS)} or 'level,width', not {window!r}") from None
        if width <= 0:
            raise InvalidInput("the window width must be positive")
        return level, width
    low, high = float(voxels.min()), float(voxels.max())
    return (low + high) / 2, max(high - low, 1.0)


def to_display(item: Item, plane: np.ndarray, *, axis: str) -> np.ndarray:
    """A voxel-order slice of the item (``volume[where]``) as rows × columns on the screen."""
    return orientation.to_display(plane, item_orientation(item)[1], axis)


def from_display(item: Item, display: np.ndarray, *, axis: str) -> np.ndarray:
    """The inverse of :func:`to_display`: what is painted on the screen, as the voxel-order slice it covers."""
    return orientation.from_display(display, item_orientation(item)[1], axis)


def encode_png(pixels: np.ndarray) -> bytes:
    """8-bit grey pixels as PNG bytes (fast compression: these are short-lived)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), mode="L").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def decode_png(data: bytes, *, name: str = "mask", shape: tuple[int, int] | None = None) -> np.ndarray:
    """PNG bytes as an 8-bit array (first channel); 400 for anything that is not a PNG.

    The size in the PNG's header is checked before a pixel is decoded: against
    ``shape`` (rows, columns) when given, and always against Pillow's
    decompression-bomb limit.
    """
    from PIL import Image, UnidentifiedImageError

    from mass_ide.core.data.images import check_pixels, too_many_pixels

    fix = f"send {name} at the size of the slice it belongs to"
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise InvalidInput(f"{name} must be a PNG, not {image.format}")
            if shape is not None and image.size != (shape[1], shape[0]):
                raise InvalidInput(f"{name} is {image.width}×{image.height} pixels, but the slice it belongs to is "
                                   f"{shape[1]}×{shape[0]}; {fix}")
            check_pixels(image, name=name, fix=fix)
            return np.asarray(image.convert("L"))
    except Image.DecompressionBombError:
        raise too_many_pixels(name, declared=f"more than {2 * Image.MAX_IMAGE_PIXELS:,} pixels", fix=fix) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidInput(f"{name} is not a readable PNG: {error}") from None


def decode_mask_slice(item: Item, data: bytes, *, axis: str, index: int) -> np.ndarray:
    """A mask slice sent as PNG (display orientation) in voxel order, its size checked before it is decoded."""
    shape, affine = item_orientation(item)
    plane = np.broadcast_to(np.uint8(0), shape)[orientation.slice_where(shape, affine, axis, index)]
    display_shape = orientation.to_display(plane, affine, axis).shape
    return orientation.from_display(decode_png(data, name="the mask slice", shape=display_shape), affine, axis)


def encode_mask_slice(item: Item, values: np.ndarray, *, axis: str) -> bytes:
    """A voxel-order mask slice as PNG in display orientation, over the item's image slice (grey value = class)."""
    return encode_png(to_display(item, values, axis=axis))


def render_slice(item: Item, *, axis: str, index: int, window: str | None = None) -> bytes:
    """One slice of an image or volume, windowed to 8 bits, as PNG in display orientation."""
    shape, affine = item_orientation(item)
    where = orientation.slice_where(shape, affine, axis, index)
    voxels = load_voxels(item)
    level, width = parse_window(window, voxels)
    low = level - width / 2
    scaled = (voxels[where].astype(np.float32) - low) * (255.0 / width)
    return encode_png(np.clip(orientation.to_display(scaled, affine, axis), 0, 255))


def _data_url(png: bytes) -> str:
    """PNG bytes as a ``data:`` URL an ``<img>`` shows."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _picture_png(path: Path) -> tuple[bytes, int, int]:
    """A picture file as PNG in its own colours (at most :data:`PREVIEW_PIXELS` a side), with its size in pixels."""
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):  # 16-bit or float grey: scaled to 8 bits
            pixels = np.asarray(image, dtype=np.float32)
            low, high = float(pixels.min()), float(pixels.max())
            image = Image.fromarray(((pixels - low) * (255.0 / max(high - low, 1e-6))).astype(np.uint8), mode="L")
        shown = image.copy()
    shown.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
    buffer = io.BytesIO()
    shown.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue(), width, height


def preview_picture(path: Path, *, kind: str) -> dict:
    """What a recipe preview shows of one image or volume file: a PNG ``data:`` URL and what it is.

    A picture shows as it is; a volume shows its middle axial slice in the radiological convention,
    windowed to the volume's own value range. ``width`` × ``height`` are the slice's or picture's pixels.
    """
    if kind != "volume":
        png, width, height = _picture_png(path)
        return {"src": _data_url(png), "width": width, "height": height}
    import nibabel

    image = nibabel.load(path)
    voxels = np.asanyarray(image.dataobj)
    voxels = voxels.reshape(voxels.shape[:3])
    count = orientation.slice_count(voxels.shape, image.affine, "axial")
    level, width = parse_window(None, voxels)
    shown = orientation.display_slice(voxels, image.affine, "axial", count // 2).astype(np.float32)
    pixels = np.clip((shown - (level - width / 2)) * (255.0 / width), 0, 255)
    return {"src": _data_url(encode_png(pixels)), "width": int(pixels.shape[1]), "height": int(pixels.shape[0]),
            "slice": {"axis": "axial", "index": count // 2, "count": count}}
