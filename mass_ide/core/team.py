"""Who may do what in a project: each user's role, set by a lead or given by their JupyterHub groups.

The roles, each allowed what the ones before it are: ``viewer`` (sees, changes nothing),
``annotator`` (labels and paints), ``reviewer`` (reviews others' labels), ``lead`` (imports,
trains, deploys, deletes, and sets the roles). A project's creator is its lead.

A single-user server has one person, its owner, who is lead everywhere: :class:`Team` is only
asked when several people share the server (behind JupyterHub). There a user's role is the one
a lead set for them in the project; else the highest their Hub groups give
(``MassIDEApp.team_group_roles``); else ``MassIDEApp.team_default_role`` (viewer, or none at all).
"""

from dataclasses import dataclass, field

from mass_ide.core import audit
from mass_ide.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from mass_ide.core.workspace import Workspace

ROLES = ("viewer", "annotator", "reviewer", "lead")
RANK = {role: rank for rank, role in enumerate(ROLES)}

# How a route's path names the project it acts in: the path argument, and the query from its value to the project.
PROJECT_OF = {
    "project_id": "SELECT id FROM projects WHERE id = ?",
    "dataset_id": "SELECT project_id FROM datasets WHERE id = ?",
    "item_id": "SELECT d.project_id FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = ?",
    "run_id": "SELECT project_id FROM runs WHERE id = ?",
    "study_id": "SELECT project_id FROM studies WHERE id = ?",
    "name": "SELECT project_id FROM models WHERE name = ?",
    "deployment_id": "SELECT m.project_id FROM deployments d JOIN model_versions v ON v.id = d.version_id "
                     "JOIN models m ON m.id = v.model_id WHERE d.id = ?",
}


def check_role(role: object) -> str:
    """``role`` when it is one of :data:`ROLES`, else :class:`InvalidInput`."""
    if role not in RANK:
        raise InvalidInput(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


@dataclass(frozen=True)
class Team:
    """How the roles of a shared server are decided (the server's settings)."""

    group_roles: dict[str, str] = field(default_factory=dict)  # Hub group -> its role in every project
    default_role: str | None = "viewer"  # a signed-in user's role where nothing else gives one (None: no access)

    def __post_init__(self):
        for role in [*self.group_roles.values(), *([self.default_role] if self.default_role else [])]:
            check_role(role)

    def role_of(self, ws: Workspace, project_id: str, user: str, groups=()) -> str | None:
        """``user``'s role in the project: the one set for them, else the highest of their groups', else the
        default."""
        row = ws.db.execute("SELECT role FROM project_members WHERE project_id = ? AND user = ?",
                            [project_id, user]).fetchone()
        if row:
            return row[0]
        given = [self.group_roles[group] for group in groups if group in self.group_roles]
        return max(given, key=RANK.__getitem__) if given else self.default_role

    def require(self, ws: Workspace, project_id: str, user: str, needed: str, groups=()) -> str:
        """``user``'s role when it allows what needs ``needed``; else :class:`Forbidden` naming both."""
        role = self.role_of(ws, project_id, user, groups)
        if role is None or RANK[role] < RANK[needed]:
            held = f"you are {'an' if role == 'annotator' else 'a'} {role}" if role else "you have no role in it"
            raise Forbidden(f"this needs the {needed} role in project {project_id}; {held}: ask its lead")
        return role


def check_author(role: str | None, user: str, author: str | None) -> None:
    """:class:`Forbidden` when an annotator would change a label or mask that another user made; reviewers and
    leads may change anyone's (``role`` None: a single-user server's owner)."""
    if role == "annotator" and author not in (None, user):
        raise Forbidden(f"{author} made this label: an annotator changes only their own; ask a reviewer or the "
                        "project's lead")


def project_of(ws: Workspace, path_arguments: dict[str, str]) -> str | None:
    """The project a route's path arguments name (the first that :data:`PROJECT_OF` knows), or None when they name
    none (or one that does not exist: the route answers 404 itself)."""
    for argument, query in PROJECT_OF.items():
        if argument in path_arguments:
            row = ws.db.execute(query, [path_arguments[argument]]).fetchone()
            return row[0] if row else None
    return None


def members(ws: Workspace, project_id: str) -> list[dict]:
    """The project's members with their roles, leads first."""
    rows = ws.db.execute("SELECT user, role, updated_at, updated_by FROM project_members WHERE project_id = ?",
                         [project_id]).fetchall()
    found = [{"user": user, "role": role, "updated_at": at, "updated_by": by} for user, role, at, by in rows]
    return sorted(found, key=lambda member: (-RANK[member["role"]], member["user"]))


def set_role(ws: Workspace, project_id: str, member: object, role: object, *, user: str) -> dict:
    """Give ``member`` the ``role`` in the project (audited); the member as :func:`members` lists them."""
    if not isinstance(member, str) or not member.strip():
        raise InvalidInput("say whose role this is: the user's name as JupyterHub knows it")
    member, role = member.strip(), check_role(role)
    with ws.db.atomic():
        _keep_a_lead(ws, project_id, member, role)
        ws.db["project_members"].upsert({"project_id": project_id, "user": member, "role": role,
                                         "updated_at": audit.now_iso(), "updated_by": user},
                                        pk=("project_id", "user"))
        audit.record(ws.db, user=user, action="member.role", target=f"project:{project_id}",
                     detail={"member": member, "role": role})
    return next(found for found in members(ws, project_id) if found["user"] == member)


def remove_member(ws: Workspace, project_id: str, member: str, *, user: str) -> None:
    """Take ``member``'s role away (audited); their past labels and runs stay theirs."""
    with ws.db.atomic():
        if not ws.db.execute("SELECT 1 FROM project_members WHERE project_id = ? AND user = ?",
                             [project_id, member]).fetchone():
            raise NotFound(f"{member} has no role set in project {project_id}")
        _keep_a_lead(ws, project_id, member, None)
        ws.db.execute("DELETE FROM project_members WHERE project_id = ? AND user = ?", [project_id, member])
        audit.record(ws.db, user=user, action="member.remove", target=f"project:{project_id}",
                     detail={"member": member})


def _keep_a_lead(ws: Workspace, project_id: str, member: str, role: str | None) -> None:
    """:class:`Conflict` when the change would leave the project without a lead."""
    leads = {row[0] for row in ws.db.execute(
        "SELECT user FROM project_members WHERE project_id = ? AND role = 'lead'", [project_id])}
    if leads == {member} and role != "lead":
        raise Conflict(f"{member} is the only lead of project {project_id}: make someone else lead first")
