"""Projects: create from a template, list, open, move to the trash and restore.

A project is a row in ``projects`` plus a folder ``projects/<id>/`` that starts
as a copy of its template (notebook + configuration) with empty ``data/``,
``labels/`` and ``runs/`` folders. Deleting moves the folder to ``trash/``;
nothing is destroyed by one click.
"""

import json
import platform
import re
import shutil
import sqlite3
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from mass_ide.core import audit
from mass_ide.core.errors import Conflict, InvalidInput, NotFound
from mass_ide.core.templates import get_template
from mass_ide.core.workspace import Workspace

MAX_NAME_LENGTH = 80
PROJECT_SUBFOLDERS = ("data", "labels", "runs")


@dataclass(frozen=True)
class Project:
    """A live project and where its files are."""

    id: str
    name: str
    template: str
    created_at: str
    created_by: str
    folder: Path
    notebook: Path | None


def clean_name(name: object) -> str:
    """A project name trimmed and checked: 1 to 80 printable characters."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("give the project a name, e.g. 'Liver study 2026'")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"a project name has at most {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise InvalidInput("a project name cannot contain control characters")
    return name


def slugify(name: str) -> str:
    """A folder- and URL-safe id from a name: 'Liver Study #2' -> 'liver-study-2'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48].strip("-") or "project"


def _free_id(ws: Workspace, base: str) -> str:
    """``base`` or ``base-2``, ``base-3``… not used by any project, live or trashed."""
    taken = {row["id"] for row in ws.db.query("SELECT id FROM projects WHERE id LIKE ?", [f"{base}%"])}
    candidate, n = base, 1
    while candidate in taken or (ws.projects_dir / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _to_project(ws: Workspace, row: dict) -> Project:
    """A database row as a :class:`Project`."""
    folder = ws.projects_dir / row["id"]
    notebooks = sorted(folder.glob("*.ipynb"))
    return Project(
        id=row["id"],
        name=row["name"],
        template=row["template"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        folder=folder,
        notebook=notebooks[0] if notebooks else None,
    )


def _live_row(ws: Workspace, project_id: str) -> dict:
    """The live row for ``project_id`` or :class:`NotFound`."""
    rows = list(ws.db["projects"].rows_where("id = ? AND deleted_at IS NULL", [project_id]))
    if not rows:
        raise NotFound(f"no project with id {project_id!r}")
    return rows[0]


def _check_name_free(ws: Workspace, name: str) -> None:
    """:class:`Conflict` when a live project already has ``name`` (case-insensitive)."""
    clash = ws.db.execute(
        "SELECT id FROM projects WHERE lower(name) = lower(?) AND deleted_at IS NULL", [name]
    ).fetchone()
    if clash:
        raise Conflict(f"a project named {name!r} already exists (id {clash[0]!r}); pick another name")


def kernel_language_info() -> dict:
    """The ``language_info`` the Mass IDE kernel (ipykernel on this interpreter) reports when it starts."""
    return {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
            "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3", "version": platform.python_version()}


def settle_notebook(path: Path) -> None:
    """Write a copied template notebook as JupyterLab will hold it once its kernel starts (the kernel's
    ``language_info``), so that an untouched notebook opens saved, not changed."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook.setdefault("metadata", {})["language_info"] = kernel_language_info()
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def create_project(ws: Workspace, *, name: object, template: object, user: str) -> Project:
    """Create a project from ``template``: copy its folder, then record it, atomically."""
    name = clean_name(name)
    if not isinstance(template, str):
        raise InvalidInput("say which template to start from, e.g. 'liver-function'")
    source = get_template(template)
    _check_name_free(ws, name)
    project_id = _free_id(ws, slugify(name))
    staging = ws.projects_dir / f".creating-{uuid.uuid4().hex}"
    try:
        shutil.copytree(source.folder, staging, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        for sub in PROJECT_SUBFOLDERS:
            (staging / sub).mkdir(exist_ok=True)
        for notebook in staging.glob("*.ipynb"):
            settle_notebook(notebook)
        with ws.db.atomic():
            row = {
                "id": project_id,
                "name": name,
                "template": source.name,
                "created_at": audit.now_iso(),
                "created_by": user,
            }
            ws.db["projects"].insert(row)
            ws.db["project_members"].insert({"project_id": project_id, "user": user, "role": "lead",
                                             "updated_at": row["created_at"], "updated_by": user})
            audit.record(ws.db, user=user, action="project.create", target=f"project:{project_id}",
                         detail={"name": name, "template": source.name})
            staging.rename(ws.projects_dir / project_id)
    except sqlite3.IntegrityError as error:
        raise Conflict(f"a project named {name!r} was just created by someone else") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _to_project(ws, row)


def list_projects(ws: Workspace) -> list[Project]:
    """Live projects, newest first."""
    rows = ws.db["projects"].rows_where("deleted_at IS NULL", order_by="created_at desc, id")
    return [_to_project(ws, row) for row in rows]


def get_project(ws: Workspace, project_id: str) -> Project:
    """The live project ``project_id``."""
    return _to_project(ws, _live_row(ws, project_id))


def trash_project(ws: Workspace, project_id: str, *, user: str) -> Path:
    """Move a project's folder to the trash and hide it; returns where the folder went."""
    row = _live_row(ws, project_id)
    stamp = audit.now_iso().replace(":", "").replace("+0000", "Z")
    destination = ws.trash_dir / f"{project_id}-{stamp}"
    with ws.db.atomic():
        ws.db["projects"].update(project_id, {"deleted_at": audit.now_iso(), "trash_path": destination.name})
        audit.record(ws.db, user=user, action="project.trash", target=f"project:{project_id}",
                     detail={"name": row["name"], "trash": destination.name})
        source = ws.projects_dir / project_id
        if source.exists():
            source.rename(destination)
    return destination


def list_trash(ws: Workspace) -> list[dict]:
    """Trashed projects, most recently deleted first."""
    return list(ws.db["projects"].rows_where("deleted_at IS NOT NULL", order_by="deleted_at desc"))


def restore_project(ws: Workspace, project_id: str, *, user: str) -> Project:
    """Bring a trashed project back, if its name is still free."""
    rows = list(ws.db["projects"].rows_where("id = ? AND deleted_at IS NOT NULL", [project_id]))
    if not rows:
        raise NotFound(f"no project {project_id!r} in the trash")
    row = rows[0]
    _check_name_free(ws, row["name"])
    with ws.db.atomic():
        ws.db["projects"].update(project_id, {"deleted_at": None, "trash_path": None})
        audit.record(ws.db, user=user, action="project.restore", target=f"project:{project_id}")
        trashed = ws.trash_dir / (row["trash_path"] or "")
        if row["trash_path"] and trashed.exists():
            trashed.rename(ws.projects_dir / project_id)
    return get_project(ws, project_id)


def project_at(ws: Workspace, folder: str | Path = ".") -> Project:
    """The live project whose folder contains ``folder`` (a notebook's working directory)."""
    folder = Path(folder).resolve()
    try:
        project_id = folder.relative_to(ws.projects_dir).parts[0]
    except (ValueError, IndexError):
        raise NotFound(f"{folder} is not inside a project of the workspace {ws.root}") from None
    return get_project(ws, project_id)
