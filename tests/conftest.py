"""Shared fixtures: a temporary workspace for core tests, a Jupyter server for server tests."""

import pytest

from mass_ide.core.workspace import Workspace

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def workspace(tmp_path):
    """A fresh workspace in a temporary folder."""
    ws = Workspace.open(tmp_path / "workspace")
    yield ws
    ws.close()


@pytest.fixture
def jp_server_config():
    """Load only the Mass IDE extension; its workspace is the default, inside the server root."""
    return {"ServerApp": {"jpserver_extensions": {"mass_ide": True}}}
