"""The one base class of every Mass IDE handler: credentials and limits before the body, JSON in and out, errors.

Every handler streams its request body, so :meth:`MassHandler.prepare` runs
before a byte of it is read: it refuses callers without credentials or without
the right role (403), bodies over the route's limit (413), and ids that cannot
name a row (404). Only then does the body arrive, into memory (JSON, PNG) or,
for uploads, straight into a file.
"""

import json
import shutil
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import jsonschema
from jupyter_server.auth.utils import HTTP_METHOD_TO_AUTH_ACTION
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.web import HTTPError

from mass_ide.core.data.files import human_size
from mass_ide.core.data.pacs.nodes import PacsNode
from mass_ide.core.data.pacs.retrievals import Retrievals
from mass_ide.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    MassError,
    NotFound,
    RemoteUnavailable,
    WorkerUnavailable,
)
from mass_ide.core.runs.scheduler import RunScheduler
from mass_ide.core.serving.batches import Batches
from mass_ide.core.serving.deployments import DeploymentSupervisor
from mass_ide.core.team import Team, project_of
from mass_ide.core.workspace import Workspace
from mass_ide.server.views import without_server_folders

ERROR_STATUS = {InvalidInput: HTTPStatus.BAD_REQUEST, Forbidden: HTTPStatus.FORBIDDEN, NotFound: HTTPStatus.NOT_FOUND,
                Conflict: HTTPStatus.CONFLICT,
                WorkerUnavailable: HTTPStatus.BAD_GATEWAY, RemoteUnavailable: HTTPStatus.BAD_GATEWAY}

API_PREFIX = "mass-ide/api"  # every route lives under <base_url>/mass-ide/api/
WORKSPACE_SETTING = "mass_ide_workspace"
SCHEDULER_SETTING = "mass_ide_scheduler"
SUPERVISOR_SETTING = "mass_ide_deployments"
LIMITS_SETTING = "mass_ide_body_limits"
USER_SETTING = "mass_ide_user_name"
PACS_NODES_SETTING = "mass_ide_pacs_nodes"
RETRIEVALS_SETTING = "mass_ide_retrievals"
BATCHES_SETTING = "mass_ide_clinical_batches"
TEAM_SETTING = "mass_ide_team"
LARGEST_ROW_ID = 2**63 - 1  # SQLite's integer keys
SINGLE_USER_PROVIDERS = "jupyter_server."  # its own identity providers: whoever holds the token or password


