"""One entry point for every import: detect what a file, folder or zip holds and convert it.

``import_source(source, dest, deid_salt=..., deid=DeidOptions(...))`` reads only under ``source`` and
writes only under ``dest`` (an empty staging folder the caller renames into
place or deletes). Every problem a user can fix is an
:class:`~mass_ide.core.errors.InvalidInput` naming the file.
"""

import shutil
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from mass_ide.core.data.archives import is_zip, unpack_zip
from mass_ide.core.data.deidentify import DeidOptions
from mass_ide.core.data.dicom import DICOM_SUFFIXES, has_dicom_preamble, import_series
from mass_ide.core.data.files import check_size, list_files
from mass_ide.core.data.images import IMAGE_SUFFIXES, import_images
from mass_ide.core.data.import_report import ImportedItem, ImportReport
from mass_ide.core.data.tabular import TABLE_SUFFIXES, import_table
from mass_ide.core.data.volumes import import_volumes, is_nifti
from mass_ide.core.errors import InvalidInput

__all__ = ["DEFAULT_MAX_BYTES", "DeidOptions", "ImportReport", "ImportedItem", "import_source"]

DEFAULT_MAX_BYTES = 20 * 2**30
UNPACKED = ".unpacked"
SKIPPED = "skip"
KIND_NAMES = {"tabular": "tables", "image": "images", "nifti": "NIfTI volumes", "dicom": "DICOM files"}
HINTS = {
    ".xlsx": "save the sheet as 'CSV UTF-8'", ".xls": "save the sheet as 'CSV UTF-8'",
    ".hdr": "save the volume as one .nii.gz file", ".img": "save the volume as one .nii.gz file",
    ".mha": "convert it to NIfTI (.nii.gz)", ".mhd": "convert it to NIfTI (.nii.gz)",
    ".nrrd": "convert it to NIfTI (.nii.gz)", ".gz": "pack the files as a .zip instead",
    ".tar": "pack the files as a .zip instead", ".7z": "pack the files as a .zip instead",
    ".rar": "pack the files as a .zip instead", ".zip": "unpack the inner archive first",
}
SUPPORTED = "CSV/TSV/TXT tables, PNG/JPEG/TIFF images, NIfTI volumes (.nii, .nii.gz) and DICOM series"


def kind_of(name: str, path: Path) -> str:
    """What a file is, by its extension or else its first bytes: tabular, image, nifti, dicom or skip."""
    lowered, suffix = name.lower(), PurePosixPath(name).suffix.lower()
    if PurePosixPath(lowered).name == "dicomdir":
        return SKIPPED
    if is_nifti(lowered):
        return "nifti"
    for kind, suffixes in (("tabular", TABLE_SUFFIXES), ("image", IMAGE_SUFFIXES), ("dicom", DICOM_SUFFIXES)):
        if suffix in suffixes:
            return kind
    if suffix not in HINTS and has_dicom_preamble(path):
        return "dicom"
    fix = HINTS.get(suffix, f"Mass IDE imports {SUPPORTED}")
    raise InvalidInput(f"{name} is not a file type Mass IDE can import ({suffix or 'no extension'}); {fix}")


def _one_kind(files: list[tuple[str, Path]]) -> tuple[str, list[tuple[str, Path]]]:
    """The single kind of the files (DICOMDIR left out), or :class:`InvalidInput` naming an example of each."""
    by_kind: dict[str, list[tuple[str, Path]]] = {}
    for name, path in files:
        by_kind.setdefault(kind_of(name, path), []).append((name, path))
    by_kind.pop(SKIPPED, None)
    if not by_kind:
        raise InvalidInput(f"there is nothing to import; add {SUPPORTED}")
    if len(by_kind) > 1:
        examples = ", ".join(f"{KIND_NAMES[kind]} (e.g. {found[0][0]})" for kind, found in sorted(by_kind.items()))
        raise InvalidInput(f"the import mixes {examples}; import each kind separately")
    [(kind, found)] = by_kind.items()
    return kind, found


def _convert(files: list[tuple[str, Path]], *, dest: Path, salt: str, deid: DeidOptions, max_bytes: int,
             owned: bool) -> ImportReport:
    """Convert a list of ``(relative name, path)`` of one kind into ``dest``."""
    name = files[0][0] if len(files) == 1 else "the import"
    check_size(sum(path.stat().st_size for _, path in files), name=name, max_bytes=max_bytes)
    kind, files = _one_kind(files)
    if kind == "tabular":
        if len(files) > 1:
            names = ", ".join(name for name, _ in files[:3])
            raise InvalidInput(f"the import holds {len(files)} tables ({names}…); import one table at a time")
        [(name, path)] = files
        return import_table(path, name=name, dest=dest)
    if kind == "image":
        return import_images(files, dest=dest, move=owned)
    if kind == "nifti":
        return import_volumes(files, dest=dest, max_bytes=max_bytes)
    return import_series(files, dest=dest, salt=salt, max_bytes=max_bytes, options=deid)


@contextmanager
def _naming(container: Path):
    """Prefix the messages of errors about files inside a folder or zip with its name."""
    try:
        yield
    except InvalidInput as error:
        raise InvalidInput(f"{container.name}: {error}") from None


def import_source(source: Path, dest: Path, *, deid_salt: str, deid: DeidOptions | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> ImportReport:
    """Convert a file, folder or .zip at ``source`` into the empty folder ``dest``; say what was imported.

    Tables become ``table.csv``, images ``images/…``, NIfTI files and DICOM series
    ``volumes/….nii.gz`` (DICOM de-identified, with the ``deid`` options). A zip is
    unpacked under ``dest`` and removed from it before returning, whatever happens.
    """
    source, dest, deid = Path(source), Path(dest), deid or DeidOptions()
    if not source.exists():
        raise InvalidInput(f"{source.name} does not exist; upload the file again")
    if source.is_dir():
        with _naming(source):
            report = _convert(list_files(source), dest=dest, salt=deid_salt, deid=deid, max_bytes=max_bytes,
                              owned=False)
    elif is_zip(source):
        check_size(source.stat().st_size, name=source.name, max_bytes=max_bytes)
        unpacked = dest / UNPACKED
        unpacked.mkdir()
        try:
            unpack_zip(source, unpacked, max_bytes=max_bytes)
            with _naming(source):
                report = _convert(list_files(unpacked), dest=dest, salt=deid_salt, deid=deid, max_bytes=max_bytes,
                                  owned=True)
        finally:
            shutil.rmtree(unpacked)
    else:
        report = _convert([(source.name, source)], dest=dest, salt=deid_salt, deid=deid, max_bytes=max_bytes,
                          owned=False)
    report.source_name = source.name
    return report
