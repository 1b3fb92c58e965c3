"""Projects from templates: create, list, trash, restore, and the errors a user can hit."""

import json
import platform

import pytest

from mass_ide.core import audit, projects
from mass_ide.core.errors import Conflict, InvalidInput, NotFound
from mass_ide.core.samples.demo import seed_demo
from mass_ide.core.templates import get_template, list_templates
from mass_ide.core.workspace import Workspace


def test_three_templates_in_launcher_order():
    assert [t.title for t in list_templates()] == [
        "Liver function prediction",
        "Liver segmentation",
        "Cancer prediction",
    ]
    for template in list_templates():
        assert (template.folder / template.notebook).is_file()
        assert json.loads((template.folder / "config.json").read_text())["task"] == template.task


def test_create_copies_template_and_records_who(workspace):
    project = projects.create_project(workspace, name="  Liver   study ", template="liver-function", user="ana")
    assert (project.id, project.name, project.created_by) == ("liver-study", "Liver study", "ana")
    assert project.notebook == project.folder / "liver_function.ipynb"
    assert (project.folder / "config.json").read_bytes() == (
        get_template("liver-function").folder / "config.json"
    ).read_bytes()
    assert all((project.folder / sub).is_dir() for sub in ("data", "labels", "runs"))
    copied = json.loads(project.notebook.read_text(encoding="utf-8"))  # as JupyterLab holds it once the kernel runs
    template = json.loads((get_template("liver-function").folder / "liver_function.ipynb").read_text(encoding="utf-8"))
    assert copied["metadata"]["language_info"]["version"] == platform.python_version()
    assert copied["cells"] == template["cells"]
    [event] = audit.events(workspace.db, target="project:liver-study")
    assert (event["user"], event["action"], event["detail"]["template"]) == ("ana", "project.create", "liver-function")


def test_list_and_get(workspace):
    first = projects.create_project(workspace, name="One", template="liver-function", user="ana")
    second = projects.create_project(workspace, name="Two", template="cancer-prediction", user="ana")
    assert {p.id for p in projects.list_projects(workspace)} == {first.id, second.id}
    assert projects.get_project(workspace, "two").template == "cancer-prediction"
    with pytest.raises(NotFound, match="no project"):
        projects.get_project(workspace, "three")


def test_same_name_in_any_case_conflicts_and_leaves_nothing_behind(workspace):
    projects.create_project(workspace, name="Liver study", template="liver-function", user="ana")
    with pytest.raises(Conflict, match="already exists"):
        projects.create_project(workspace, name="LIVER STUDY", template="cancer-prediction", user="ben")
    assert sorted(p.name for p in workspace.projects_dir.iterdir()) == ["liver-study"]


@pytest.mark.parametrize(
    ("name", "template", "message"),
    [
        ("", "liver-function", "give the project a name"),
        ("   ", "liver-function", "give the project a name"),
        (None, "liver-function", "give the project a name"),
        ("x" * 81, "liver-function", "at most 80"),
        ("bad\x00name", "liver-function", "control characters"),
        ("Fine", "brain-tumour", "unknown template 'brain-tumour'; choose one of: liver-function"),
        ("Fine", None, "say which template"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(workspace, name, template, message):
    with pytest.raises(InvalidInput, match=message):
        projects.create_project(workspace, name=name, template=template, user="ana")
    assert list(workspace.projects_dir.iterdir()) == []


def test_ids_are_unique_slugs_even_for_names_that_slug_alike(workspace):
    a = projects.create_project(workspace, name="Liver study!", template="liver-function", user="ana")
    b = projects.create_project(workspace, name="Liver study?", template="liver-function", user="ana")
    c = projects.create_project(workspace, name="Ärztliche Studie", template="liver-function", user="ana")
    d = projects.create_project(workspace, name="肝臓", template="liver-function", user="ana")
    assert (a.id, b.id, c.id, d.id) == ("liver-study", "liver-study-2", "arztliche-studie", "project")


def test_failed_database_write_leaves_no_folder_and_no_row(workspace, monkeypatch):
    def broken_record(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken_record)
    with pytest.raises(RuntimeError, match="disk full"):
        projects.create_project(workspace, name="Doomed", template="liver-function", user="ana")
    assert list(workspace.projects_dir.iterdir()) == []
    assert workspace.db["projects"].count == 0


def test_trash_moves_the_folder_and_restore_brings_it_back(workspace):
    project = projects.create_project(workspace, name="Liver study", template="liver-function", user="ana")
    (project.folder / "data" / "labs.csv").write_text("bili\n1.2\n")
    trashed = projects.trash_project(workspace, project.id, user="ben")
    assert not project.folder.exists()
    assert (trashed / "data" / "labs.csv").read_text() == "bili\n1.2\n"
    assert projects.list_projects(workspace) == []
    assert [row["id"] for row in projects.list_trash(workspace)] == ["liver-study"]
    restored = projects.restore_project(workspace, project.id, user="ben")
    assert (restored.folder / "data" / "labs.csv").exists()
    actions = [e["action"] for e in audit.events(workspace.db, target="project:liver-study")]
    assert actions == ["project.restore", "project.trash", "project.create"]


def test_a_trashed_name_is_free_again_but_its_id_is_not(workspace):
    projects.create_project(workspace, name="Liver study", template="liver-function", user="ana")
    projects.trash_project(workspace, "liver-study", user="ana")
    again = projects.create_project(workspace, name="Liver study", template="liver-function", user="ana")
    assert again.id == "liver-study-2"
    with pytest.raises(Conflict):
        projects.restore_project(workspace, "liver-study", user="ana")
    with pytest.raises(NotFound):
        projects.trash_project(workspace, "liver-study", user="ana")


def test_project_at_finds_the_project_of_a_notebook_folder(workspace):
    project = projects.create_project(workspace, name="Seg", template="liver-segmentation", user="ana")
    reopened = Workspace.find(project.folder / "data")
    assert reopened.root == workspace.root
    assert projects.project_at(reopened, project.folder / "data").id == "seg"
    with pytest.raises(NotFound, match="not inside a project"):
        projects.project_at(reopened, workspace.root)
    reopened.close()


def test_seed_demo_fills_only_an_empty_workspace(workspace):
    created = seed_demo(workspace, user="demo")
    assert [p.name for p in created] == [
        "Liver function prediction demo",
        "Liver segmentation demo",
        "Cancer prediction demo",
    ]
    assert seed_demo(workspace, user="demo") == []
