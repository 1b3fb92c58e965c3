"""The SQLite store: one database per workspace, WAL mode, schema only via migrations.

Later features add their tables by registering another migration here; never
alter the schema anywhere else.
"""

import sqlite3
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("mass_ide")


@MIGRATIONS()
def m001_projects_and_audit(db: Database) -> None:
    """Projects (soft-deleted into the trash) and the audit log."""
    db["projects"].create(
        {
            "id": str,
            "name": str,
            "template": str,
            "created_at": str,
            "created_by": str,
            "deleted_at": str,
            "trash_path": str,
        },
        pk="id",
        not_null={"name", "template", "created_at", "created_by"},
    )
    db.execute(
        "CREATE UNIQUE INDEX projects_live_name ON projects (lower(name)) WHERE deleted_at IS NULL"
    )
    db["audit"].create(
        {
            "id": int,
            "at": str,
            "user": str,
            "action": str,
            "target": str,
            "detail": str,
        },
        pk="id",
        not_null={"at", "user", "action", "target"},
    )
    db["audit"].create_index(["at"])


def open_store(path: str | Path = ":memory:") -> Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
    if str(path) == ":memory:":
        db = Database(memory=True)
    else:
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = Database(conn)
        db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(db)
    return db


def schema_version(db: Database) -> list[str]:
    """Names of the migrations applied to ``db``, oldest first."""
    return [migration.name for migration in MIGRATIONS.applied(db)]
