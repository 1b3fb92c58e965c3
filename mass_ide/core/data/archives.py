"""Unpacking a .zip safely: headers checked before a byte is written, bytes counted while streaming.

Refused: entries with ``..``, absolute paths or drive letters, symbolic links,
encryption, names the file system cannot hold (NUL, control characters, a name
over 255 bytes, a path too deep or too long), two entries that unpack to one path
(``a/./b`` and ``a/b``), a file and a folder of one name (``a`` and ``a/b``), more
than :data:`MAX_ENTRIES` entries, a total over the import limit, and any large
entry compressed more than :data:`MAX_RATIO` to 1 (a zip bomb).
"""

import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from mass_ide.core.data.files import (
    check_size,
    copy_stream,
    human_size,
    path_problem,
    shown,
)
from mass_ide.core.errors import InvalidInput

ZIP_MAGIC = b"PK\x03\x04"
MAX_ENTRIES = 100_000
MAX_RATIO = 100
RATIO_CHECK_FROM_BYTES = 1 << 20  # small entries may compress well without being a threat


def is_zip(path: Path) -> bool:
    """Whether ``path`` is a zip archive: by its extension, or by its first bytes when it has none.

    Office files (.xlsx, .docx) are zips too, but are not unpacked.
    """
    if path.suffix:
        return path.suffix.lower() == ".zip"
    with path.open("rb") as stream:
        return stream.read(4) == ZIP_MAGIC


def _entry_path(info: zipfile.ZipInfo, *, archive: str) -> PurePosixPath:
    """The entry's relative path, or :class:`InvalidInput` for one that could escape the folder or not be created."""
    entry = shown(info.orig_filename)  # the name as stored: zipfile cuts it at a NUL byte
    path = PurePosixPath(info.filename.replace("\\", "/"))
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        raise InvalidInput(f"{archive}: the entry {entry} has an absolute path; "
                           "zip the files again with paths relative to the folder")
    if ".." in path.parts:
        raise InvalidInput(f"{archive}: the entry {entry} points outside the archive with '..'; "
                           "zip the files again without '..' in their paths")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise InvalidInput(f"{archive}: the entry {entry} is a symbolic link; "
                           "zip the real files instead of links")
    if info.flag_bits & 0x1:
        raise InvalidInput(f"{archive}: the entry {entry} is password-protected; "
                           "zip the files again without a password")
    if problem := path_problem(PurePosixPath(info.orig_filename.replace("\\", "/")).parts):
        raise InvalidInput(f"{archive}: the entry {entry} {problem}; rename it and zip the files again")
    if not path.parts and not info.is_dir():
        raise InvalidInput(f"{archive}: the entry {entry} has no file name; zip the files again")
    return path


def _check_layout(entries: list[zipfile.ZipInfo], paths: list[PurePosixPath], *, archive: str) -> None:
    """Refuse two entries that unpack to one path, and a file that another entry needs as a folder."""
    files: dict[PurePosixPath, str] = {}
    folders: dict[PurePosixPath, str] = {}
    for info, path in zip(entries, paths):
        if not info.is_dir():
            if path in files:
                raise InvalidInput(f"{archive}: the entries {shown(files[path])} and {shown(info.filename)} both "
                                   f"unpack to {path.as_posix()!r}; zip the files again")
            files[path] = info.filename
        for folder in (path, *path.parents[:-1]) if info.is_dir() else path.parents[:-1]:
            folders.setdefault(folder, info.filename)
    if clashes := sorted(files.keys() & folders.keys()):
        path = clashes[0]
        raise InvalidInput(f"{archive}: the entry {shown(files[path])} is a file, but the entry "
                           f"{shown(folders[path])} needs a folder of the same name; rename one and zip again")


def _check_headers(entries: list[zipfile.ZipInfo], *, archive: str, max_bytes: int) -> None:
    """Refuse, from the headers alone, an archive too large once unpacked or with a bomb-like entry."""
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput(f"{archive} holds {len(entries):,} entries, more than {MAX_ENTRIES:,}; "
                           "split it into smaller archives")
    check_size(sum(info.file_size for info in entries), name=f"{archive} (unpacked)", max_bytes=max_bytes)
    for info in entries:
        if info.file_size >= RATIO_CHECK_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InvalidInput(
                f"{archive}: the entry {info.filename!r} expands from {human_size(info.compress_size)} to "
                f"{human_size(info.file_size)} (more than {MAX_RATIO}:1), which is how a zip bomb looks; "
                "if the file is genuine, import the unpacked folder instead")


def unpack_zip(archive: Path, into: Path, *, max_bytes: int) -> None:
    """Unpack ``archive`` into the empty folder ``into``, refusing hostile or oversized content."""
    name = archive.name
    try:
        with zipfile.ZipFile(archive) as zipped:
            infos = zipped.infolist()
            paths = [_entry_path(info, archive=name) for info in infos]
            _check_layout(infos, paths, archive=name)
            entries = [(info, path) for info, path in zip(infos, paths) if not info.is_dir()]
            _check_headers([info for info, _ in entries], archive=name, max_bytes=max_bytes)
            budget = max_bytes
            for info, relative in entries:
                target = into.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(info) as stream:
                    budget -= copy_stream(stream, target, size_limit=min(info.file_size, budget),
                                          name=f"{name}: the entry {info.filename!r}")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{name}: an entry's name is not valid UTF-8 ({error.reason}); "
                           "zip the files again with a current zip tool") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise InvalidInput(f"{name} is not a readable zip archive ({error}); "
                           "create the archive again, as a plain .zip") from error
