"""Datasets: import files into a project, browse their items, freeze immutable versions.

An import runs the format importers (:mod:`mass_ide.core.data`) into a staging
folder, then records the dataset and its items and renames the folder into
place in one transaction: an import either lands whole or leaves nothing.
"""

import hashlib
import json
import secrets
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from mass_ide.core import audit
from mass_ide.core.errors import InvalidInput, NotFound
from mass_ide.core.projects import get_project
from mass_ide.core.workspace import Workspace

if TYPE_CHECKING:
    from mass_ide.core.data.deidentify import DeidOptions
    from mass_ide.core.data.importers import ImportReport

DEID_SALT_KEY = "deid_salt"
MISSING_VALUES = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-"})  # a table cell that holds no value


@dataclass(frozen=True)
class Dataset:
    """An imported dataset and where its files are."""

    id: int
    project_id: str
    name: str
    kind: str
    source_name: str
    folder: Path
    created_at: str
    created_by: str
    item_count: int
    report: dict


@dataclass(frozen=True)
class Item:
    """One record, image or volume of a dataset."""

    id: int
    dataset_id: int
    key: str
    kind: str
    file: Path | None
    meta: dict
    sha256: str


def deid_salt(ws: Workspace) -> str:
    """The workspace's secret salt for replacing DICOM UIDs (made once, kept forever)."""
    table = ws.db["workspace_meta"]
    rows = list(table.rows_where("key = ?", [DEID_SALT_KEY]))
    if rows:
        return rows[0]["value"]
    salt = secrets.token_hex(16)
    table.insert({"key": DEID_SALT_KEY, "value": salt}, ignore=True)
    return list(table.rows_where("key = ?", [DEID_SALT_KEY]))[0]["value"]


def resolve_inside(root: Path, relative: str) -> Path:
    """``relative`` under ``root``, refusing absolute paths, ``..`` and links leading outside."""
    parts = PurePosixPath(relative.replace("\\", "/"))
    if not relative or parts.is_absolute() or ".." in parts.parts:
        raise InvalidInput(f"{relative!r} must be a path inside the server root, without '..'")
    path = (root / parts).resolve()
    if not path.is_relative_to(root.resolve()):
        raise InvalidInput(f"{relative!r} leads outside the server root")
    if not path.exists():
        raise InvalidInput(f"{relative!r} does not exist under the server root")
    return path


def _to_dataset(ws: Workspace, row: dict) -> Dataset:
    """A database row as a :class:`Dataset`."""
    return Dataset(
        id=row["id"],
        project_id=row["project_id"],
        name=row["name"],
        kind=row["kind"],
        source_name=row["source_name"],
        folder=ws.projects_dir / row["project_id"] / row["folder"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        item_count=row["item_count"],
        report=json.loads(row["report"] or "{}"),
    )


def _to_item(ws: Workspace, row: dict, dataset_folder: Path) -> Item:
    """A database row as an :class:`Item`."""
    return Item(
        id=row["id"],
        dataset_id=row["dataset_id"],
        key=row["key"],
        kind=row["kind"],
        file=dataset_folder / row["path"] if row["path"] else None,
        meta=json.loads(row["meta"] or "{}"),
        sha256=row["sha256"],
    )


@dataclass(frozen=True)
class StagedImport:
    """Files converted into a staging folder, waiting to be recorded."""

    project_id: str
    staging: Path
    report: "ImportReport"


def stage_import(ws: Workspace, project_id: str, *, source: Path, salt: str,
                 deid: "DeidOptions | None" = None) -> StagedImport:
    """Convert ``source`` into a staging folder of the project (slow; touches no database).

    ``deid``: the de-identification options for DICOM (default: the Basic Profile alone).
    """
    from mass_ide.core.data.importers import import_source

    project = get_project(ws, project_id)
    ws.check_import_source(source)
    staging = project.folder / "data" / f".importing-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        return StagedImport(project.id, staging, import_source(source, staging, deid_salt=salt, deid=deid))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def commit_import(ws: Workspace, staged: StagedImport, *, name: str | None = None, user: str,
                  origin: dict | None = None) -> Dataset:
    """Record a staged import and move its folder into place, in one transaction.

    ``origin``: where the data came from beyond the file name (a PACS retrieval's node
    and hashed UIDs), kept in the import's audit row.
    """
    report = staged.report
    project = get_project(ws, staged.project_id)
    try:
        with ws.db.atomic():
            dataset_id = ws.db["datasets"].insert(
                {
                    "project_id": project.id,
                    "name": (name or "").strip() or report.source_name,
                    "kind": report.kind,
                    "source_name": report.source_name,
                    "folder": "pending",
                    "created_at": audit.now_iso(),
                    "created_by": user,
                    "item_count": len(report.items),
                    "report": json.dumps(report.to_json()),
                }
            ).last_pk
            folder = f"data/{dataset_id}"
            ws.db["datasets"].update(dataset_id, {"folder": folder})
            ws.db["items"].insert_all(
                {
                    "dataset_id": dataset_id,
                    "key": item.key,
                    "kind": item.kind,
                    "path": item.path,
                    "meta": json.dumps(item.meta),
                    "sha256": item.sha256,
                }
                for item in report.items
            )
            audit.record(ws.db, user=user, action="dataset.import", target=f"dataset:{dataset_id}",
                         detail={"project": project.id, "source": report.source_name, "items": len(report.items),
                                 "deidentified": bool(report.deidentification),
                                 "deidentification_options": report.deidentification.get("options"),
                                 **({"origin": origin} if origin else {})})
            staged.staging.rename(project.folder / folder)
    finally:
        shutil.rmtree(staged.staging, ignore_errors=True)
    return get_dataset(ws, dataset_id)


