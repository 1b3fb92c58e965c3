"""The one base class of every Mass IDE handler: auth resource, JSON in and out, errors."""

from http import HTTPStatus
from typing import Any, ClassVar

import jsonschema
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado.web import HTTPError

from mass_ide.core.errors import Conflict, InvalidInput, MassError, NotFound
from mass_ide.core.workspace import Workspace

ERROR_STATUS = {InvalidInput: HTTPStatus.BAD_REQUEST, NotFound: HTTPStatus.NOT_FOUND, Conflict: HTTPStatus.CONFLICT}

WORKSPACE_SETTING = "mass_ide_workspace"
SCHEDULER_SETTING = "mass_ide_scheduler"


class MassHandler(ExtensionHandlerMixin, APIHandler):
    """Base handler: subclasses declare per-method ``responses`` and ``request_bodies``.

    ``responses`` maps a method to ``{status: schema name or None}`` and
    ``request_bodies`` maps a method to a schema name from
    :mod:`mass_ide.server.schemas`; both feed the OpenAPI document, and the
    body schema also validates the request in :meth:`read_json`.
    """

    auth_resource = "mass_ide"
    responses: ClassVar[dict[str, dict[int, str | None]]] = {}
    request_bodies: ClassVar[dict[str, str]] = {}

    @property
    def workspace(self) -> Workspace:
        """The workspace opened by the extension app."""
        return self.settings[WORKSPACE_SETTING]

    @property
    def root_dir(self) -> str:
        """The Jupyter server's root folder."""
        return self.settings["server_root_dir"]

    @property
    def user_name(self) -> str:
        """The authenticated Jupyter user's name for the audit log (readable name, else the id)."""
        return self.current_user.name or self.current_user.username

    def read_json(self) -> dict[str, Any]:
        """The request body, validated against this method's schema (400 otherwise)."""
        from mass_ide.server.schemas import COMPONENTS

        body = self.get_json_body()
        schema = COMPONENTS[self.request_bodies[self.request.method.lower()]]
        try:
            jsonschema.validate(body, schema)
        except jsonschema.ValidationError as error:
            where = "/".join(str(part) for part in error.absolute_path) or "body"
            raise HTTPError(HTTPStatus.BAD_REQUEST, f"invalid request {where}: {error.message}") from None
        return body

    def write_json(self, data: dict, *, status: int = HTTPStatus.OK) -> None:
        """Finish with ``data`` as JSON."""
        self.set_status(status)
        self.finish(data)

    def write_png(self, png: bytes, *, cache_seconds: int = 0) -> None:
        """Finish with a PNG picture; ``cache_seconds`` 0: the browser must not keep it (it can change)."""
        self.set_header("Cache-Control", f"private, max-age={cache_seconds}" if cache_seconds else "no-store")
        self.finish(png, set_content_type="image/png")

    def _handle_request_exception(self, error: BaseException) -> None:
        """Turn the core's user errors into 4xx JSON answers; anything else stays a 500."""
        if isinstance(error, MassError):
            try:
                raise HTTPError(ERROR_STATUS.get(type(error), HTTPStatus.BAD_REQUEST), str(error)) from error
            except HTTPError as http_error:
                return super()._handle_request_exception(http_error)
        return super()._handle_request_exception(error)
