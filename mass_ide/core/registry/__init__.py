"""The model registry: models, numbered versions, aliases and lineage in SQLite; artifacts on disk.

A version's files form a MONAI bundle in a content-addressed folder
``artifacts/models/<sha256 of models/model.pt>/`` (:mod:`~mass_ide.core.registry.bundle` draws it;
:mod:`~mass_ide.core.registry.model_file` is the model file's format, :mod:`~mass_ide.core.registry.card`
the model card). This module stores and finds them, like MLflow's registry store. Weights are only ever read with ``torch.load(weights_only=True)``: a file that
would run code when unpickled is refused, never executed. Deleting a version is
soft (``deleted_at``); restoring brings it back. Importing this module imports
no torch.
"""

import json
import re
from pathlib import Path

from mass_ide import __version__
from mass_ide.core import audit
from mass_ide.core.errors import Conflict, InvalidInput, NotFound
from mass_ide.core.projects import get_project, slugify
from mass_ide.core.registry.bundle import (
    CARD_FILE,
    MODEL_FILE,
    bundle_files,
    package_versions,
    place_bundle,
    read_report,
    save_model_file,
    write_docs,
)
from mass_ide.core.registry.model_file import (
    check_weights,
    model_file_state,
    read_model_file,
)
from mass_ide.core.templates import get_template
from mass_ide.core.workspace import Workspace

MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
ALIAS_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
RESERVED_ALIASES = {"latest"}
LIVE_DEPLOYMENTS = ("starting", "running")


# -- names ----------------------------------------------------------------------------------------

def models_dir(ws: Workspace) -> Path:
    """Where version bundles live: ``artifacts/models/``."""
    return ws.root / "artifacts" / "models"


def check_model_name(name: object) -> str:
    """A model name: 1–64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit."""
    if not isinstance(name, str) or not MODEL_NAME.match(name):
        raise InvalidInput(f"a model name has 1 to 64 lowercase letters, digits, '.', '_' or '-' "
                           f"and starts with a letter or digit, e.g. 'liver-study'; got {name!r}")
    return name


def check_alias(alias: object) -> str:
    """An alias: a lowercase word such as 'staging' or 'production' ('latest' is taken)."""
    if not isinstance(alias, str) or not ALIAS_NAME.match(alias):
        raise InvalidInput(f"an alias is a lowercase word of up to 32 letters, digits, '_' or '-' starting with a "
                           f"letter, e.g. 'production'; got {alias!r}")
    if alias in RESERVED_ALIASES:
        raise InvalidInput(f"{alias!r} is reserved: it always means the newest live version")
    return alias


# -- reading --------------------------------------------------------------------------------------

def _model_row(ws: Workspace, name: str) -> dict:
    """The live model called ``name`` or NotFound."""
    rows = list(ws.db["models"].rows_where("name = ? AND deleted_at IS NULL", [name]))
    if not rows:
        raise NotFound(f"no model named {name!r}; see the registered models with GET models or mass-ide models list")
    return rows[0]


def _aliases(ws: Workspace, model_id: int) -> dict[str, int]:
    """The model's aliases: alias → version number."""
    rows = ws.db.query("SELECT a.alias, v.number FROM model_aliases a JOIN model_versions v ON v.id = a.version_id "
                       "WHERE a.model_id = ? ORDER BY a.alias", [model_id])
    return {row["alias"]: row["number"] for row in rows}


def _newest_live(ws: Workspace, model_id: int) -> dict | None:
    """The model's newest version that is not deleted."""
    rows = list(ws.db["model_versions"].rows_where("model_id = ? AND deleted_at IS NULL", [model_id],
                                                   order_by="number desc", limit=1))
    return rows[0] if rows else None


def _version_row(ws: Workspace, model: dict, ref: object) -> dict:
    """The version ``ref`` names: a number, ``@alias``, or None / 'latest' for the newest live one."""
    ref = "latest" if ref is None else str(ref).strip()
    if ref == "latest":
        row = _newest_live(ws, model["id"])
        if row is None:
            raise NotFound(f"model {model['name']!r} has no live version; restore one or register a run")
        return row
    if ref.startswith("@"):
        found = ws.db.execute("SELECT version_id FROM model_aliases WHERE model_id = ? AND alias = ?",
                              [model["id"], ref[1:]]).fetchone()
        if not found:
            raise NotFound(f"model {model['name']!r} has no alias {ref[1:]!r}")
        return ws.db["model_versions"].get(found[0])
    if not ref.isdigit():
        raise InvalidInput(f"a version is a number, '@alias' or 'latest', not {ref!r}")
    rows = list(ws.db["model_versions"].rows_where("model_id = ? AND number = ?", [model["id"], int(ref)]))
    if not rows:
        raise NotFound(f"model {model['name']!r} has no version {ref}")
    return rows[0]


