"""The REST API through a real Jupyter server (pytest-jupyter's jp_fetch)."""

import json
import re

import pytest
from openapi_spec_validator import validate
from tornado.httpclient import HTTPClientError

from mass_ide.server.openapi import openapi_document, openapi_path
from mass_ide.server.routes import ROUTES

API = "mass-ide/api"


async def fetch_json(jp_fetch, *parts, **kwargs):
    """Fetch one API route and decode its JSON body."""
    response = await jp_fetch(API, *parts, **kwargs)
    return response, json.loads(response.body) if response.body else None


async def expect_error(jp_fetch, status, *parts, **kwargs):
    """Fetch a route that must fail; return the error's message."""
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, *parts, **kwargs)
    assert caught.value.code == status, caught.value.response.body
    return json.loads(caught.value.response.body)["message"]


def post_json(body):
    """Keyword arguments for a JSON POST."""
    return {"method": "POST", "body": json.dumps(body)}


async def test_templates_lists_three_cards(jp_fetch):
    _, body = await fetch_json(jp_fetch, "templates")
    assert [t["title"] for t in body["templates"]] == [
        "Liver function prediction",
        "Liver segmentation",
        "Cancer prediction",
    ]


async def test_create_get_list_delete_a_project(jp_fetch, jp_root_dir, jp_base_url):
    response, created = await fetch_json(
        jp_fetch, "projects", **post_json({"name": "Liver study", "template": "liver-function"})
    )
    assert response.code == 201
    assert response.headers["Location"] == f"{jp_base_url}{API}/projects/liver-study"
    assert created["notebook"] == "mass-workspace/projects/liver-study/liver_function.ipynb"
    assert (jp_root_dir / created["notebook"]).is_file()

    _, listed = await fetch_json(jp_fetch, "projects")
    assert [p["id"] for p in listed["projects"]] == ["liver-study"]

    _, detail = await fetch_json(jp_fetch, "projects", "liver-study")
    assert detail["name"] == "Liver study"
    assert detail["created_by"]
    assert (detail["datasets"], detail["runs"], detail["models"], detail["deployments"]) == ([], [], [], [])

    response, _ = await fetch_json(jp_fetch, "projects", "liver-study", method="DELETE")
    assert response.code == 204
    _, listed = await fetch_json(jp_fetch, "projects")
    assert listed["projects"] == []
    assert len(list((jp_root_dir / "mass-workspace" / "trash").iterdir())) == 1


async def test_bad_template_and_duplicate_name_answer_400_and_409(jp_fetch):
    message = await expect_error(jp_fetch, 400, "projects", **post_json({"name": "X", "template": "nope"}))
    assert "unknown template 'nope'" in message
    await fetch_json(jp_fetch, "projects", **post_json({"name": "X", "template": "liver-segmentation"}))
    message = await expect_error(jp_fetch, 409, "projects", **post_json({"name": "x", "template": "liver-function"}))
    assert "already exists" in message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "the request body is not JSON: Expecting value at line 1, column 1"),
        ("", "the request body is not JSON"),
        (b'{"name": "\xff\xfe"}', "not UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("[]", "is not of type 'object'"),
        (json.dumps({"name": "X"}), "'template' is a required property"),
        (json.dumps({"name": "", "template": "liver-function"}), "invalid request name"),
        (json.dumps({"name": "X", "template": "liver-function", "extra": 1}), "'extra' was unexpected"),
        (json.dumps({"name": "   ", "template": "liver-function"}), "give the project a name"),
    ],
)
async def test_malformed_bodies_answer_400_with_a_message(jp_fetch, body, message):
    assert message in await expect_error(jp_fetch, 400, "projects", method="POST", body=body)


async def test_unknown_project_answers_404(jp_fetch):
    assert "no project with id 'ghost'" in await expect_error(jp_fetch, 404, "projects", "ghost")
    assert "ghost" in await expect_error(jp_fetch, 404, "projects", "ghost", method="DELETE")


def concrete(pattern):
    """A route pattern with every path parameter filled in."""
    return re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern)


@pytest.mark.parametrize(("pattern", "method"), [
    (pattern, method.upper())
    for pattern, handler in ROUTES
    for method in ("get", "post", "put", "delete")
    if method in vars(handler)
])
async def test_every_route_refuses_requests_without_credentials(jp_fetch, pattern, method):
    body = "{}" if method in ("POST", "PUT") else None
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, concrete(pattern), method=method, body=body, headers={"Authorization": ""})
    assert caught.value.code in (401, 403)


async def test_openapi_document_is_valid_and_lists_every_route(jp_fetch, jp_base_url):
    _, document = await fetch_json(jp_fetch, "openapi.json")
    validate(document)
    assert document["servers"] == [{"url": f"{jp_base_url}{API}"}]
    assert set(document["paths"]) == {openapi_path(pattern) for pattern, _ in ROUTES}
    for pattern, handler in ROUTES:
        operations = document["paths"][openapi_path(pattern)]
        assert set(operations) == {m for m in ("get", "post", "put", "delete") if m in vars(handler)}
        assert all(op["summary"] for op in operations.values())
    assert openapi_document(base_url=jp_base_url) == document



async def test_authenticated_user_without_permission_gets_403(jp_fetch, jp_serverapp, monkeypatch):
    def deny_mass_ide(handler, user, action, resource):
        return resource != "mass_ide"

    monkeypatch.setattr(jp_serverapp.authorizer, "is_authorized", deny_mass_ide)
    for method, body in (("GET", None), ("POST", json.dumps({"name": "X", "template": "liver-function"}))):
        message = await expect_error(jp_fetch, 403, "projects", method=method, body=body)
        assert "not authorized" in message
