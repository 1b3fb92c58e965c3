"""The route table: every URL of the Mass IDE API, in one place."""

from jupyter_server.utils import url_path_join

from mass_ide.server.handlers import (
    API_PREFIX,
    OpenAPIHandler,
    ProjectHandler,
    ProjectsHandler,
    TemplatesHandler,
)

PROJECT_ID = r"(?P<project_id>[^/]+)"

ROUTES = [
    ("templates", TemplatesHandler),
    ("projects", ProjectsHandler),
    (f"projects/{PROJECT_ID}", ProjectHandler),
    ("openapi.json", OpenAPIHandler),
]


def url_handlers() -> list[tuple[str, type]]:
    """The routes as tornado URL specs (the extension app prefixes the base URL)."""
    return [(url_path_join(API_PREFIX, pattern), handler) for pattern, handler in ROUTES]
