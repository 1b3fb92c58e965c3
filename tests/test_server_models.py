"""The model registry over REST: list, register, versions, aliases, soft delete, restore and bundle download."""

import asyncio
import io
import json
import pickle
import shutil
import zipfile

import pytest
import torch
from tornado.httpclient import HTTPClientError

from mass_ide.core import projects, registry, runs
from mass_ide.core.runs import worker
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.workspace import Workspace
from tests.test_registry import PlantsAMarker

API = "mass-ide/api"
FAST = {"epochs": 2, "device": "cpu"}


@pytest.fixture(scope="module")
def trained_labs_runs(tmp_path_factory):
    """A closed workspace with a liver-function project and two completed runs, made once for the module.

    The first registered itself as version 1 of model 'labs'; the second opted out (``"register": false``).
    """
    root = tmp_path_factory.mktemp("labs") / "mass-workspace"
    workspace = Workspace.open(root)
    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    [table] = add_sample_data(workspace, "labs", user="ana")
    registered = worker.train_in_process(workspace, "labs", dataset_id=table.id, user="ana", overrides=FAST)
    opted_out = worker.train_in_process(workspace, "labs", dataset_id=table.id, user="ana",
                                        overrides={**FAST, "seed": 1, "register": False})
    workspace.close()
    return root, registered["id"], opted_out["id"]


@pytest.fixture
def labs(trained_labs_runs, jp_root_dir, request):
    """A copy of ``trained_labs_runs`` as the running server's workspace: (workspace, first run id, second run id).

    It is copied where the server opens its workspace (``mass-workspace`` in its root) before the server starts.
    """
    root, registered, opted_out = trained_labs_runs
    shutil.copytree(root, jp_root_dir / "mass-workspace")  # fails if the server has made its workspace already
    workspace = request.getfixturevalue("jp_serverapp").web_app.settings["mass_ide_workspace"]
    return workspace, registered, opted_out


async def call(jp_fetch, *parts, method="GET", body=None, **kwargs):
    """One API call: (response, decoded JSON or None)."""
    if not isinstance(body, bytes):
        body = json.dumps(body) if body is not None else "" if method in ("POST", "PUT") else None
    response = await jp_fetch(API, *parts, method=method, body=body, **kwargs)
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    return response, json.loads(response.body) if is_json and response.body else None


async def refused(jp_fetch, status, *parts, method="GET", body=None, **kwargs):
    """Call a route that must fail with ``status``; its message."""
    with pytest.raises(HTTPClientError) as caught:
        await call(jp_fetch, *parts, method=method, body=body, **kwargs)
    assert caught.value.code == status, caught.value.response.body
    return json.loads(caught.value.response.body)["message"]


async def test_models_list_detail_version_and_download(labs, jp_fetch):
    _, first, _ = labs
    _, listed = await call(jp_fetch, "models", params={"project": "labs"})
    assert listed == {"models": [{"name": "labs", "project_id": "labs", "task": "tabular-classification",
                                  "description": None, "created_at": listed["models"][0]["created_at"],
                                  "created_by": "ana", "latest_version": 1, "aliases": {}, "version_count": 1}]}
    _, detail = await call(jp_fetch, "models", "labs")
    assert [(v["number"], v["run_id"]) for v in detail["versions"]] == [(1, first)]
    _, version = await call(jp_fetch, "models", "labs", "versions", "1")
    assert {"model", "number", "run_id", "metrics", "lineage", "signature", "aliases", "card", "artifacts",
            "deleted_at"} <= set(version)
    assert set(version["lineage"]) == {"run_id", "dataset_id", "dataset_version", "dataset_digest", "config",
                                       "package_version", "created_by", "created_at"}
    assert version["signature"]["inputs"]["kind"] == "table" and version["card"].startswith("# labs — version 1")
    assert version["artifacts"] == ["configs/metadata.json", "docs/README.md", "models/model.pt"]
    assert "val/auc" in version["metrics"] and version["lineage"]["run_id"] == first
    _, latest = await call(jp_fetch, "models", "labs", "versions", "latest")
    assert latest == version
    response, _ = await call(jp_fetch, "models", "labs", "versions", "1", "download")
    assert response.headers["Content-Type"] == "application/zip"
    assert 'filename="labs-v1.zip"' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        assert sorted(archive.namelist()) == [f"labs-v1/{name}" for name in version["artifacts"]]


