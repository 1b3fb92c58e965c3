"""The OpenAPI document, generated from the route table so it cannot drift from it."""

import inspect
import json
import re
from http import HTTPStatus

from jupyter_server.utils import url_path_join

from mass_ide import __version__
from mass_ide.server.base import API_PREFIX
from mass_ide.server.routes import ROUTES
from mass_ide.server.schemas import BINARY, COMPONENTS, DICOM, PNG, ZIP

HTTP_METHODS = ("get", "post", "put", "delete")
_PATH_PARAMETER = re.compile(r"\(\?P<(\w+)>([^)]*)\)")
ANY_SEGMENT = "[^/]+"


def openapi_path(pattern: str) -> str:
    """A route pattern as an OpenAPI path: ``projects/(?P<project_id>[^/]+)`` → ``/projects/{project_id}``."""
    return "/" + _PATH_PARAMETER.sub(r"{\1}", pattern)


def _parameter_schema(regex: str) -> dict:
    """A path parameter's schema: the route's own regex (a free segment is never ``.`` or ``..``)."""
    if regex == ANY_SEGMENT:
        return {"type": "string", "pattern": r"^(?!\.\.?$)[^/]+$"}
    return {"type": "string", "pattern": f"^{regex}$"}




def _content(name: str | None, status: int) -> dict | None:
    """The content of a request or response: JSON of a named schema, or a PNG image."""
    if status == HTTPStatus.NO_CONTENT:
        return None
    if name == PNG:
        return {"image/png": {"schema": {"type": "string", "format": "binary"}}}
    if name == ZIP:
        return {"application/zip": {"schema": {"type": "string", "format": "binary"}}}
    if name == BINARY:
        return {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    if name == DICOM:
        return {"application/dicom": {"schema": {"type": "string", "format": "binary"}}}
    if name is None:
        name = "Error" if status >= 400 else None
    schema = {"$ref": f"#/components/schemas/{name}"} if name else {"type": "object"}
    return {"application/json": {"schema": schema}}


def _operation(handler: type, method: str, parameters: list[tuple[str, str]]) -> dict:
    """The OpenAPI operation of one handler method, from its docstring and declarations.

    Besides what the handler declares: 401/403 anywhere (credentials and role), 404 where a
    path names something, 400 and 413 where a body is sent (malformed, over the route's limit).
    """
    summary, _, description = inspect.getdoc(getattr(handler, method)).partition("\n\n")
    responses = {}
    declared = {**handler.responses.get(method, {200: None}), 401: None, 403: None}
    if parameters:
        declared.setdefault(404, None)
    if method in handler.request_bodies:
        declared.setdefault(400, None)
        declared.setdefault(413, None)
    for status, schema_name in sorted(declared.items()):
        response = {"description": HTTPStatus(status).phrase}
        content = _content(schema_name, status)
        if content:
            response["content"] = content
        responses[str(status)] = response
    operation = {
        "operationId": f"{method}{handler.__name__.removesuffix('Handler')}",
        "summary": summary.strip(),
        "responses": responses,
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": _parameter_schema(regex)}
            for name, regex in parameters
        ],
    }
    if description:
        operation["description"] = " ".join(description.split())
    if method in handler.request_bodies:
        operation["requestBody"] = {"required": True, "content": _content(handler.request_bodies[method], 200)}
    return operation


def openapi_document(*, base_url: str = "/") -> dict:
    """The whole OpenAPI 3.1 document for a server mounted at ``base_url``."""
    paths = {}
    for pattern, handler in ROUTES:
        parameters = _PATH_PARAMETER.findall(pattern)
        paths[openapi_path(pattern)] = {
            method: _operation(handler, method, parameters)
            for method in HTTP_METHODS
            if method in vars(handler)
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mass IDE API",
            "version": __version__,
            "description": "REST API of the Mass IDE JupyterLab server extension. Every route needs "
            "the Jupyter user's credentials (token or cookie + XSRF).",
        },
        "servers": [{"url": url_path_join(base_url, API_PREFIX)}],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {"jupyterToken": {"type": "apiKey", "in": "header", "name": "Authorization"}},
        },
        "security": [{"jupyterToken": []}],
    }


def main() -> None:
    """Print the document for base URL ``/`` as JSON (the frontend's types are generated from it)."""
    print(json.dumps(openapi_document(base_url="/"), indent=2))


if __name__ == "__main__":
    main()
