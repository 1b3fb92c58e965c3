"""Each template notebook runs headlessly, top to bottom, inside a fresh project."""

import nbformat
import pytest
from nbclient import NotebookClient

from mass_ide.core import projects
from mass_ide.core.templates import list_templates


@pytest.mark.parametrize("template", [t.name for t in list_templates()])
def test_template_notebook_runs_in_its_project(workspace, template):
    project = projects.create_project(workspace, name=f"Notebook {template}", template=template, user="ana")
    notebook = nbformat.read(project.notebook, as_version=4)
    assert notebook.metadata.kernelspec.name == "mass-ide"
    assert not any(cell.get("outputs") for cell in notebook.cells), "templates ship without outputs"
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(project.folder)}}).execute()
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert f"Project 'Notebook {template}' (id {project.id})" in printed
    assert "training device: cpu" in printed or "training device: cuda" in printed
    assert "project.create" in printed
    assert "dataset 1:" in printed and "version 1:" in printed
    assert "completed: best val/" in printed
