"""Roles in a project: who a user is there (set by a lead, from Hub groups, or the default), what that allows."""

import pytest

from mass_ide.core import audit, projects, team
from mass_ide.core.data import datasets
from mass_ide.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from mass_ide.core.store import open_store


@pytest.fixture
def project(workspace):
    return projects.create_project(workspace, name="Liver", template="liver-function", user="lee")


def test_the_creator_leads_and_a_lead_sets_roles_that_come_before_groups_and_the_default(workspace, project):
    shared = team.Team(group_roles={"radiologists": "reviewer", "residents": "annotator"}, default_role="viewer")
    assert shared.role_of(workspace, project.id, "lee") == "lead"
    assert shared.role_of(workspace, project.id, "kim") == "viewer"
    assert shared.role_of(workspace, project.id, "kim", groups=["residents", "radiologists"]) == "reviewer"
    assert team.set_role(workspace, project.id, " kim ", "annotator", user="lee")["role"] == "annotator"
    assert shared.role_of(workspace, project.id, "kim", groups=["radiologists"]) == "annotator"
    assert [(m["user"], m["role"]) for m in team.members(workspace, project.id)] == [("lee", "lead"),
                                                                                     ("kim", "annotator")]
    team.remove_member(workspace, project.id, "kim", user="lee")
    assert shared.role_of(workspace, project.id, "kim") == "viewer"
    actions = [(e["action"], e["detail"]) for e in audit.events(workspace.db, target=f"project:{project.id}")]
    assert ("member.role", {"member": "kim", "role": "annotator"}) in actions
    assert ("member.remove", {"member": "kim"}) in actions
    assert team.Team(default_role=None).role_of(workspace, project.id, "kim") is None


def test_require_names_the_role_needed_and_the_one_held(workspace, project):
    shared = team.Team()
    team.set_role(workspace, project.id, "ana", "annotator", user="lee")
    assert shared.require(workspace, project.id, "ana", "annotator") == "annotator"
    with pytest.raises(Forbidden, match="needs the lead role in project liver; you are an annotator"):
        shared.require(workspace, project.id, "ana", "lead")
    with pytest.raises(Forbidden, match="needs the viewer role in project liver; you have no role in it"):
        team.Team(default_role=None).require(workspace, project.id, "stranger", "viewer")


def test_a_project_always_keeps_a_lead_and_roles_are_checked(workspace, project):
    with pytest.raises(Conflict, match="only lead"):
        team.set_role(workspace, project.id, "lee", "reviewer", user="lee")
    with pytest.raises(Conflict, match="only lead"):
        team.remove_member(workspace, project.id, "lee", user="lee")
    team.set_role(workspace, project.id, "kim", "lead", user="lee")
    team.set_role(workspace, project.id, "lee", "reviewer", user="lee")  # another lead now
    with pytest.raises(InvalidInput, match="one of viewer, annotator, reviewer, lead"):
        team.set_role(workspace, project.id, "ana", "admin", user="kim")
    with pytest.raises(InvalidInput, match="the role must be one of"):
        team.Team(group_roles={"everyone": "owner"})
    with pytest.raises(NotFound):
        team.remove_member(workspace, project.id, "nobody", user="kim")


def test_an_annotator_changes_only_their_own_labels():
    team.check_author("annotator", "ana", None)  # unlabelled
    team.check_author("annotator", "ana", "ana")
    team.check_author("reviewer", "kim", "ana")
    team.check_author(None, "owner", "ana")  # a single-user server
    with pytest.raises(Forbidden, match="ana made this label: an annotator changes only their own"):
        team.check_author("annotator", "bo", "ana")


def test_a_routes_path_names_its_project(workspace, project, tmp_path):
    table = tmp_path / "labs.csv"
    table.write_text("bilirubin,stage\n1.2,2\n0.8,1\n")
    dataset = datasets.import_dataset(workspace, project.id, source=table, user="lee")
    item = datasets.all_items(workspace, dataset.id)[0]
    for arguments in ({"project_id": project.id}, {"dataset_id": str(dataset.id)}, {"item_id": str(item.id)}):
        assert team.project_of(workspace, arguments) == project.id
    assert team.project_of(workspace, {"dataset_id": "999"}) is None
    assert team.project_of(workspace, {"node": "pacs"}) is None


def test_projects_made_before_roles_are_led_by_their_creators(tmp_path):
    path = tmp_path / "old.db"
    db = open_store(path)
    db["project_members"].drop()
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_project_members'")
    db["projects"].insert({"id": "old", "name": "Old", "template": "liver-function", "created_at": audit.now_iso(),
                           "created_by": "grey"})
    db.conn.close()
    migrated = open_store(path)
    assert list(migrated.query("SELECT project_id, user, role FROM project_members")) == [
        {"project_id": "old", "user": "grey", "role": "lead"}]
