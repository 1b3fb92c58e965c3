"""The workspace: a folder holding ``mass.db``, project folders, the trash and artifacts.

Nothing outside the workspace is written by the core.
"""

import shutil
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from mass_ide.core.store import open_store

DB_NAME = "mass.db"


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
        return cls(root=root, db=open_store(db_path or root / DB_NAME))

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
        """Delete unfinished uploads (only the server, at start, may call this)."""
        shutil.rmtree(self.root / "uploads", ignore_errors=True)
        (self.root / "uploads").mkdir()

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

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()


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