async def test_register_alias_delete_and_restore(labs, jp_fetch, jp_base_url):
    workspace, _, second = labs
    response, version = await call(jp_fetch, "runs", str(second), "register", method="POST", body={})
    assert response.code == 201 and version["number"] == 2 and version["run_id"] == second
    assert response.headers["Location"] == f"{jp_base_url}{API}/models/labs/versions/2"
    assert "already version 2" in await refused(jp_fetch, 409, "runs", str(second), "register", method="POST")
    _, aliased = await call(jp_fetch, "models", "labs", "versions", "1", "alias", method="PUT",
                            body={"alias": "production"})
    assert aliased["aliases"] == ["production"]
    _, production = await call(jp_fetch, "models", "labs", "versions", "@production")
    assert production["number"] == 1
    message = await refused(jp_fetch, 409, "models", "labs", "versions", "1", method="DELETE")
    assert "move or remove the alias" in message
    _, model = await call(jp_fetch, "models", "labs", "aliases", "production", method="DELETE")
    assert model["aliases"] == {}
    _, deleted = await call(jp_fetch, "models", "labs", "versions", "1", method="DELETE")
    assert deleted["deleted_at"] is not None
    _, detail = await call(jp_fetch, "models", "labs")
    assert [(v["number"], v["deleted_at"] is not None) for v in detail["versions"]] == [(2, False), (1, True)]
    assert detail["version_count"] == 1
    _, restored = await call(jp_fetch, "models", "labs", "versions", "1", "restore", method="POST")
    assert restored["deleted_at"] is None
    actions = [e["action"] for e in workspace.db["audit"].rows_where("target = 'model:labs'", order_by="id")]
    assert actions == ["model.create", "model.register", "model.register", "model.alias", "model.unalias",
                       "model.delete", "model.restore"]


async def test_registry_errors_say_what_to_fix(labs, jp_fetch):
    workspace, _, second = labs
    assert "no model named 'ghost'" in await refused(jp_fetch, 404, "models", "ghost")
    assert "no version 7" in await refused(jp_fetch, 404, "models", "labs", "versions", "7")
    assert "no project with id 'ghost'" in await refused(jp_fetch, 404, "models", params={"project": "ghost"})
    message = await refused(jp_fetch, 400, "models", "labs", "versions", "1", "alias", method="PUT",
                            body={"alias": "Prod!"})
    assert "invalid request alias" in message
    message = await refused(jp_fetch, 400, "runs", str(second), "register", method="POST", body={"name": "Bad Name"})
    assert "invalid request name" in message
    queued = runs.create_run(workspace, "labs", dataset_id=1, version=1, user="ana")
    runs.cancel_run(workspace, queued["id"], user="ana")  # before the scheduler starts it
    message = await refused(jp_fetch, 409, "runs", str(queued["id"]), "register", method="POST")
    assert "is cancelled; only a completed run can be registered" in message
    assert "no alias 'staging'" in await refused(jp_fetch, 404, "models", "labs", "aliases", "staging",
                                                 method="DELETE")


async def test_a_run_in_a_worker_process_is_registered_by_the_time_it_completes(labs, jp_fetch):
    workspace, _, _ = labs
    _, run = await call(jp_fetch, "projects", "labs", "runs", method="POST",
                        body={"dataset_id": 1, "config": {**FAST, "seed": 2}})
    for _ in range(600):
        if runs.get_run(workspace, run["id"])["status"] in runs.FINAL:
            break
        await asyncio.sleep(0.2)
    _, detail = await call(jp_fetch, "models", "labs")  # at once: the version is there before the status changes
    assert runs.get_run(workspace, run["id"])["status"] == "completed"
    assert detail["versions"][0]["run_id"] == run["id"]
    _, finished = await call(jp_fetch, "runs", str(run["id"]))
    assert any("registered as model 'labs' version 2" in line for line in finished["log"])


async def test_an_uploaded_model_file_imports_and_an_uploaded_pickle_is_refused(labs, jp_fetch, tmp_path):
    workspace, _, _ = labs
    state = torch.load(registry.get_version(workspace, "labs")["model_file"], weights_only=True)
    state["model"] = {key: tensor * 0.5 for key, tensor in state["model"].items()}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    message = await refused(jp_fetch, 400, "models", "uploaded", "versions", method="POST", body=buffer.getvalue())
    assert "say which project" in message
    response, version = await call(jp_fetch, "models", "uploaded", "versions", method="POST", body=buffer.getvalue(),
                                   params={"project": "labs", "filename": "liver.pt"})
    assert response.code == 201 and (version["model"], version["number"], version["run_id"]) == ("uploaded", 1, None)
    assert "Imported from liver.pt" in version["card"]
    marker = tmp_path / "pwned"
    hostile = pickle.dumps({"model": PlantsAMarker(marker), "meta": state["meta"]})
    message = await refused(jp_fetch, 400, "models", "uploaded", "versions", method="POST", body=hostile)
    assert "not a weights-only model file" in message and not marker.exists()
    assert list((workspace.root / "uploads").iterdir()) == []  # uploads leave nothing behind
    _, detail = await call(jp_fetch, "models", "uploaded")
    assert [v["number"] for v in detail["versions"]] == [1]
