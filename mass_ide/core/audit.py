"""The audit log: who did what, when. Written in the same transaction as the change."""

import getpass
import json
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database


def now_iso() -> str:
    """The current UTC time as an ISO-8601 string with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def record(db: Database, *, user: str, action: str, target: str, detail: Any = None) -> None:
    """Append one event; call it inside the transaction that makes the change."""
    db["audit"].insert(
        {
            "at": now_iso(),
            "user": user,
            "action": action,
            "target": target,
            "detail": None if detail is None else json.dumps(detail, sort_keys=True),
        }
    )


def events(db: Database, *, target: str | None = None, limit: int = 100) -> list[dict]:
    """The newest events first, optionally only those about ``target``."""
    where, args = ("target = ?", [target]) if target else (None, None)
    rows = db["audit"].rows_where(where, args, order_by="id desc", limit=limit)
    return [{**row, "detail": json.loads(row["detail"]) if row["detail"] else None} for row in rows]


LOCAL_USER_KEY = "local_user"


def set_local_user(db: Database, name: str) -> str:
    """Record the name of this workspace's one local user (empty: the account running the server); that name."""
    name = name.strip() or getpass.getuser()
    db["workspace_meta"].upsert({"key": LOCAL_USER_KEY, "value": name}, pk="key")
    return name


def local_user(db: Database) -> str:
    """Who works here outside a team: the name the server was configured with, else this account's name.

    The notebook, the command line and a single-user server's browser of one person show as one person.
    """
    rows = list(db["workspace_meta"].rows_where("key = ?", [LOCAL_USER_KEY]))
    return rows[0]["value"] if rows else getpass.getuser()
