"""The server's prediction limit (MassIDEApp.max_predict_bytes) holds at the server and at its deployment workers."""

import json

import pytest

from mass_ide.core.serving import deployments
from tests.test_server_deploy import deploy, post_json
from tests.test_serving import post_status

LIMIT = 50_000


@pytest.fixture
def jp_server_config():
    """Mass IDE with a small prediction limit."""
    return {"ServerApp": {"jpserver_extensions": {"mass_ide": True}}, "MassIDEApp": {"max_predict_bytes": LIMIT}}


async def test_the_predict_limit_is_the_servers_and_its_workers(served_labs, jp_fetch, jp_serverapp):
    workspace = jp_serverapp.web_app.settings["mass_ide_workspace"]
    _, version = served_labs.found_in(workspace)
    deployment = await deploy(jp_fetch, version)
    code, refused = await post_json(jp_fetch, deployment["url"], body={"records": [], "padding": "x" * LIMIT})
    assert code == 413 and "max_predict_bytes" in refused["message"]
    live = deployments.get_deployment(workspace, deployment["id"])
    assert post_status(live, json.dumps({"records": []}).encode()) == 400  # the worker reads what is under the limit
    assert post_status(live, b" " * (LIMIT + 1)) == 413  # and refuses more, as the server does