def _lineage(row: dict) -> dict:
    """Where a version comes from, as stored on its row."""
    config = json.loads(row["config"]) if row["config"] else None
    return {"run_id": row["run_id"], "dataset_id": row["dataset_id"], "dataset_version": row["dataset_version"],
            "dataset_digest": row["dataset_digest"], "config": config, "package_version": row["package_version"],
            "created_by": row["created_by"], "created_at": row["created_at"]}


def _summary(row: dict, aliases: dict[str, int]) -> dict:
    """A version as the versions list shows it."""
    return {"number": row["number"], "run_id": row["run_id"],
            "metrics": json.loads(row["metrics"]) if row["metrics"] else {},
            "aliases": sorted(alias for alias, number in aliases.items() if number == row["number"]),
            "created_at": row["created_at"], "created_by": row["created_by"], "deleted_at": row["deleted_at"]}


def _version(ws: Workspace, model: dict, row: dict) -> dict:
    """A version with its bundle's paths, lineage, signature, aliases, model card and last export report."""
    folder = ws.root / row["folder"]
    card = folder / CARD_FILE
    return {**_summary(row, _aliases(ws, model["id"])), "id": row["id"], "model": model["name"],
            "project_id": model["project_id"], "task": model["task"], "digest": row["digest"],
            "folder": folder, "model_file": folder / MODEL_FILE, "signature": json.loads(row["signature"]),
            "lineage": _lineage(row), "card": card.read_text(encoding="utf-8") if card.exists() else "",
            "artifacts": bundle_files(folder), "export": _export_report(ws, folder)}


def _export_report(ws: Workspace, folder: Path) -> dict | None:
    """The bundle's last export report (TorchScript and ONNX with their parity), or None before any export."""
    report = read_report(folder)
    return {**report, "bundle": folder.relative_to(ws.root).as_posix()} if report else None


def get_version(ws: Workspace, name: str, ref: object = None) -> dict:
    """Version ``ref`` of model ``name``: ``3``, ``"3"``, ``"@production"``, or None / ``"latest"``."""
    model = _model_row(ws, name)
    return _version(ws, model, _version_row(ws, model, ref))


def version_by_id(ws: Workspace, version_id: int) -> dict:
    """A version by its row id (deployments and suggestions keep that id)."""
    row = ws.db.execute("SELECT model_id FROM model_versions WHERE id = ?", [version_id]).fetchone()
    if not row:
        raise NotFound(f"no model version with id {version_id}")
    model = ws.db["models"].get(row[0])
    return _version(ws, model, ws.db["model_versions"].get(version_id))


def _model_summary(ws: Workspace, model: dict) -> dict:
    """A model as the model list shows it."""
    newest = _newest_live(ws, model["id"])
    count = ws.db.execute("SELECT count(*) FROM model_versions WHERE model_id = ? AND deleted_at IS NULL",
                          [model["id"]]).fetchone()[0]
    return {"name": model["name"], "project_id": model["project_id"], "task": model["task"],
            "description": model["description"], "created_at": model["created_at"],
            "created_by": model["created_by"], "latest_version": newest["number"] if newest else None,
            "aliases": _aliases(ws, model["id"]), "version_count": count}


def list_models(ws: Workspace, project_id: str | None = None) -> list[dict]:
    """Registered models of live projects (of one project when given), by name."""
    if project_id is not None:
        get_project(ws, project_id)
    query = ("SELECT m.* FROM models m JOIN projects p ON p.id = m.project_id WHERE m.deleted_at IS NULL "
             "AND p.deleted_at IS NULL" + (" AND m.project_id = ?" if project_id else "") + " ORDER BY m.name")
    return [_model_summary(ws, model) for model in ws.db.query(query, [project_id] if project_id else [])]


def get_model(ws: Workspace, name: str) -> dict:
    """A model with every version, newest first, deleted ones included (with ``deleted_at``)."""
    model = _model_row(ws, name)
    aliases = _aliases(ws, model["id"])
    rows = ws.db["model_versions"].rows_where("model_id = ?", [model["id"]], order_by="number desc")
    return {**_model_summary(ws, model), "versions": [_summary(row, aliases) for row in rows]}


def latest_version(ws: Workspace, project_id: str) -> dict | None:
    """The newest live version of any model of the project (what pre-labelling uses), or None."""
    row = ws.db.execute("SELECT v.id FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.project_id = ? "
                        "AND m.deleted_at IS NULL AND v.deleted_at IS NULL ORDER BY v.created_at DESC, v.id DESC "
                        "LIMIT 1", [project_id]).fetchone()
    return version_by_id(ws, row[0]) if row else None


# -- registering ----------------------------------------------------------------------------------

