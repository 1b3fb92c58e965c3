"""Roles on a server that several people share: every route of a project checks the caller's role there.

JupyterHub tells the server who is asking through jupyter_server's identity provider (its
``JupyterHubIdentityProvider`` answers a ``User`` carrying the Hub's model, groups included, as
``hub_user``). This server's provider names users by their token the same way, so that each test
request says who sends it; the single-user server of the other tests keeps its owner as lead of all.
"""

import json
import urllib.parse

import pytest
from jupyter_server.auth.identity import IdentityProvider, User
from tornado.httpclient import HTTPClientError

TOKENS = {"tok-lee": ("lee", []), "tok-ana": ("ana", ["residents"]), "tok-kim": ("kim", ["radiologists"]),
          "tok-vic": ("vic", [])}


class HubUser(User):
    """A user with the Hub's model, as JupyterHub's single-user server makes them."""

    def __init__(self, hub_user: dict):
        self.hub_user = hub_user
        super().__init__(username=hub_user["name"])


class TokensPerUser(IdentityProvider):
    """Each token in :data:`TOKENS` signs in one user, with their Hub groups."""

    async def get_user_token(self, handler):
        found = TOKENS.get(self.get_token(handler) or "")
        return HubUser({"name": found[0], "groups": found[1]}) if found else None


DOWN = {"name": "down", "dicomweb_url": "http://127.0.0.1:9/dicom-web", "timeout": 1}  # nothing listens on 9


@pytest.fixture
def jp_server_config(request):
    """Users signed in by token; Hub groups give roles; the default role is the test's parameter (viewer)."""
    return {"ServerApp": {"jpserver_extensions": {"mass_ide": True}, "identity_provider_class": TokensPerUser},
            "MassIDEApp": {"team_group_roles": {"radiologists": "reviewer", "residents": "annotator"},
                           "team_default_role": getattr(request, "param", "viewer"), "pacs_nodes": [DOWN]}}


@pytest.fixture
def call(jp_fetch):
    """``call(user, method, path, body)``: the API as that user; the answer's status and JSON (or None)."""
    async def send(user: str, method: str, path: str, body=None) -> tuple[int, dict | None]:
        token = next(token for token, (name, _) in TOKENS.items() if name == user)
        data = None if body is None else json.dumps(body).encode()
        path, _, query = path.partition("?")
        try:
            answer = await jp_fetch("mass-ide", "api", *path.split("/"), method=method, body=data,
                                    params=dict(urllib.parse.parse_qsl(query)),
                                    headers={"Authorization": f"token {token}"}, allow_nonstandard_methods=True)
        except HTTPClientError as error:
            answer = error.response
        text = answer.body.decode() if answer.body else ""
        return answer.code, json.loads(text) if text.startswith("{") else None
    return send


async def test_each_role_does_what_it_may_and_hears_which_role_it_lacks(call):
    assert (await call("lee", "POST", "projects", {"name": "Liver", "template": "liver-function"}))[0] == 201
    code, members = await call("vic", "GET", "projects/liver/members")  # nobody set vic: the default, viewer
    assert code == 200 and members["you"] == {"user": "vic", "role": "viewer"}
    assert [(m["user"], m["role"]) for m in members["members"]] == [("lee", "lead")]
    code, said = await call("vic", "POST", "projects/liver/sample-data", {})
    assert code == 403 and said["message"] == ("this needs the lead role in project liver; you are a viewer: "
                                               "ask its lead")
    assert (await call("lee", "POST", "projects/liver/sample-data", {}))[0] == 201
    [dataset] = [d for d in (await call("vic", "GET", "projects/liver/datasets"))[1]["datasets"]]
    items = (await call("ana", "GET", f"datasets/{dataset['id']}/items?limit=2"))
    assert items[0] == 200

    code, said = await call("ana", "PUT", "projects/liver/members/vic", {"role": "lead"})
    assert code == 403 and "you are an annotator" in said["message"]  # from the residents group
    assert (await call("lee", "PUT", "projects/liver/members/vic", {"role": "annotator"}))[1]["role"] == "annotator"
    code, said = await call("lee", "DELETE", "projects/liver/members/lee")
    assert code == 409 and "only lead" in said["message"]
    code, said = await call("kim", "DELETE", "projects/liver")
    assert code == 403 and "you are a reviewer" in said["message"]  # from the radiologists group
    code, said = await call("kim", "POST", "models/new-model/versions?project=liver&filename=model.pt", {})
    assert code == 403 and "needs the lead role" in said["message"]  # a new model: its project in the query


async def test_an_annotator_labels_but_changes_no_one_elses_label(call, jp_serverapp):
    await call("lee", "POST", "projects", {"name": "Liver", "template": "liver-function"})
    await call("lee", "POST", "projects/liver/sample-data", {})
    [dataset] = (await call("lee", "GET", "projects/liver/datasets"))[1]["datasets"]
    first, second = (await call("ana", "GET", f"datasets/{dataset['id']}/items"))[1]["items"][:2]
    mine = await call("ana", "PUT", f"items/{first['id']}/annotation", {"label": "1", "version": 0})
    assert mine[0] == 200 and mine[1]["updated_by"] == "ana"
    code, said = await call("vic", "PUT", f"items/{first['id']}/annotation", {"label": "2", "version": 1})
    assert code == 403 and said["message"].startswith("this needs the annotator role")
    await call("lee", "PUT", "projects/liver/members/vic", {"role": "annotator"})
    code, said = await call("vic", "PUT", f"items/{first['id']}/annotation", {"label": "2", "version": 1})
    assert code == 403 and said["message"].startswith("ana made this label: an annotator changes only their own")
    assert (await call("kim", "PUT", f"items/{first['id']}/annotation", {"label": "2", "version": 1}))[0] == 200
    assert (await call("vic", "PUT", f"items/{second['id']}/annotation", {"label": "3", "version":
                                                                         second["annotation"]["version"]}))[0] == 200


@pytest.mark.parametrize("jp_server_config", [""], indirect=True)
async def test_without_a_default_role_a_user_sees_only_the_projects_they_have_a_role_in(call):
    await call("lee", "POST", "projects", {"name": "Liver", "template": "liver-function"})
    assert [p["id"] for p in (await call("ana", "GET", "projects"))[1]["projects"]] == ["liver"]  # residents group
    assert (await call("vic", "GET", "projects"))[1]["projects"] == []
    code, said = await call("vic", "GET", "projects/liver")
    assert code == 403 and said["message"].endswith("you have no role in it: ask its lead")


async def test_a_retrieval_acts_in_its_project(call):
    await call("lee", "POST", "projects", {"name": "Liver", "template": "liver-function"})
    code, started = await call("lee", "POST", "projects/liver/retrievals",
                               {"node": "down", "study_uid": "1.2.3", "series_uids": ["1.2.3.4"]})
    assert code == 202
    assert (await call("vic", "GET", f"retrievals/{started['id']}"))[0] == 200
    code, said = await call("vic", "POST", f"retrievals/{started['id']}/cancel", {})
    assert code == 403 and "needs the lead role in project liver" in said["message"]
    assert (await call("vic", "GET", "retrievals/000000000000"))[0] == 404
