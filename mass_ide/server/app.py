"""The Mass IDE server extension app: settings as traitlets, the workspace, the routes."""

import atexit
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from tornado import ioloop
from traitlets import Dict, Float, Integer, List, Unicode

from mass_ide.core import audit
from mass_ide.core.data.pacs.nodes import parse_nodes
from mass_ide.core.data.pacs.retrievals import Retrievals
from mass_ide.core.data.pacs.store_scp import DicomNode
from mass_ide.core.errors import MassError
from mass_ide.core.runs.scheduler import RunScheduler
from mass_ide.core.serving.batches import Batches
from mass_ide.core.serving.deployments import DeploymentSupervisor
from mass_ide.core.team import Team
from mass_ide.core.workspace import Workspace
from mass_ide.server.base import (
    BATCHES_SETTING,
    LIMITS_SETTING,
    PACS_NODES_SETTING,
    RETRIEVALS_SETTING,
    SCHEDULER_SETTING,
    SUPERVISOR_SETTING,
    TEAM_SETTING,
    USER_SETTING,
    WORKSPACE_SETTING,
)
from mass_ide.server.dicom_node_handlers import DICOM_NODE_SETTING
from mass_ide.server.openapi import openapi_document
from mass_ide.server.routes import url_handlers

SCHEDULER_TICK_MS = 500
SUPERVISOR_TICK_MS = 500
GiB, MiB = 2**30, 2**20
BODY_LIMITS = ("max_request_bytes", "max_import_bytes", "max_model_bytes", "max_predict_bytes")


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

    max_concurrent_runs = Integer(
        1,
        config=True,
        help="How many training runs may train at once (one per device by default); others wait in the queue.",
    )

    max_request_bytes = Integer(
        16 * MiB,
        config=True,
        help="Largest body of a request that is not a file upload (JSON, a mask slice), in bytes; 413 above it.",
    )
    max_import_bytes = Integer(
        20 * GiB,
        config=True,
        help="Largest file uploaded to import a dataset (or one file of a folder upload), in bytes; 413 above it.",
    )
    max_model_bytes = Integer(
        4 * GiB,
        config=True,
        help="Largest model file uploaded as a registry version, in bytes; 413 above it.",
    )
    max_predict_bytes = Integer(
        1 * GiB,
        config=True,
        help="Largest prediction request (a picture, a volume, a zipped DICOM series), in bytes; 413 above it.",
    )
    user_name = Unicode(
        "",
        config=True,
        help="The audit log's name for whoever signs in to this single-user server (with its token or password), "
        "from the browser, a notebook or the mass-ide command. Empty: the account that runs the server. "
        "Behind JupyterHub the Hub's user names are used instead.",
    )

    team_group_roles = Dict(
        value_trait=Unicode(),
        config=True,
        help="Behind JupyterHub: a role (lead, reviewer, annotator or viewer) for the members of each Hub group, in "
        "every project, e.g. {'radiology-leads': 'lead', 'radiologists': 'reviewer', 'residents': 'annotator'}. A "
        "role a project's lead sets for a user comes first; a user in several groups has the highest.",
    )
    team_default_role = Unicode(
        "viewer",
        config=True,
        help="Behind JupyterHub: the role in a project of a signed-in user whom neither the project nor their "
        "groups give one: viewer (the default), annotator, reviewer, lead, or '' for no access at all (403).",
    )

    pacs_nodes = List(
        Dict(),
        config=True,
        help="The hospital's PACS nodes, each a dict: name; dicomweb_url (QIDO-RS/WADO-RS/STOW-RS base URL) with "
        "optional username and password (HTTP basic); and/or DIMSE ae_title, host and port; calling_ae_title (ours, "
        "default MASSIDE) and timeout (seconds, default 10). DICOMweb is used when given. Logins stay in this "
        "setting: they never reach the workspace, the logs, the audit log or an API answer.",
    )

    dicom_node_port = Integer(
        0,
        config=True,
        help="The TCP port on which Mass IDE listens as a DICOM node (C-STORE and C-ECHO SCP), so that scanners, a "
        "PACS or workstations can push series to it; 0 (the default) is off. Ports below 1024 need privileges.",
    )
    dicom_node_ae_title = Unicode("MASSIDE", config=True, help="The DICOM node's AE title (the called AE title).")
    dicom_node_host = Unicode(
        "127.0.0.1",
        config=True,
        help="The address the DICOM node listens on: 127.0.0.1 for this machine only, 0.0.0.0 for every interface.",
    )
    dicom_node_allowed_callers = List(
        Unicode(),
        config=True,
        help="The calling AE titles the DICOM node accepts associations from; any other is rejected ('calling AE "
        "title not recognised') and written to the audit log. Empty: every sender is refused.",
    )
    dicom_node_project = Unicode(
        "",
        config=True,
        help="The id or name of the project whose inbox dataset receives the series pushed to the DICOM node.",
    )
    dicom_node_inbox = Unicode(
        "PACS inbox",
        config=True,
        help="The name of the project's dataset that received series are added to (made on the first one).",
    )
    dicom_node_settle_seconds = Float(
        10.0,
        config=True,
        help="A series pushed to the DICOM node is imported once nothing more of it has arrived for this many "
        "seconds (a series may come in several associations).",
    )

    def resolved_workspace_dir(self) -> Path:
        """The workspace folder, relative paths taken from the server root."""
        path = Path(self.workspace_dir).expanduser()
        return path if path.is_absolute() else Path(self.serverapp.root_dir) / path

    def initialize_settings(self) -> None:
        """Open the workspace (creating it and migrating its database) once at start; build the run scheduler
        and the deployment supervisor, which adopt the workers a previous server left, and tick them."""
        workspace = Workspace.open(self.resolved_workspace_dir(), db_path=self.db_path or None)
        workspace.clear_uploads()  # what a killed server was receiving is incomplete
        self.settings[WORKSPACE_SETTING] = workspace
        self.settings[LIMITS_SETTING] = {name: getattr(self, name) for name in BODY_LIMITS}
        self.settings[USER_SETTING] = audit.set_local_user(workspace.db, self.user_name)
        self.settings[TEAM_SETTING] = Team(group_roles=dict(self.team_group_roles),
                                           default_role=self.team_default_role or None)
        self.settings[PACS_NODES_SETTING] = nodes = parse_nodes(self.pacs_nodes)
        self.settings[RETRIEVALS_SETTING] = Retrievals(workspace, nodes)
        self.settings[BATCHES_SETTING] = Batches(workspace, nodes)
        self.settings[DICOM_NODE_SETTING] = self.start_dicom_node(workspace)
        scheduler = RunScheduler(workspace, max_running=self.max_concurrent_runs)
        scheduler.recover()
        self.settings[SCHEDULER_SETTING] = scheduler
        self.scheduler_tick = ioloop.PeriodicCallback(scheduler.tick, SCHEDULER_TICK_MS)
        self.scheduler_tick.start()
        # its workers read prediction bodies up to the server's own limit; it adopts live workers and starts the
        # ones deployed from notebooks
        watching = DeploymentSupervisor(workspace, max_body_bytes=self.max_predict_bytes)
        watching.recover()
        self.settings[SUPERVISOR_SETTING] = watching
        self.supervisor_tick = ioloop.PeriodicCallback(watching.tick, SUPERVISOR_TICK_MS)
        self.supervisor_tick.start()
        atexit.register(self.stop_deployments)  # a Ctrl-C without a terminal ends the server without stop_extension
        if watching.resumed:
            self.log.info("Mass IDE: starting the workers of deployments %s again; they were running when the server "
                          "stopped", ", ".join(map(str, watching.resumed)))
        self.log.info("Mass IDE workspace: %s", workspace.root)

    def start_dicom_node(self, workspace: Workspace) -> DicomNode:
        """The DICOM node of the dicom_node_* settings, listening when a port is set (else, or when its settings
        are wrong, it says why not)."""
        node = DicomNode(workspace, ae_title=self.dicom_node_ae_title, port=self.dicom_node_port,
                         host=self.dicom_node_host, allowed_callers=self.dicom_node_allowed_callers,
                         project=self.dicom_node_project, inbox=self.dicom_node_inbox,
                         settle_seconds=self.dicom_node_settle_seconds)
        if node.enabled:
            try:
                node.start()
                self.log.info("Mass IDE DICOM node %s listening on %s:%s", node.ae_title, node.host, node.port)
            except MassError as error:
                self.log.error("Mass IDE: the DICOM node does not listen: %s", error)
        return node

    def openapi_document(self, base_url: str) -> dict:
        """The OpenAPI document of the routes this app serves under ``base_url``."""
        return openapi_document(base_url=base_url)

    def initialize_handlers(self) -> None:
        """Register every route of the route table."""
        self.handlers.extend(url_handlers())

    def stop_deployments(self) -> None:
        """Stop the deployment workers, once; their deployments start again with the next server."""
        atexit.unregister(self.stop_deployments)
        watching = self.settings.get(SUPERVISOR_SETTING)
        if watching is None:
            return
        self.supervisor_tick.stop()
        stopped = watching.shut_down()
        if stopped:
            self.log.info("Mass IDE: stopped the workers of deployments %s; they start again with the server",
                          ", ".join(map(str, stopped)))

    async def stop_extension(self) -> None:
        """Stop the deployment workers (they start again with the next server) and close the database."""
        if getattr(self, "scheduler_tick", None) is not None:
            self.scheduler_tick.stop()
        for jobs in (RETRIEVALS_SETTING, BATCHES_SETTING):
            if self.settings.get(jobs) is not None:
                self.settings[jobs].shut_down()
        if self.settings.get(DICOM_NODE_SETTING) is not None:
            self.settings[DICOM_NODE_SETTING].stop()
        self.stop_deployments()
        workspace = self.settings.get(WORKSPACE_SETTING)
        if workspace is not None:
            workspace.close()
