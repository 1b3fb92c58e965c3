"""The demo workspace: one project per template, with its sample data, so a first start is not empty."""

from mass_ide.core.projects import Project, create_project, list_projects
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.templates import list_templates
from mass_ide.core.workspace import Workspace


def seed_demo(ws: Workspace, *, user: str) -> list[Project]:
    """Create '<template title> demo' projects with sample data in an empty workspace; leave others alone."""
    if list_projects(ws):
        return []
    created = []
    for template in list_templates():
        project = create_project(ws, name=f"{template.title} demo", template=template.name, user=user)
        add_sample_data(ws, project.id, user=user)
        created.append(project)
    return created
