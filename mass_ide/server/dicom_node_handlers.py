"""The status of Mass IDE as a DICOM node: its settings, whether it listens, what it received."""

from jupyter_server.auth.decorator import authorized
from tornado import web

from mass_ide.core.data.pacs.store_scp import DicomNode
from mass_ide.server.base import MassHandler

DICOM_NODE_SETTING = "mass_ide_dicom_node"


class DicomNodeHandler(MassHandler):
    """The DICOM node (C-STORE SCP) of MassIDEApp.dicom_node_*."""

    responses = {"get": {200: "DicomNode"}}

    @property
    def dicom_node(self) -> DicomNode:
        """The node the extension app built (listening when a port is set)."""
        return self.settings[DICOM_NODE_SETTING]

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Whether the node listens (or why not), its AE title, port, allowed callers and project, and the series
        received lately with their state (hashed UIDs only)."""
        self.write_json(self.dicom_node.to_json())