def _numbered(name: str, number: int) -> str:
    """``name`` (number 1), or ``name`` with ``-2``, ``-3``… before its suffixes."""
    stem, dot, suffixes = name.partition(".")
    return name if number == 1 else f"{stem}-{number}{dot}{suffixes}"


def add_import(ws: Workspace, staged: StagedImport, *, dataset_id: int, user: str,
               origin: dict | None = None) -> Dataset:
    """Add a staged import's images or volumes to an existing dataset of the same kind, in one transaction.

    For an inbox that grows (the DICOM node's). A key the dataset holds already gets a
    number added; frozen versions are untouched (they list their own items).
    """
    dataset, report = get_dataset(ws, dataset_id), staged.report
    try:
        if report.kind != dataset.kind or any(item.path is None for item in report.items):
            raise InvalidInput(f"{report.kind} items cannot be added to the {dataset.kind} dataset {dataset.name!r}")
        taken = {row["key"] for row in ws.db["items"].rows_where("dataset_id = ?", [dataset_id], select="key")}
        placed = []
        for item in report.items:
            stored = PurePosixPath(item.path)
            number = 1
            while _numbered(item.key, number) in taken or (dataset.folder / stored.parent /
                                                           _numbered(stored.name, number)).exists():
                number += 1
            key, path = _numbered(item.key, number), str(stored.parent / _numbered(stored.name, number))
            taken.add(key)
            placed.append((item, key, path))
        with ws.db.atomic():
            ws.db["items"].insert_all({"dataset_id": dataset_id, "key": key, "kind": item.kind, "path": path,
                                       "meta": json.dumps(item.meta), "sha256": item.sha256}
                                      for item, key, path in placed)
            ws.db.execute("UPDATE datasets SET item_count = item_count + ? WHERE id = ?", [len(placed), dataset_id])
            audit.record(ws.db, user=user, action="dataset.add", target=f"dataset:{dataset_id}",
                         detail={"project": dataset.project_id, "source": report.source_name, "items": len(placed),
                                 "deidentified": bool(report.deidentification), "warnings": report.warnings,
                                 **({"origin": origin} if origin else {})})
            for item, _, path in placed:
                (dataset.folder / path).parent.mkdir(parents=True, exist_ok=True)
                (staged.staging / item.path).rename(dataset.folder / path)
    finally:
        shutil.rmtree(staged.staging, ignore_errors=True)
    return get_dataset(ws, dataset_id)


def import_dataset(ws: Workspace, project_id: str, *, source: Path, name: str | None = None, user: str,
                   deid: "DeidOptions | None" = None) -> Dataset:
    """Import ``source`` (a file or folder already on disk) into the project, atomically (DICOM with ``deid``)."""
    staged = stage_import(ws, project_id, source=source, salt=deid_salt(ws), deid=deid)
    return commit_import(ws, staged, name=name, user=user)


def list_datasets(ws: Workspace, project_id: str) -> list[Dataset]:
    """The project's datasets, oldest first."""
    get_project(ws, project_id)
    return [_to_dataset(ws, row) for row in ws.db["datasets"].rows_where("project_id = ?", [project_id], order_by="id")]


def get_dataset(ws: Workspace, dataset_id: int) -> Dataset:
    """The dataset ``dataset_id`` of a live project."""
    rows = list(ws.db.query(
        "SELECT d.* FROM datasets d JOIN projects p ON p.id = d.project_id "
        "WHERE d.id = ? AND p.deleted_at IS NULL", [dataset_id]))
    if not rows:
        raise NotFound(f"no dataset with id {dataset_id}")
    return _to_dataset(ws, rows[0])


ITEM_ORDERS = {
    "import": "id",
    # active learning: what the latest pre-labelling model was least sure of first, items without a suggestion last
    "uncertainty": "(SELECT uncertainty FROM suggestions WHERE item_id = items.id) IS NULL, "
                   "(SELECT uncertainty FROM suggestions WHERE item_id = items.id) DESC, id",
}


