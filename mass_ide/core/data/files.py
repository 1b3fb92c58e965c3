"""File helpers for the importers: list a folder, copy or move in chunks, hash, name sizes."""

import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath

from mass_ide.core.errors import InvalidInput

CHUNK_BYTES = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
CLUTTER_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}


def human_size(size: int) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def is_clutter(relative: str) -> bool:
    """Operating-system clutter skipped silently: dotfiles, ``__MACOSX/``, ``Thumbs.db``."""
    return any(part.startswith(".") or part in CLUTTER_NAMES for part in PurePosixPath(relative).parts)


def list_files(folder: Path) -> list[tuple[str, Path]]:
    """Every file under ``folder`` as ``(relative POSIX path, path)``, sorted; links are refused."""
    found = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        for name in sorted(dirs + names):
            relative = (here / name).relative_to(folder).as_posix()
            if is_clutter(relative):
                continue
            if (here / name).is_symlink():
                raise InvalidInput(f"{relative} is a symbolic link; copy the real file into the folder instead")
            if name in names:
                found.append((relative, here / name))
        dirs[:] = sorted(d for d in dirs if not is_clutter(d))
    return sorted(found)


def check_size(size: int, *, name: str, max_bytes: int) -> None:
    """:class:`InvalidInput` when ``size`` is over the import limit."""
    if size > max_bytes:
        raise InvalidInput(
            f"{name} holds {human_size(size)}, more than the import limit of {human_size(max_bytes)}; "
            "split it into smaller imports")


def copy_stream(source, target: Path, *, size_limit: int, name: str) -> int:
    """Copy a binary stream to ``target`` in chunks; :class:`InvalidInput` past ``size_limit`` bytes."""
    copied = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK_BYTES):
            copied += len(chunk)
            check_size(copied, name=name, max_bytes=size_limit)
            out.write(chunk)
    return copied


def place_file(source: Path, target: Path, *, move: bool) -> None:
    """Put ``source`` at ``target`` (creating folders): a rename when it is ours, else a chunked copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if move:
        source.replace(target)
    else:
        shutil.copyfile(source, target)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


# -- names that can be created on disk -------------------------------------------------------------

NAME_MAX_BYTES = 255  # one file or folder name (NAME_MAX on Linux)
PATH_MAX_BYTES = 1024  # a path inside an upload or archive: well under PATH_MAX (4096) once inside the workspace
MAX_DEPTH = 32  # folders and the file, in a path inside an upload or archive


def shown(name: str) -> str:
    """``name`` quoted for a message, shortened when it is long."""
    return repr(name) if len(name) <= 60 else repr(name[:40]) + f"… ({len(name)} characters)"


def name_problem(name: str) -> str | None:
    """What stops ``name`` from being one file or folder name on disk (NUL, control characters, length), or None."""
    if "\x00" in name:
        return "contains a NUL byte"
    if any(ord(character) < 32 or ord(character) == 127 for character in name):
        return "contains a control character (such as a newline or a tab)"
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > NAME_MAX_BYTES:
        return f"has a name of {size} bytes; a file or folder name may have at most {NAME_MAX_BYTES} bytes"
    return None


def path_problem(parts: tuple[str, ...]) -> str | None:
    """What stops a relative path (its parts) from being created under a folder, or None."""
    for part in parts:
        if problem := name_problem(part):
            return problem
    if len(parts) > MAX_DEPTH:
        return f"is {len(parts)} levels deep; a path may be at most {MAX_DEPTH} (folders and the file)"
    size = len("/".join(parts).encode("utf-8", "surrogatepass"))
    if size > PATH_MAX_BYTES:
        return f"is {size} bytes long; a path may have at most {PATH_MAX_BYTES} bytes"
    return None


def check_file_name(name: str) -> str:
    """An uploaded file's name (``?filename=``): one plain name the file system can create, or InvalidInput."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise InvalidInput(f"give the uploaded file's name as ?filename=NAME (no folders, not starting with '.'); "
                           f"got {shown(name)}")
    if problem := name_problem(name):
        raise InvalidInput(f"{shown(name)} cannot be a file name: it {problem}; rename the file and upload it again")
    return name
