"""The workspace: a folder holding ``mass.db``, project folders, the trash and artifacts.

Nothing outside the workspace is written by the core.
"""

import os
import shutil
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from mass_ide.core.errors import InvalidInput
from mass_ide.core.store import open_store

DB_NAME = "mass.db"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass
class Workspace:
    """An open workspace: its root folder and its database."""

    root: Path
    db: Database

    @classmethod
    def open(cls, root: str | Path, *, db_path: str | Path | None = None) -> "Workspace":
        """Open the workspace at ``root``, creating its folders and database if needed."""
        root = Path(root).expanduser().resolve()
        for folder in (root, root / "projects", root / "trash", root / "artifacts", root / "uploads"):
            folder.mkdir(parents=True, exist_ok=True)
        db_file = Path(db_path or root / DB_NAME)
        if not db_file.exists():
            db_file.touch()  # created private before SQLite makes its WAL beside it
        keep_private(root, db_file)
        return cls(root=root, db=open_store(db_file))

    @classmethod
    def find(cls, start: str | Path = ".") -> "Workspace":
        """Open the nearest workspace at or above ``start`` (a notebook's folder, say)."""
        start = Path(start).resolve()
        for folder in (start, *start.parents):
            if (folder / DB_NAME).is_file():
                return cls.open(folder)
        raise FileNotFoundError(f"no {DB_NAME} found in {start} or any folder above it")

    @property
    def projects_dir(self) -> Path:
        """Where live project folders are."""
        return self.root / "projects"

    @property
    def trash_dir(self) -> Path:
        """Where deleted projects are moved to."""
        return self.root / "trash"

    def clear_uploads(self) -> None:
        """Delete unfinished uploads (only the server, at start, may call this).

        ``uploads/pacs`` stays: what an interrupted PACS retrieval fetched, so that it resumes.
        """
        uploads = self.root / "uploads"
        for found in uploads.iterdir() if uploads.exists() else ():
            if found.name != "pacs":
                shutil.rmtree(found) if found.is_dir() and not found.is_symlink() else found.unlink()
        uploads.mkdir(exist_ok=True)

    @contextmanager
    def scratch(self, prefix: str = "scratch") -> Iterator[Path]:
        """A temporary folder inside the workspace, removed afterwards."""
        folder = self.root / "uploads" / f"{prefix}-{uuid.uuid4().hex}"
        folder.mkdir(parents=True)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def database_file(self) -> str:
        """The file of the workspace's database; ``Workspace.open(root, db_path=...)`` on it gives another thread
        its own connection."""
        return self.db.execute("PRAGMA database_list").fetchone()[2]

    def database_files(self) -> list[Path]:
        """The database file and those of its WAL, shared memory and journal that exist now."""
        main = Path(self.database_file()).resolve()
        return [main, *(found for suffix in SQLITE_SIDE_FILES if (found := Path(f"{main}{suffix}")).exists())]

    def check_import_source(self, source: Path) -> None:
        """:class:`InvalidInput` unless ``source`` may be read as data: outside the workspace, not the database.

        Closing any descriptor of the database's files drops every SQLite lock this
        process holds on them (POSIX locks belong to the process), after which another
        process may delete the WAL the server still writes to. So the workspace (the
        database, projects, artifacts, trash) is never read as an import, whatever path,
        link or hard link leads there; only ``uploads/``, where the server puts what it
        received, is. Checked with ``stat`` only: nothing is opened.
        """
        resolved = Path(source).resolve()
        if resolved.is_relative_to(self.root / "uploads") or not resolved.exists():
            return  # what the server received; or nothing, which the importer names
        protected = [self.root, *self.database_files()]
        if any(resolved.is_relative_to(path) or path.is_relative_to(resolved) for path in protected):
            raise InvalidInput(f"{source.name or source} is or holds the Mass IDE workspace (its database, projects, "
                               "artifacts and trash), which is never imported; import data kept outside it")
        database_inodes = {(found.st_dev, found.st_ino) for found in map(os.stat, protected[1:])}
        for path in _files_under(resolved):
            found = path.stat()
            if (found.st_dev, found.st_ino) in database_inodes:
                raise InvalidInput(f"{path.name} is a link to the Mass IDE database, which is never imported; "
                                   "import data kept outside the workspace")

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()


def keep_private(*paths: Path) -> None:
    """Make the workspace folder and the database readable by their owner alone (they hold PHI and secrets).

    SQLite gives its WAL and shared-memory files the database file's permissions.
    Paths another account owns (a team's shared workspace) are left as they are.
    """
    for path in paths:
        if path.stat().st_uid == os.getuid():
            path.chmod(0o700 if path.is_dir() else 0o600)


def _files_under(path: Path) -> Iterator[Path]:
    """``path`` itself, or every file (and link) under it when it is a folder."""
    if not path.is_dir():
        yield path
        return
    for folder, _, names in os.walk(path):
        for name in names:
            if (Path(folder) / name).exists():  # a dangling link names nothing to guard
                yield Path(folder) / name


def run_in_workspace(root: str | Path, job: Callable[[Workspace], object]) -> int:
    """A worker process's body: open the workspace, run ``job``, close it; 1 with the traceback printed if it failed."""
    ws = Workspace.open(root)
    try:
        job(ws)
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        ws.close()
    return 0