def _labelled_where(class_column: str | None) -> tuple[str, list]:
    """SQL that holds for a labelled item (a label, a mask, or a value in the table's class column), its args."""
    annotated = "id IN (SELECT item_id FROM annotations WHERE label IS NOT NULL OR mask_path IS NOT NULL)"
    if class_column is None:
        return annotated, []
    missing = ", ".join("?" * len(MISSING_VALUES))
    cell = "lower(trim(coalesce(CAST(json_extract(meta, ?) AS TEXT), '')))"
    return f"({annotated} OR {cell} NOT IN ({missing}))", [f'$."{class_column}"', *sorted(MISSING_VALUES)]


def list_items(ws: Workspace, dataset_id: int, *, unlabelled_only: bool = False, order: str = "import",
               offset: int = 0, limit: int = 100, class_column: str | None = None) -> tuple[list[Item], int]:
    """A page of the dataset's items (in import order, or most uncertain first), and how many match in all.

    ``unlabelled_only``: those without a label or mask, nor a value in the table's ``class_column``.
    """
    if order not in ITEM_ORDERS:
        raise InvalidInput(f"order must be one of {', '.join(ITEM_ORDERS)}, not {order!r}")
    dataset = get_dataset(ws, dataset_id)
    where, args = "dataset_id = ?", [dataset_id]
    if unlabelled_only:
        labelled, more = _labelled_where(class_column)
        where, args = f"{where} AND NOT {labelled}", [*args, *more]
    total = ws.db.execute(f"SELECT count(*) FROM items WHERE {where}", args).fetchone()[0]
    rows = ws.db["items"].rows_where(where, args, order_by=ITEM_ORDERS[order], offset=offset, limit=limit)
    return [_to_item(ws, row, dataset.folder) for row in rows], total


def all_items(ws: Workspace, dataset_id: int) -> list[Item]:
    """Every item of the dataset, in import order."""
    return list_items(ws, dataset_id, limit=-1)[0]


def count_labelled(ws: Workspace, dataset_id: int, *, class_column: str | None = None) -> int:
    """How many of the dataset's items have a label or a mask (or a value in the table's ``class_column``)."""
    labelled, args = _labelled_where(class_column)
    return ws.db.execute(f"SELECT count(*) FROM items WHERE dataset_id = ? AND {labelled}",
                         [dataset_id, *args]).fetchone()[0]


def get_item(ws: Workspace, item_id: int) -> Item:
    """The item ``item_id`` of a live project's dataset."""
    rows = list(ws.db["items"].rows_where("id = ?", [item_id]))
    if not rows:
        raise NotFound(f"no item with id {item_id}")
    return _to_item(ws, rows[0], get_dataset(ws, rows[0]["dataset_id"]).folder)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _snapshot(ws: Workspace, path: Path) -> str:
    """Copy a file into the content-addressed ``artifacts/`` folder (once); return its hash."""
    sha = file_sha256(path)
    target = ws.root / "artifacts" / f"{sha}{''.join(path.suffixes)}"
    if not target.exists():
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        shutil.copyfile(path, temporary)
        temporary.replace(target)
    return sha


def freeze(ws: Workspace, dataset_id: int, *, user: str) -> dict:
    """Record an immutable version: content hashes of every item and its label or mask.

    Masks change as annotators paint, so each is copied into ``artifacts/`` by content hash.
    """
    dataset = get_dataset(ws, dataset_id)
    labels_dir = ws.projects_dir / dataset.project_id / "labels"
    rows = ws.db.query(
        "SELECT i.key, i.sha256, a.label, a.mask_path, a.version FROM items i "
        "LEFT JOIN annotations a ON a.item_id = i.id WHERE i.dataset_id = ? ORDER BY i.key", [dataset_id])
    manifest = [
        {"key": row["key"], "sha256": row["sha256"], "label": row["label"], "label_version": row["version"],
         "mask_sha256": _snapshot(ws, labels_dir / row["mask_path"]) if row["mask_path"] else None}
        for row in rows
    ]
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    with ws.db.atomic():
        number = ws.db.execute(
            "SELECT coalesce(max(number), 0) + 1 FROM dataset_versions WHERE dataset_id = ?", [dataset_id]
        ).fetchone()[0]
        version = {"dataset_id": dataset_id, "number": number, "digest": digest,
                   "manifest": json.dumps(manifest), "created_at": audit.now_iso(), "created_by": user}
        ws.db["dataset_versions"].insert(version)
        audit.record(ws.db, user=user, action="dataset.freeze", target=f"dataset:{dataset_id}",
                     detail={"version": number, "digest": digest})
    return {**version, "manifest": manifest}


def list_versions(ws: Workspace, dataset_id: int) -> list[dict]:
    """The dataset's frozen versions, newest first, without their manifests."""
    get_dataset(ws, dataset_id)
    rows = ws.db["dataset_versions"].rows_where("dataset_id = ?", [dataset_id], order_by="number desc",
                                                select="dataset_id, number, digest, created_at, created_by")
    return list(rows)