@web.stream_request_body
class MassHandler(ExtensionHandlerMixin, APIHandler):
    """Base handler: subclasses declare per-method ``responses`` and ``request_bodies``.

    ``responses`` maps a method to ``{status: schema name or None}`` and
    ``request_bodies`` maps a method to a schema name from
    :mod:`mass_ide.server.schemas`; both feed the OpenAPI document, and the
    body schema also validates the request in :meth:`read_json`.
    ``body_limit`` names the ``MassIDEApp`` setting that caps this route's body.
    """

    auth_resource = "mass_ide"
    # the role in the project a method needs (a shared server's): reading needs viewer, changing lead, unless said
    roles_needed: ClassVar[dict[str, str]] = {}
    responses: ClassVar[dict[str, dict[int, str | None]]] = {}
    request_bodies: ClassVar[dict[str, str]] = {}
    body_limit: ClassVar[str] = "max_request_bytes"

    async def prepare(self) -> None:
        """Before the body: credentials and role (403), well-formed ids (404), the size limit (413)."""
        await super().prepare()  # jupyter_server: who is asking, the XSRF rule, host and origin
        self.check_credentials()
        self.check_ids()
        self.check_role()
        self.limit_body()
        self.request.body = bytearray()

    def check_credentials(self) -> None:
        """403 for a caller who is not signed in, or whose role does not allow this method here."""
        if self.current_user is None:
            raise HTTPError(HTTPStatus.FORBIDDEN, "sign in to Jupyter first: send the server's token or its cookie")
        action = HTTP_METHOD_TO_AUTH_ACTION.get(self.request.method, "write")
        if not self.authorizer.is_authorized(self, self.current_user, action, self.auth_resource):
            raise HTTPError(HTTPStatus.FORBIDDEN, f"you are not authorized to {action} {self.auth_resource} here")

    def check_role(self) -> None:
        """403 naming the role needed when the caller's role in the project the path names does not allow this
        method; a single-user server's owner may do everything."""
        self.role = None  # the caller's role in the route's project, once known
        if self.single_user:
            return
        project_id = self.project_in_request()
        if project_id is None:  # a route of no project, or of one that does not exist (its handler says 404)
            return
        method = self.request.method.lower()
        needed = self.roles_needed.get(method, "viewer" if method in ("get", "head") else "lead")
        self.role = self.team.require(self.workspace, project_id, self.user_name, needed, groups=self.user_groups)

    def project_in_request(self) -> str | None:
        """The project this request acts in: the one its path names (a new model's: its ``?project=``), or None."""
        return project_of(self.workspace, self.path_kwargs) or project_of(
            self.workspace, {"project_id": self.get_query_argument("project", "")})

    def check_ids(self) -> None:
        """404 for a numeric id too large to be a row's (SQLite keys are 64-bit); "²" is a name, not a number."""
        for name, value in self.path_kwargs.items():
            if name.endswith("_id") and value.isascii() and value.isdigit() and int(value) > LARGEST_ROW_ID:
                raise HTTPError(HTTPStatus.NOT_FOUND, f"no {name.removesuffix('_id')} {value}")

    def limit_body(self) -> None:
        """413 when the announced body is over this route's limit; a streamed body is cut off there too."""
        setting = self.limit_setting()
        limit = self.settings[LIMITS_SETTING][setting]
        announced = self.request.headers.get("Content-Length", "0").split(",")[0].strip()  # a proxy may repeat it
        if not announced.isdigit():
            raise HTTPError(HTTPStatus.BAD_REQUEST, "Content-Length must be the body's size in bytes")
        announced = int(announced)
        if announced > limit:
            raise HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                            f"the request's body of {human_size(announced)} is over this route's limit of "
                            f"{human_size(limit)} (the server setting MassIDEApp.{setting})")
        self.request.connection.set_max_body_size(limit)

    def limit_setting(self) -> str:
        """The setting that limits this request's body (``body_limit`` unless a subclass knows better)."""
        return self.body_limit

    def data_received(self, chunk: bytes) -> None:
        """Keep a chunk of the (size-limited) body in memory; uploads write theirs to a file instead."""
        self.request.body.extend(chunk)

    @property
    def workspace(self) -> Workspace:
        """The workspace opened by the extension app."""
        return self.settings[WORKSPACE_SETTING]

    @property
    def scheduler(self) -> RunScheduler:
        """The run scheduler the extension app started (it recovered the workers a previous server left)."""
        return self.settings[SCHEDULER_SETTING]

    @property
    def supervisor(self) -> DeploymentSupervisor:
        """The deployment supervisor the extension app started (it recovered the workers a previous server left)."""
        return self.settings[SUPERVISOR_SETTING]

    @property
    def pacs_nodes(self) -> dict[str, PacsNode]:
        """The PACS nodes of MassIDEApp.pacs_nodes, by name."""
        return self.settings[PACS_NODES_SETTING]

    @property
    def retrievals(self) -> Retrievals:
        """The PACS retrievals this server started."""
        return self.settings[RETRIEVALS_SETTING]

    @property
    def batches(self) -> Batches:
        """The batches of clinical predictions over PACS series this server started."""
        return self.settings[BATCHES_SETTING]

    @property
    def root_dir(self) -> str:
        """The Jupyter server's root folder."""
        return self.settings["server_root_dir"]

    @property
    def user_name(self) -> str:
        """Who is asking, for the audit log: one stable name per person.

        A single-user server (token or password) has one person, its owner: the name
        configured as ``MassIDEApp.user_name`` (the account running the server by default),
        whichever client signed in. Behind JupyterHub, the Hub's user name.
        """
        if self.single_user:
            return self.settings[USER_SETTING]
        return self.current_user.username

    @property
    def single_user(self) -> bool:
        """Whether the server has one person (jupyter_server's own token or password), not several (JupyterHub)."""
        return type(self.identity_provider).__module__.startswith(SINGLE_USER_PROVIDERS)

    @property
    def user_groups(self) -> list[str]:
        """The caller's JupyterHub groups (none on a single-user server, or where the Hub does not tell them)."""
        return list((getattr(self.current_user, "hub_user", None) or {}).get("groups", []))

    @property
    def team(self) -> Team:
        """How roles are given on a shared server (MassIDEApp.team_*)."""
        return self.settings[TEAM_SETTING]

    def read_json(self, *, optional: bool = False) -> dict[str, Any]:
        """The request body as JSON, validated against this method's schema; 400 says what is wrong with it.

        ``optional``: an empty body means ``{}``.
        """
        from mass_ide.server.schemas import COMPONENTS

        if optional and not self.request.body.strip():
            return {}
        try:
            body = json.loads(self.request.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "the request body is not UTF-8 text; send JSON in UTF-8") from None
        except json.JSONDecodeError as error:
            raise HTTPError(HTTPStatus.BAD_REQUEST, f"the request body is not JSON: {error.msg} at line "
                                                    f"{error.lineno}, column {error.colno}") from None
        except RecursionError:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "the request body's JSON is nested too deeply") from None
        schema = COMPONENTS[self.request_bodies[self.request.method.lower()]]
        try:
            jsonschema.validate(body, schema)
        except jsonschema.ValidationError as error:
            where = "/".join(str(part) for part in error.absolute_path) or "body"
            raise HTTPError(HTTPStatus.BAD_REQUEST, f"invalid request {where}: {error.message}") from None
        return body

    def hide_server_folders(self, text: str) -> str:
        """``text`` with no absolute server folder in it (see :func:`views.without_server_folders`)."""
        return without_server_folders(text, self.root_dir, self.workspace.root)

    def write_json(self, data: dict, *, status: int = HTTPStatus.OK) -> None:
        """Finish with ``data`` as JSON (no absolute server folder in it)."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(self.hide_server_folders(json.dumps(data)))

    def write_png(self, png: bytes, *, cache_seconds: int = 0) -> None:
        """Finish with a PNG picture; ``cache_seconds`` 0: the browser must not keep it (it can change)."""
        self.set_header("Cache-Control", f"private, max-age={cache_seconds}" if cache_seconds else "no-store")
        self.finish(png, set_content_type="image/png")

    def _handle_request_exception(self, error: BaseException) -> None:
        """Turn the core's user errors into 4xx JSON answers, without server folders; anything else stays a 500."""
        if isinstance(error, MassError):
            error = HTTPError(ERROR_STATUS.get(type(error), HTTPStatus.BAD_REQUEST), str(error))
        if isinstance(error, HTTPError) and error.get_message():
            try:  # raised, so that tornado's error page finds it as the exception being handled
                raise HTTPError(error.status_code, self.hide_server_folders(error.get_message()),
                                reason=error.reason) from error
            except HTTPError as shown:
                return super()._handle_request_exception(shown)
        return super()._handle_request_exception(error)


