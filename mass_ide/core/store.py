"""The SQLite store: one database per workspace, WAL mode, schema only via migrations.

Later features add their tables by registering another migration here; never
alter the schema anywhere else.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("mass_ide")


class Store(Database):
    """sqlite-utils' Database whose transactions take the write lock when they begin.

    The server, training workers and notebooks write to one database. A deferred
    transaction that reads first (sqlite-utils looks up table columns before it
    writes) and then writes fails at once with "database is locked" when another
    process committed in between; ``BEGIN IMMEDIATE`` waits for the lock instead.
    """

    @contextmanager
    def atomic(self) -> Iterator["Store"]:
        """A transaction (a savepoint when nested) that holds the write lock from its start."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.conn.execute("COMMIT")


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


@MIGRATIONS()
def m002_datasets_items_annotations(db: Database) -> None:
    """Imported datasets, their items, one annotation per item, frozen dataset versions."""
    db["workspace_meta"].create({"key": str, "value": str}, pk="key")
    db["datasets"].create(
        {
            "id": int,
            "project_id": str,
            "name": str,
            "kind": str,
            "source_name": str,
            "folder": str,
            "created_at": str,
            "created_by": str,
            "item_count": int,
            "report": str,
            "recipe": str,
        },
        pk="id",
        not_null={"project_id", "name", "kind", "folder", "created_at", "created_by"},
        foreign_keys=[("project_id", "projects", "id")],
    )
    db["items"].create(
        {"id": int, "dataset_id": int, "key": str, "kind": str, "path": str, "meta": str, "sha256": str},
        pk="id",
        not_null={"dataset_id", "key", "kind", "sha256"},
        foreign_keys=[("dataset_id", "datasets", "id")],
    )
    db["items"].create_index(["dataset_id", "key"], unique=True)
    db["annotations"].create(
        {
            "item_id": int,
            "kind": str,
            "label": str,
            "mask_path": str,
            "version": int,
            "updated_at": str,
            "updated_by": str,
        },
        pk="item_id",
        not_null={"kind", "version", "updated_at", "updated_by"},
        foreign_keys=[("item_id", "items", "id")],
    )
    db["dataset_versions"].create(
        {
            "id": int,
            "dataset_id": int,
            "number": int,
            "digest": str,
            "manifest": str,
            "created_at": str,
            "created_by": str,
        },
        pk="id",
        not_null={"dataset_id", "number", "digest", "manifest", "created_at", "created_by"},
        foreign_keys=[("dataset_id", "datasets", "id")],
    )
    db["dataset_versions"].create_index(["dataset_id", "number"], unique=True)