def load_model_state(path: Path) -> tuple[dict, dict]:
    """A model file's stripped state and signature, read without executing code (InvalidInput otherwise)."""
    state = model_file_state(read_model_file(path))
    return state, check_weights(state, name=path.name)


def _check_new_digest(ws: Workspace, digest: str) -> None:
    """Conflict when these exact weights are already a version (deleted ones included)."""
    row = ws.db.execute("SELECT m.name, v.number, v.deleted_at FROM model_versions v JOIN models m ON m.id = v.model_id "
                        "WHERE v.digest = ?", [digest]).fetchone()
    if row:
        hint = f"; restore it with mass-ide models restore {row[0]} {row[1]}" if row[2] else ""
        raise Conflict(f"these weights are already version {row[1]} of model {row[0]!r}{hint}")


def _model_for(ws: Workspace, *, name: str, project_id: str, task: str, user: str) -> dict:
    """The model called ``name`` of this project and task, created when new (inside the caller's transaction)."""
    rows = list(ws.db["models"].rows_where("name = ?", [name]))
    if rows:
        model = rows[0]
        if model["project_id"] != project_id:
            raise Conflict(f"the model name {name!r} is taken by project {model['project_id']!r}; choose another name")
        if model["task"] != task:
            raise Conflict(f"model {name!r} is a {model['task']} model; a {task} model needs another name")
        return model
    model_id = ws.db["models"].insert({"name": name, "project_id": project_id, "task": task, "description": None,
                                       "created_at": audit.now_iso(), "created_by": user}).last_pk
    audit.record(ws.db, user=user, action="model.create", target=f"model:{name}", detail={"project": project_id})
    return ws.db["models"].get(model_id)


def default_model_name(ws: Workspace, project_id: str) -> str:
    """The project's model name: its name as a slug (its id when another project's model has that name)."""
    project = get_project(ws, project_id)
    for candidate in (slugify(project.name), project.id):
        owner = ws.db.execute("SELECT project_id FROM models WHERE name = ?", [candidate]).fetchone()
        if owner is None or owner[0] == project_id:
            return candidate
    return project.id


def _intended_use(ws: Workspace, project_id: str) -> str:
    """The intended use from the project's template."""
    template = get_template(get_project(ws, project_id).template)
    return f"{template.title}: {template.description}"


def register(ws: Workspace, state: dict, signature: dict, *, name: str, project_id: str, user: str,
              record: dict, data: dict) -> dict:
    """Store a version: the bundle in its content-addressed folder and its rows, in one transaction.

    ``record``: the version row's lineage fields (run, dataset, config, metrics).
    """
    packages = package_versions()
    intended_use = _intended_use(ws, project_id)
    with ws.scratch("model") as staging:
        digest = save_model_file(state, staging)
        with ws.db.atomic():
            _check_new_digest(ws, digest)
            model = _model_for(ws, name=name, project_id=project_id, task=signature["task"], user=user)
            number = ws.db.execute("SELECT coalesce(max(number), 0) + 1 FROM model_versions WHERE model_id = ?",
                                   [model["id"]]).fetchone()[0]
            folder = models_dir(ws) / digest
            row = {"model_id": model["id"], "number": number, "digest": digest,
                   "folder": folder.relative_to(ws.root).as_posix(), "signature": json.dumps(signature),
                   "package_version": __version__, "created_at": audit.now_iso(), "created_by": user,
                   **record, "metrics": json.dumps(record["metrics"]), "config": json.dumps(record["config"])}
            version_id = ws.db["model_versions"].insert(row).last_pk
            lineage = _lineage(row)
            write_docs(staging, name=name, number=number, digest=digest, signature=signature, lineage=lineage,
                        metrics=record["metrics"], intended_use=intended_use, data=data, packages=packages)
            audit.record(ws.db, user=user, action="model.register", target=f"model:{name}",
                         detail={"version": number, "run": record["run_id"], "digest": digest,
                                 "source": data.get("source", "run")})
            place_bundle(staging, folder)
    return version_by_id(ws, version_id)


