"""The SQLite store: migrations, WAL mode, audit log."""

import json
import shutil
import sqlite3

from mass_ide.core import audit
from mass_ide.core.store import MIGRATIONS, open_store, schema_version


def test_in_memory_store_has_every_migration():
    db = open_store(":memory:")
    assert schema_version(db) == [migration.name for migration in MIGRATIONS._migrations]
    assert {"projects", "audit"} <= set(db.table_names())


def test_file_store_runs_in_wal_mode_and_reopens_without_reapplying(tmp_path):
    path = tmp_path / "mass.db"
    db = open_store(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = schema_version(db)
    db.close()
    again = open_store(path)
    assert schema_version(again) == applied
    assert again.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(applied)


def test_committed_rows_survive_a_connection_that_never_closed(tmp_path):
    path = tmp_path / "mass.db"
    writer = open_store(path)
    audit.record(writer, user="ana", action="project.create", target="project:p1")
    # a second process-like connection sees the committed row although the writer is still open
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT user, action FROM audit").fetchall() == [("ana", "project.create")]


def test_audit_events_newest_first_with_decoded_detail():
    db = open_store()
    audit.record(db, user="ana", action="a.first", target="t:1", detail={"k": 1})
    audit.record(db, user="ben", action="a.second", target="t:2")
    audit.record(db, user="ana", action="a.third", target="t:1")
    assert [e["action"] for e in audit.events(db)] == ["a.third", "a.second", "a.first"]
    only_t1 = audit.events(db, target="t:1")
    assert [e["action"] for e in only_t1] == ["a.third", "a.first"]
    assert only_t1[1]["detail"] == {"k": 1}
    assert only_t1[1]["at"].endswith("+00:00")


def test_the_audit_log_is_a_hash_chain_that_finds_rows_changed_removed_or_inserted(tmp_path, capsys):
    from mass_ide import cli
    from mass_ide.core import audit, projects
    from mass_ide.core.workspace import Workspace

    root = tmp_path / "ws"
    ws = Workspace.open(root)
    project = projects.create_project(ws, name="Labs", template="liver-function", user="ana")
    for n in range(4):
        audit.record(ws.db, user="bob" if n % 2 else "ana", action="test.step", target=f"dataset:{n}",
                     detail={"n": n})
    rows = list(ws.db.query("SELECT id, hash FROM audit ORDER BY id"))
    assert audit.verify(ws.db) == {"rows": 5, "ok": True, "head": rows[-1]["hash"], "broken_at": None}
    assert [r["user"] for r in audit.export(ws.db, user="bob")] == ["bob", "bob"]
    assert [r["target"] for r in audit.export(ws.db, project=project.id)] == [f"project:{project.id}"]
    assert audit.export(ws.db, until="2000-01-01") == [] and len(audit.export(ws.db, since="2000-01-01")) == 5
    ws.close()
    assert cli.main(["audit", "--workspace", str(root), "verify"]) == 0
    assert rows[-1]["hash"] in capsys.readouterr().out

    def tampered(change: str) -> dict:
        copy = tmp_path / change.split()[0]
        shutil.copytree(root, copy)
        opened = Workspace.open(copy)
        opened.db.execute(change)
        opened.db.conn.commit()
        try:
            return audit.verify(opened.db)
        finally:
            opened.close()

    assert tampered("UPDATE audit SET user = 'eve' WHERE id = 3")["broken_at"] == 3
    assert tampered("DELETE FROM audit WHERE id = 2")["broken_at"] == 3
    inserted = tampered("INSERT INTO audit (id, at, user, action, target, hash) VALUES "
                        "(99, '2026-01-01', 'eve', 'x', 'y', 'forged')")
    assert inserted["ok"] is False and inserted["broken_at"] == 99
    export = tmp_path / "audit.jsonl"
    assert cli.main(["audit", "--workspace", str(root), "export", "--user", "ana", "--output", str(export)]) == 0
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert lines[-1]["chain"]["ok"] is True and all(line["user"] == "ana" for line in lines[:-1])


def test_an_older_workspaces_audit_rows_are_chained_by_the_migration():
    from mass_ide.core.store import Store

    db = Store(memory=True)
    MIGRATIONS.apply(db, stop_before="m009_audit_chain")  # a workspace from before the chain
    for n in range(3):
        db["audit"].insert({"at": f"2026-11-0{n + 1}T10:00:00+00:00", "user": "ana", "action": "old",
                            "target": f"run:{n}", "detail": None})
    MIGRATIONS.apply(db)
    audit.record(db, user="ana", action="new", target="run:9")
    checked = audit.verify(db)
    assert checked["ok"] and checked["rows"] == 4