@MIGRATIONS()
def m003_runs_and_metrics(db: Database) -> None:
    """Training runs (with their worker's state) and the metrics they log."""
    db["runs"].create(
        {
            "id": int,
            "project_id": str,
            "dataset_id": int,
            "dataset_version": int,
            "config": str,
            "processes": int,
            "status": str,
            "created_at": str,
            "created_by": str,
            "started_at": str,
            "finished_at": str,
            "pid": int,
            "epochs_done": int,
            "epochs_total": int,
            "resume": int,
            "error": str,
            "result": str,
        },
        pk="id",
        not_null={"project_id", "dataset_id", "dataset_version", "config", "status", "created_at", "created_by"},
        foreign_keys=[("project_id", "projects", "id"), ("dataset_id", "datasets", "id")],
    )
    db["runs"].create_index(["status"])
    db["metrics"].create(
        {"id": int, "run_id": int, "name": str, "step": int, "epoch": int, "value": float, "at": float},
        pk="id",
        not_null={"run_id", "name", "value", "at"},
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["metrics"].create_index(["run_id", "id"])


@MIGRATIONS()
def m004_tuning_studies(db: Database) -> None:
    """Automatic tuning: Optuna studies whose trials are runs."""
    db["studies"].create(
        {
            "id": int,
            "project_id": str,
            "dataset_id": int,
            "dataset_version": int,
            "objective": str,
            "n_trials": int,
            "overrides": str,
            "status": str,
            "created_at": str,
            "created_by": str,
            "best_run_id": int,
        },
        pk="id",
        not_null={"project_id", "dataset_id", "dataset_version", "objective", "n_trials", "status", "created_at",
                  "created_by"},
        foreign_keys=[("project_id", "projects", "id"), ("dataset_id", "datasets", "id")],
    )
    db["runs"].add_column("study_id", int)
    db["runs"].add_column("trial_number", int)


@MIGRATIONS()
def m005_model_registry(db: Database) -> None:
    """Registered models, their versions (artifacts in MONAI-bundle layout) and aliases."""
    db["models"].create(
        {"id": int, "name": str, "project_id": str, "task": str, "description": str,
         "created_at": str, "created_by": str, "deleted_at": str},
        pk="id",
        not_null={"name", "project_id", "task", "created_at", "created_by"},
        foreign_keys=[("project_id", "projects", "id")],
    )
    db["models"].create_index(["name"], unique=True)
    db["model_versions"].create(
        {"id": int, "model_id": int, "number": int, "run_id": int, "dataset_id": int, "dataset_version": int,
         "dataset_digest": str, "digest": str, "folder": str, "metrics": str, "signature": str, "config": str,
         "package_version": str, "created_at": str, "created_by": str, "deleted_at": str},
        pk="id",
        not_null={"model_id", "number", "digest", "folder", "signature", "created_at", "created_by"},
        foreign_keys=[("model_id", "models", "id"), ("run_id", "runs", "id")],
    )
    db["model_versions"].create_index(["model_id", "number"], unique=True)
    db["model_aliases"].create(
        {"model_id": int, "alias": str, "version_id": int, "updated_at": str, "updated_by": str},
        pk=("model_id", "alias"),
        foreign_keys=[("model_id", "models", "id"), ("version_id", "model_versions", "id")],
    )


@MIGRATIONS()
def m006_prelabel(db: Database) -> None:
    """Model suggestions for unlabelled items (pre-labelling) and the jobs that make them."""
    db["prelabel_jobs"].create(
        {"id": int, "dataset_id": int, "version_id": int, "status": str, "done": int, "total": int,
         "error": str, "pid": int, "created_at": str, "created_by": str, "finished_at": str},
        pk="id",
        not_null={"dataset_id", "version_id", "status", "done", "total", "created_at", "created_by"},
        foreign_keys=[("dataset_id", "datasets", "id"), ("version_id", "model_versions", "id")],
    )
    db["suggestions"].create(
        {"item_id": int, "version_id": int, "label": str, "probabilities": str, "uncertainty": float,
         "mask_path": str, "created_at": str},
        pk="item_id",
        not_null={"version_id", "uncertainty", "created_at"},
        foreign_keys=[("item_id", "items", "id"), ("version_id", "model_versions", "id")],
    )


@MIGRATIONS()
def m007_deployments(db: Database) -> None:
    """Deployed model versions: one worker process each, with request counts and latency."""
    db["deployments"].create(
        {"id": int, "version_id": int, "status": str, "port": int, "pid": int, "secret": str, "runtime": str,
         "requests": int, "errors": int, "latency_ms_p50": float, "created_at": str, "created_by": str,
         "stopped_at": str, "error": str},
        pk="id",
        not_null={"version_id", "status", "requests", "errors", "created_at", "created_by"},
        foreign_keys=[("version_id", "model_versions", "id")],
    )


@MIGRATIONS()
def m008_deployment_parity_override(db: Database) -> None:
    """The failed ONNX parity verdict a deployment was told to serve anyway (null: none)."""
    db["deployments"].add_column("override_parity", str)


@MIGRATIONS()
def m009_audit_chain(db: Database) -> None:
    """Each audit row's chain hash (the rows so far are chained in their order), and an index by target."""
    from mass_ide.core.audit import GENESIS, row_hash

    db["audit"].add_column("hash", str)
    previous = GENESIS
    for row in list(db.query("SELECT id, at, user, action, target, detail FROM audit ORDER BY id")):
        previous = row_hash(previous, row)
        db.execute("UPDATE audit SET hash = ? WHERE id = ?", [previous, row["id"]])
    db["audit"].create_index(["target"])


@MIGRATIONS()
def m010_project_members(db: Database) -> None:
    """Who has which role in a project (lead, reviewer, annotator, viewer); each project's creator is its lead."""
    db["project_members"].create(
        {"project_id": str, "user": str, "role": str, "updated_at": str, "updated_by": str},
        pk=("project_id", "user"),
        not_null={"role", "updated_at", "updated_by"},
        foreign_keys=[("project_id", "projects", "id")],
    )
    db.execute("INSERT INTO project_members (project_id, user, role, updated_at, updated_by) "
               "SELECT id, created_by, 'lead', created_at, created_by FROM projects")


def open_store(path: str | Path = ":memory:") -> Store:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
    if str(path) == ":memory:":
        db = Store(memory=True)
    else:
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = Store(conn)
        db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    MIGRATIONS.apply(db)
    return db


def schema_version(db: Database) -> list[str]:
    """Names of the migrations applied to ``db``, oldest first."""
    return [migration.name for migration in MIGRATIONS.applied(db)]
