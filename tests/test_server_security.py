"""Nobody in: credentials, role and size are checked before a byte of a body is read; ids and users hold.

Raw sockets show what an HTTP client library hides: the server answers while the
client has sent the headers and only a few bytes of the body it announced. (They
run in a thread: the server under test shares the test's event loop.)
"""

import asyncio
import json
import re
import socket

import pytest
from tornado.httpclient import HTTPClientError

from mass_ide.core import audit
from mass_ide.core.workspace import Workspace
from mass_ide.server.routes import ROUTES

API = "mass-ide/api"
SMALL_LIMIT = 64 * 1024
UPLOAD_ROUTES = ["projects/p/datasets?filename=labs.csv", "models/m/versions?filename=model.pt",
                 "deployments/1/predict?filename=ct.nii.gz"]


@pytest.fixture
def jp_server_config():
    """Mass IDE with small body limits and a configured name for its one user."""
    return {"ServerApp": {"jpserver_extensions": {"mass_ide": True}},
            "MassIDEApp": {"max_import_bytes": SMALL_LIMIT, "max_model_bytes": SMALL_LIMIT,
                           "max_predict_bytes": SMALL_LIMIT, "max_request_bytes": 4096, "user_name": "dr-grey"}}


def raw_request(port: int, head: str, body_start: bytes = b"") -> tuple[int, dict]:
    """Send request headers and the start of a body, keep the connection open, read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head.encode() + b"\r\n" + body_start)
        received = b""
        while b"\r\n\r\n" not in received or len(received.partition(b"\r\n\r\n")[2]) < content_length(received):
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                raise AssertionError(received) from None
            if not chunk:
                break
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2] or b"{}")


def content_length(received: bytes) -> int:
    """The Content-Length of an answer whose headers have arrived (0 before)."""
    found = re.search(rb"\r\nContent-Length: (\d+)", received.partition(b"\r\n\r\n")[0], re.IGNORECASE)
    return int(found.group(1)) if found else 0


def head_of(method: str, url: str, *, length: int, headers: dict) -> str:
    """The request line and headers of a request announcing ``length`` body bytes."""
    lines = [f"{method} {url} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}", *(
        f"{name}: {value}" for name, value in headers.items())]
    return "\r\n".join(lines) + "\r\n"


def uploads_written(jp_root_dir) -> list:
    """Every file in the workspace's upload area."""
    return [path for path in (jp_root_dir / "mass-workspace" / "uploads").rglob("*") if path.is_file()]


@pytest.mark.parametrize("route", UPLOAD_ROUTES)
async def test_an_upload_without_credentials_is_refused_before_its_body(jp_fetch, jp_http_port, jp_base_url,
                                                                        jp_root_dir, route):
    await jp_fetch(API, "templates")  # the extension is loaded
    forged_xsrf = {"Cookie": "_xsrf=forged", "X-XSRFToken": "forged", "Content-Type": "application/octet-stream"}
    head = head_of("POST", f"{jp_base_url}{API}/{route}", length=500 * 2**20, headers=forged_xsrf)
    status, answer = await asyncio.to_thread(raw_request, jp_http_port, head, b"x" * 1024)  # 1 KiB of 500 MiB
    assert status == 403
    assert "sign in" in answer["message"]
    assert uploads_written(jp_root_dir) == []


@pytest.mark.parametrize("route", UPLOAD_ROUTES)
async def test_an_announced_body_over_the_routes_limit_gets_413_before_it_is_read(
        jp_fetch, jp_http_port, jp_base_url, jp_serverapp, jp_root_dir, route):
    await jp_fetch(API, "projects", method="POST", body=json.dumps({"name": "P", "template": "liver-function"}))
    token = {"Authorization": f"token {jp_serverapp.identity_provider.token}",
             "Content-Type": "application/octet-stream"}
    head = head_of("POST", f"{jp_base_url}{API}/{route}", length=SMALL_LIMIT + 1, headers=token)
    status, answer = await asyncio.to_thread(raw_request, jp_http_port, head, b"x" * 1024)
    assert status == 413
    assert "over this route's limit of 64.0 KiB" in answer["message"] and "MassIDEApp.max_" in answer["message"]
    assert uploads_written(jp_root_dir) == []


