"""The audit log: who did what, when. Written in the same transaction as the change.

The rows form a hash chain: each row's ``hash`` is the SHA-256 of the row before's hash and its
own content, so :func:`verify` finds any row changed, removed or inserted after the fact. Someone
able to rewrite the database could recompute every later hash too; the newest hash (the head),
noted somewhere else, such as in an auditor's export, pins the log up to then.
"""

import getpass
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database


def now_iso() -> str:
    """The current UTC time as an ISO-8601 string with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


GENESIS = "0" * 64  # the "hash before" the first row


def row_hash(previous: str, row: dict) -> str:
    """The chain hash of one row: SHA-256 of the previous row's hash and this row's content."""
    content = json.dumps([previous, row["at"], row["user"], row["action"], row["target"], row["detail"]],
                         ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def _head(db: Database) -> str:
    found = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return found[0] if found and found[0] else GENESIS


def record(db: Database, *, user: str, action: str, target: str, detail: Any = None) -> None:
    """Append one event, chained to the one before; call it inside the transaction that makes the change (which
    holds the write lock, so that no other writer appends in between)."""
    row = {"at": now_iso(), "user": user, "action": action, "target": target,
           "detail": None if detail is None else json.dumps(detail, sort_keys=True)}
    with db.atomic():
        db["audit"].insert({**row, "hash": row_hash(_head(db), row)})


def verify(db: Database) -> dict:
    """Walk the chain: ``{rows, ok, head, broken_at}``, where ``broken_at`` is the id of the first row whose hash
    does not follow from the rows before it (changed, or a row before it removed or inserted)."""
    previous, count = GENESIS, 0
    for row in db.query("SELECT id, at, user, action, target, detail, hash FROM audit ORDER BY id"):
        count += 1
        expected = row_hash(previous, row)
        if row["hash"] != expected:
            return {"rows": count, "ok": False, "head": previous, "broken_at": row["id"]}
        previous = expected
    return {"rows": count, "ok": True, "head": previous, "broken_at": None}


def _project_targets(db: Database, project_id: str) -> list[str]:
    """The audit targets that belong to a project: it, its datasets, runs, studies, models and deployments."""
    queries = [("dataset", "SELECT id FROM datasets WHERE project_id = ?"),
               ("run", "SELECT id FROM runs WHERE project_id = ?"),
               ("study", "SELECT id FROM studies WHERE project_id = ?"),
               ("model", "SELECT name FROM models WHERE project_id = ?"),
               ("deployment", "SELECT d.id FROM deployments d JOIN model_versions v ON v.id = d.version_id "
                              "JOIN models m ON m.id = v.model_id WHERE m.project_id = ?")]
    targets = [f"project:{project_id}"]
    for kind, query in queries:
        targets += [f"{kind}:{value}" for (value,) in db.execute(query, [project_id]).fetchall()]
    return targets


def export(db: Database, *, since: str | None = None, until: str | None = None, user: str | None = None,
           project: str | None = None) -> list[dict]:
    """The rows of a period (ISO dates or times; ``until`` includes its whole day or second), of a user and of a
    project (its datasets, runs, models and deployments), oldest first, each with its chain hash."""
    where, args = [], []
    if since:
        where.append("at >= ?")
        args.append(since)
    if until:
        where.append("substr(at, 1, ?) <= ?")
        args += [len(until), until]
    if user:
        where.append("user = ?")
        args.append(user)
    if project:
        targets = _project_targets(db, project)
        where.append(f"target IN ({', '.join('?' for _ in targets)})")
        args += targets
    rows = db.query("SELECT id, at, user, action, target, detail, hash FROM audit"
                    + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id", args)
    return [{**row, "detail": json.loads(row["detail"]) if row["detail"] else None} for row in rows]


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