def int_argument(handler: MassHandler, name: str, default: int | None = None, *, minimum: int = 0) -> int:
    """An integer query argument (400 when missing or malformed)."""
    raw = handler.get_query_argument(name, None)
    if raw is None:
        if default is None:
            raise InvalidInput(f"the query argument {name}= is required")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name}= must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise InvalidInput(f"{name}= must be at least {minimum}")
    if value > LARGEST_ROW_ID:
        raise InvalidInput(f"{name}= must be at most {LARGEST_ROW_ID}")
    return value


class StreamedUploadHandler(MassHandler):
    """A handler whose POST body may be a file, written to disk in chunks as it arrives (never held whole).

    The base class has checked credentials, role and size before ``prepare`` here
    calls :meth:`receive_into`; whatever ``remove`` names is deleted when the
    request ends, unless :meth:`keep_upload` was called (a cancelled or failed
    upload leaves nothing behind). A JSON body stays small whatever the route.
    """

    body_limit = "max_import_bytes"

    async def prepare(self) -> None:
        self._upload: BinaryIO | None = None
        self._remove: Path | None = None
        await super().prepare()

    def sends_json(self) -> bool:
        """Whether the body is JSON (a request about files already on the server) rather than a file."""
        return self.request.headers.get("Content-Type", "").startswith("application/json")

    def limit_setting(self) -> str:
        return "max_request_bytes" if self.sends_json() else self.body_limit

    def receive_into(self, target: Path, *, remove: Path) -> None:
        """Stream the request body into ``target``."""
        self._remove = remove
        self._upload = target.open("wb")

    def finish_upload(self) -> Path:
        """Close the uploaded file once the body is complete; its path."""
        self._upload.close()
        return Path(self._upload.name)

    def keep_upload(self) -> None:
        """Keep what arrived when the request ends."""
        self._remove = None

    def data_received(self, chunk: bytes) -> None:
        """Write an upload chunk to disk, or keep a (small) JSON body."""
        if self._upload is not None:
            self._upload.write(chunk)
        else:
            super().data_received(chunk)

    def on_finish(self) -> None:
        """Remove the upload (unless kept), whatever happened."""
        if self._upload is not None:
            self._upload.close()
        if self._remove is not None:
            if self._remove.is_dir():
                shutil.rmtree(self._remove, ignore_errors=True)
            else:
                self._remove.unlink(missing_ok=True)

    def on_connection_close(self) -> None:
        """A cancelled upload leaves no file behind."""
        self.on_finish()
        super().on_connection_close()