async def test_a_json_body_has_the_small_limit_even_on_an_upload_route(jp_fetch):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, "projects", "p", "datasets", method="POST", headers={"Content-Type": "application/json"},
                       body=json.dumps({"path": "x" * 5000}))
    assert caught.value.code == 413
    assert "MassIDEApp.max_request_bytes" in json.loads(caught.value.response.body)["message"]


def with_huge_ids(pattern: str) -> str:
    """A route with every numeric id past 64 bits and every other parameter filled in."""
    filled = re.sub(r"\(\?P<\w+_id>\\d\+\)", "98765432109876543210", pattern)
    return re.sub(r"\(\?P<\w+>[^)]*\)", "1", filled)


@pytest.mark.parametrize(("pattern", "method"), [
    (pattern, method.upper())
    for pattern, handler in ROUTES
    for method in ("get", "post", "put", "delete")
    if method in vars(handler) and r"_id>\d+" in pattern
])
async def test_ids_beyond_64_bits_are_not_found(jp_fetch, pattern, method):
    body = "{}" if method in ("POST", "PUT") else None
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, with_huge_ids(pattern), method=method, body=body)
    assert caught.value.code == 404, caught.value.response.body
    if not pattern.endswith("stream"):  # the websocket's refusal comes before the upgrade, as a page
        assert "98765432109876543210" in json.loads(caught.value.response.body)["message"]


async def test_ids_and_query_numbers_beyond_64_bits_in_queries_are_400(jp_fetch):
    await jp_fetch(API, "projects", method="POST", body=json.dumps({"name": "P", "template": "liver-function"}))
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, "datasets", "1", "items", params={"offset": "9" * 30})
    assert caught.value.code in (400, 404)


async def test_every_token_client_is_the_one_configured_user(jp_fetch, jp_root_dir):
    for name in ("First", "Second"):
        await jp_fetch(API, "projects", method="POST", body=json.dumps({"name": name, "template": "liver-function"}))
    workspace = Workspace.open(jp_root_dir / "mass-workspace")
    try:
        creators = {event["user"] for event in audit.events(workspace.db) if event["action"] == "project.create"}
        assert creators == {"dr-grey"}
        assert audit.local_user(workspace.db) == "dr-grey"  # what the CLI and the notebooks record
    finally:
        workspace.close()


@pytest.mark.parametrize(("route", "status", "words"), [
    ("projects/p/datasets?filename=ct.zip&dates=someday", 400, "remove"),
    ("projects/ghost/datasets?filename=ct.zip", 404, "ghost"),
    ("projects/p/datasets?filename=ct%0A.zip", 400, "cannot be a file name"),
])
async def test_an_upload_the_query_already_refuses_is_answered_before_its_body(
        jp_fetch, jp_http_port, jp_base_url, jp_serverapp, jp_root_dir, route, status, words):
    await jp_fetch(API, "projects", method="POST", body=json.dumps({"name": "P", "template": "liver-function"}))
    token = {"Authorization": f"token {jp_serverapp.identity_provider.token}",
             "Content-Type": "application/octet-stream"}
    head = head_of("POST", f"{jp_base_url}{API}/{route}", length=SMALL_LIMIT, headers=token)
    answered, answer = await asyncio.to_thread(raw_request, jp_http_port, head, b"x" * 1024)
    assert answered == status and words in answer["message"]
    assert uploads_written(jp_root_dir) == []


@pytest.mark.parametrize("length", ["12, 12", "12x"])  # a proxy's repeated length; no number at all
async def test_an_odd_content_length_gets_a_4xx_not_a_500(jp_fetch, jp_http_port, jp_base_url, jp_serverapp, length):
    await jp_fetch(API, "templates")
    token = {"Authorization": f"token {jp_serverapp.identity_provider.token}", "Content-Type": "application/json"}
    head = "\r\n".join([f"POST {jp_base_url}{API}/projects HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}",
                         *(f"{name}: {value}" for name, value in token.items())]) + "\r\n"
    answered, _ = await asyncio.to_thread(raw_request, jp_http_port, head, b'{"name": "x"')
    assert 400 <= answered < 500
