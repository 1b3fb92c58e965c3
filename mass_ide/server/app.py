"""The Mass IDE server extension app: settings as traitlets, the workspace, the routes."""

from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import Unicode

from mass_ide.core.workspace import Workspace
from mass_ide.server.base import WORKSPACE_SETTING
from mass_ide.server.routes import url_handlers


class MassIDEApp(ExtensionApp):
    """Loads the Mass IDE REST API into a Jupyter server."""

    name = "mass_ide"
    load_other_extensions = True

    workspace_dir = Unicode(
        "mass-workspace",
        config=True,
        help="Folder holding mass.db, the projects, the trash and the model artifacts. "
        "A relative path is taken from the Jupyter server's root folder.",
    )
    db_path = Unicode(
        "",
        config=True,
        help="SQLite database file. Empty means <workspace_dir>/mass.db.",
    )

    def resolved_workspace_dir(self) -> Path:
        """The workspace folder, relative paths taken from the server root."""
        path = Path(self.workspace_dir).expanduser()
        return path if path.is_absolute() else Path(self.serverapp.root_dir) / path

    def initialize_settings(self) -> None:
        """Open the workspace (creating it and migrating its database) once at start."""
        workspace = Workspace.open(self.resolved_workspace_dir(), db_path=self.db_path or None)
        workspace.clear_uploads()  # what a killed server was receiving is incomplete
        self.settings[WORKSPACE_SETTING] = workspace
        self.log.info("Mass IDE workspace: %s", workspace.root)

    def initialize_handlers(self) -> None:
        """Register every route of the route table."""
        self.handlers.extend(url_handlers())

    async def stop_extension(self) -> None:
        """Close the database when the server stops."""
        workspace = self.settings.get(WORKSPACE_SETTING)
        if workspace is not None:
            workspace.close()