def import_model_file(ws: Workspace, path: str | Path, *, name: str, user: str, project_id: str | None = None) -> dict:
    """Register a model file from disk as a new version of ``name``; files that need code to load are refused.

    The file is read with ``torch.load(weights_only=True)`` only: a pickle that would
    run code is refused with InvalidInput, never unpickled. A new model needs ``project_id``.
    """
    path, name = Path(path), check_model_name(name)
    if path.is_file():  # a missing file is named by the loader
        with path.open("rb") as file:
            start = file.read(4)
        if not start:
            raise InvalidInput(f"{path.name}: the uploaded model file is empty (0 bytes); save the model again "
                               "and upload the .pt file")
        if not start.startswith(b"PK\x03\x04") and start[:1] != b"\x80":  # torch.save writes a zip, or a pickle
            raise InvalidInput(f"{path.name} is not a PyTorch model file (neither a torch.save zip nor a pickle); "
                               "upload the .pt file Mass IDE exported, or a torch.save of its weights and metadata")
    owner = ws.db.execute("SELECT project_id FROM models WHERE name = ?", [name]).fetchone()
    project_id = project_id or (owner[0] if owner else None)
    if project_id is None:
        raise InvalidInput(f"model {name!r} is new: say which project it belongs to (?project=ID, --project ID)")
    get_project(ws, project_id)
    state, signature = load_model_state(path)
    meta = state["meta"]
    record = {"run_id": None, "dataset_id": None, "dataset_version": None, "dataset_digest": meta.get("dataset_digest"),
              "config": meta.get("config"), "metrics": {}}
    return register(ws, state, signature, name=name, project_id=project_id, user=user, record=record,
                     data={"source": path.name})


# -- aliases and soft deletion --------------------------------------------------------------------

def set_alias(ws: Workspace, name: str, ref: object, alias: str, *, user: str) -> dict:
    """Point ``alias`` (staging, production…) of model ``name`` at version ``ref``, moving it if it was elsewhere."""
    alias = check_alias(alias)
    model = _model_row(ws, name)
    with ws.db.atomic():
        row = _version_row(ws, model, ref)
        if row["deleted_at"]:
            raise Conflict(f"version {row['number']} of {name!r} is deleted; restore it before giving it an alias")
        ws.db["model_aliases"].upsert({"model_id": model["id"], "alias": alias, "version_id": row["id"],
                                       "updated_at": audit.now_iso(), "updated_by": user}, pk=("model_id", "alias"))
        audit.record(ws.db, user=user, action="model.alias", target=f"model:{name}",
                     detail={"alias": alias, "version": row["number"]})
    return get_version(ws, name, row["number"])


def remove_alias(ws: Workspace, name: str, alias: str, *, user: str) -> dict:
    """Remove an alias of model ``name``; the model summary afterwards."""
    model = _model_row(ws, name)
    with ws.db.atomic():
        found = ws.db.execute("SELECT v.number FROM model_aliases a JOIN model_versions v ON v.id = a.version_id "
                              "WHERE a.model_id = ? AND a.alias = ?", [model["id"], alias]).fetchone()
        if not found:
            raise NotFound(f"model {name!r} has no alias {alias!r}")
        ws.db.execute("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?", [model["id"], alias])
        audit.record(ws.db, user=user, action="model.unalias", target=f"model:{name}",
                     detail={"alias": alias, "version": found[0]})
    return _model_summary(ws, model)


def _check_deletable(ws: Workspace, name: str, row: dict) -> None:
    """Conflict when the version still carries an alias or serves a live deployment."""
    aliases = [r[0] for r in ws.db.execute("SELECT alias FROM model_aliases WHERE version_id = ?", [row["id"]])]
    if aliases:
        raise Conflict(f"version {row['number']} of {name!r} is {', '.join(aliases)}; move or remove the alias first")
    marks = ", ".join("?" for _ in LIVE_DEPLOYMENTS)
    deployed = ws.db.execute(f"SELECT id FROM deployments WHERE version_id = ? AND status IN ({marks})",
                             [row["id"], *LIVE_DEPLOYMENTS]).fetchone()
    if deployed:
        raise Conflict(f"version {row['number']} of {name!r} is deployed (deployment {deployed[0]}); undeploy it first")


def delete_version(ws: Workspace, name: str, ref: object, *, user: str) -> dict:
    """Soft-delete a version: hidden from 'latest' and new deployments, files kept, restorable."""
    model = _model_row(ws, name)
    with ws.db.atomic():
        row = _version_row(ws, model, ref)
        if row["deleted_at"]:
            raise Conflict(f"version {row['number']} of {name!r} is already deleted")
        _check_deletable(ws, name, row)
        ws.db["model_versions"].update(row["id"], {"deleted_at": audit.now_iso()})
        audit.record(ws.db, user=user, action="model.delete", target=f"model:{name}", detail={"version": row["number"]})
    return get_version(ws, name, row["number"])


def restore_version(ws: Workspace, name: str, ref: object, *, user: str) -> dict:
    """Bring back a soft-deleted version."""
    model = _model_row(ws, name)
    with ws.db.atomic():
        row = _version_row(ws, model, ref)
        if not row["deleted_at"]:
            raise Conflict(f"version {row['number']} of {name!r} is not deleted")
        ws.db["model_versions"].update(row["id"], {"deleted_at": None})
        audit.record(ws.db, user=user, action="model.restore", target=f"model:{name}", detail={"version": row["number"]})
    return get_version(ws, name, row["number"])


