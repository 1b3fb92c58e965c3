"""Each template notebook runs headlessly, top to bottom, inside a fresh project, beside a real Mass IDE server.

Steps 6–7 deploy the trained model: the notebook records the deployment in the store and
the Jupyter server's deployment supervisor starts its worker, so each notebook runs while
``jupyter server`` with the Mass IDE extension serves the test's workspace.
"""

import getpass
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from servers import wait_until_answering

from mass_ide.core import audit, projects
from mass_ide.core.serving import deployments
from mass_ide.core.serving.deployments import free_port
from mass_ide.core.templates import list_templates

TOKEN = "mass-ide-notebook-test"
OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "notebooks"


@pytest.fixture
def server(workspace, tmp_path):
    """``jupyter server`` with Mass IDE on the test's workspace; deployment workers it started are stopped after."""
    home = tmp_path / "jupyter-home"
    port = free_port()
    log = home / "server.log"
    home.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={workspace.root}",
         f"--MassIDEApp.workspace_dir={workspace.root}", "--allow-root"],
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime")},
        stdout=subprocess.DEVNULL, stderr=log.open("w"))
    try:
        # the deployments route answers once the extension is loaded; the server's deployment supervisor starts
        # with the first request to a deployments route (as when the Models panel opens) and ticks from then on
        wait_until_answering(f"http://127.0.0.1:{port}/mass-ide/api/deployments?token={TOKEN}", process)
        yield log
    finally:
        process.terminate()
        process.wait(timeout=30)
        for found in deployments.list_deployments(workspace):
            if found["status"] in deployments.LIVE:
                deployments.undeploy(workspace, found["id"], user="test")


def printed_text(notebook) -> str:
    """Everything the notebook's cells printed."""
    return "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))


@pytest.mark.parametrize("template", [t.name for t in list_templates()])
def test_template_notebook_runs_in_its_project_and_deploys_its_model(workspace, server, template):
    project = projects.create_project(workspace, name=f"Notebook {template}", template=template, user="ana")
    notebook = nbformat.read(project.notebook, as_version=4)
    assert notebook.metadata.kernelspec.name == "mass-ide"
    assert not any(cell.get("outputs") for cell in notebook.cells), "templates ship without outputs"
    assert "arrives with" not in notebook.cells[0].source, "the seven steps are all available"
    try:
        NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(project.folder)}}).execute()
    finally:
        print(server.read_text()[-3000:])  # the server's log, shown when the notebook fails
        OUTPUT.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, OUTPUT / f"{template}.ipynb")  # executed, with its outputs, for people to read
    printed = printed_text(notebook)
    assert f"Project 'Notebook {template}' (id {project.id})" in printed
    assert "training device: cpu" in printed or "training device: cuda" in printed
    assert "project.create" in printed
    assert "dataset 1:" in printed and "version 1:" in printed
    assert "completed: best val/" in printed
    assert "version 1 from run" in printed and "aliases: staging" in printed
    [deployment] = deployments.list_deployments(workspace, project.id)
    assert f"deployment {deployment['id']} of " in printed and " is running: POST mass-ide/api/deployments/" in printed
    assert "prediction " in printed and "evaluation of " in printed
    assert deployment["status"] == "running" and deployment["requests"] >= 1
    kept = audit.events(workspace.db, target=f"deployment:{deployment['id']}", limit=1000)
    made = [event for event in kept if event["action"] == "prediction"]
    assert made and made[0]["user"] == getpass.getuser() and made[0]["detail"]["version"] == 1
    assert len(made[0]["detail"]["input_sha256"]) == 64 and made[0]["detail"]["output"]
    assert any(event["action"] == "deployment.evaluate" for event in kept)
