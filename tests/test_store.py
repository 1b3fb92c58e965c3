"""The SQLite store: migrations, WAL mode, audit log."""

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
