"""Folder uploads: the files of a folder dropped in the browser arrive one by one, then import as one dataset.

A browser cannot send a folder in one request, so the Import panel opens an
upload folder in the workspace, sends each file with its path inside the dropped
folder, and asks for the import when all have arrived. The import is the same as
for a folder under the server root (a DICOM series, images in class folders…).
Unfinished upload folders are removed when the server starts.
"""

import re
import shutil
import uuid
from pathlib import Path, PurePosixPath

from mass_ide.core.data.files import path_problem, shown
from mass_ide.core.errors import InvalidInput, NotFound
from mass_ide.core.workspace import Workspace

TOKEN = re.compile(r"^[0-9a-f]{32}$")


def open_folder(ws: Workspace) -> str:
    """Create an empty upload folder; its token names it in the later requests."""
    token = uuid.uuid4().hex
    folder_path(ws, token).mkdir(parents=True)
    return token


def folder_path(ws: Workspace, token: str) -> Path:
    """Where the upload folder of ``token`` lives (``uploads/folder-<token>``)."""
    if not TOKEN.match(token):
        raise NotFound(f"no upload folder {token!r}")
    return ws.root / "uploads" / f"folder-{token}"


def existing_folder(ws: Workspace, token: str) -> Path:
    """The upload folder of ``token``, which must exist."""
    folder = folder_path(ws, token)
    if not folder.is_dir():
        raise NotFound(f"no upload folder {token!r}: it was imported, discarded, or the server restarted")
    return folder


def file_target(ws: Workspace, token: str, relative: str) -> Path:
    """Where a file with the path ``relative`` (inside the dropped folder) is written; its folders are made.

    Refused before anything is created: paths that are not plain and relative, names
    the file system cannot hold (NUL, control characters, over 255 bytes), paths too
    deep or too long, and a path that makes a file and a folder of one name.
    """
    parts = PurePosixPath(relative).parts
    if (not relative or "\\" in relative or relative.startswith("/")
            or any(part in ("", ".", "..") or part.startswith(".") for part in parts)):
        raise InvalidInput(f"{shown(relative)} is not a plain relative path inside the uploaded folder")
    if problem := path_problem(parts):
        raise InvalidInput(f"the uploaded path {shown(relative)} {problem}; "
                           "rename the file or its folders and send it again")
    folder = existing_folder(ws, token)
    for depth in range(1, len(parts)):
        if folder.joinpath(*parts[:depth]).is_file():
            raise InvalidInput(f"the uploaded path {shown(relative)} needs a folder {'/'.join(parts[:depth])!r}, "
                               "but a file of that name was already sent; rename one of them")
    target = folder.joinpath(*parts)
    if target.is_dir():
        raise InvalidInput(f"the uploaded path {shown(relative)} is already a folder of files sent before; "
                           "rename the file")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def import_source(ws: Workspace, token: str) -> Path:
    """What to import: the one folder that was dropped (so the dataset keeps its name), or all that arrived."""
    folder = existing_folder(ws, token)
    entries = list(folder.iterdir())
    if not entries:
        raise InvalidInput("the upload folder is empty: send its files before importing it")
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


def discard(ws: Workspace, token: str) -> None:
    """Remove an upload folder and what arrived in it."""
    shutil.rmtree(folder_path(ws, token), ignore_errors=True)
