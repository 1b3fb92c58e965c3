"""The demo workspace: one project per template, so a first start is not empty."""

from mass_ide.core.projects import Project, create_project, list_projects
from mass_ide.core.templates import list_templates
from mass_ide.core.workspace import Workspace


def seed_demo(ws: Workspace, *, user: str) -> list[Project]:
    """Create '<template title> demo' projects in an empty workspace; leave others alone."""
    if list_projects(ws):
        return []
    return [
        create_project(ws, name=f"{template.title} demo", template=template.name, user=user)
        for template in list_templates()
    ]
