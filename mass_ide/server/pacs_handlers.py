"""Handlers for the PACS: configured nodes, connection checks, study and series searches, retrievals.

Searches are POSTs: the patient names and IDs searched for travel in the body, never in a
URL that an access log would keep. Talking to a PACS blocks, so it runs on a thread.
"""

import asyncio
from http import HTTPStatus

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from mass_ide.core.data.deidentify import DeidOptions
from mass_ide.core.data.pacs import query
from mass_ide.core.data.pacs.nodes import find_node
from mass_ide.core.errors import NotFound
from mass_ide.server.base import API_PREFIX, MassHandler


class PacsNodesHandler(MassHandler):
    """The configured PACS nodes."""

    responses = {"get": {200: "PacsNodeList"}}

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Every node of MassIDEApp.pacs_nodes, with its addresses and whether a login is set (never the login)."""
        self.write_json({"nodes": [node.to_json() for node in self.pacs_nodes.values()]})


class PacsEchoHandler(MassHandler):
    """Testing the connection to one node."""

    responses = {"post": {200: "ConnectionCheck", 404: None}}

    @web.authenticated
    @authorized
    async def post(self, node: str) -> None:
        """QIDO-RS and/or C-ECHO, as the node has them; for each, whether it worked or what failed and why."""
        found = find_node(self.pacs_nodes, node)
        self.write_json(await asyncio.to_thread(query.check_connection, found))


class PacsStudySearchHandler(MassHandler):
    """Searching a node's studies."""

    request_bodies = {"post": "StudySearch"}
    responses = {"post": {200: "PacsStudyList", 400: None, 404: None, 502: None}}

    @web.authenticated
    @authorized
    async def post(self, node: str) -> None:
        """The studies matching the filters, newest first (QIDO-RS or C-FIND); 502 when the PACS fails."""
        found, filters = find_node(self.pacs_nodes, node), query.StudyFilters(**self.read_json(optional=True))
        self.write_json({"studies": await asyncio.to_thread(query.find_studies, found, filters)})


class PacsSeriesSearchHandler(MassHandler):
    """Listing the series of one study on a node."""

    request_bodies = {"post": "SeriesSearch"}
    responses = {"post": {200: "PacsSeriesList", 400: None, 404: None, 502: None}}

    @web.authenticated
    @authorized
    async def post(self, node: str) -> None:
        """The study's series with modality, number, description and instance count."""
        found, study_uid = find_node(self.pacs_nodes, node), self.read_json()["study_uid"]
        self.write_json({"series": await asyncio.to_thread(query.find_series, found, study_uid)})


class RetrievalsHandler(MassHandler):
    """Retrievals of PACS series into a project's datasets."""

    request_bodies = {"post": "NewRetrieval"}
    responses = {"get": {200: "RetrievalList", 404: None}, "post": {202: "Retrieval", 400: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, project_id: str) -> None:
        """The retrievals this server started for the project, newest first."""
        self.write_json({"retrievals": [r.to_json() for r in self.retrievals.list(project_id)]})

    @web.authenticated
    @authorized
    def post(self, project_id: str) -> None:
        """Start fetching the series and importing them, de-identified, as one new dataset; 202 + Location to
        follow its progress. Instances an interrupted retrieval of the same series fetched are not fetched again."""
        body = self.read_json()
        retrieval = self.retrievals.start(
            project_id, node=body["node"], study_uid=body["study_uid"], series_uids=body["series_uids"],
            user=self.user_name, name=body.get("name"), deid=DeidOptions.parse(**body.get("deidentification", {})))
        self.set_header("Location", url_path_join(self.base_url, API_PREFIX, "retrievals", retrieval.id))
        self.write_json(retrieval.to_json(), status=HTTPStatus.ACCEPTED)


class RetrievalBase(MassHandler):
    """A route of one retrieval, which acts in the retrieval's project."""

    def project_in_request(self) -> str | None:
        try:
            return self.retrievals.get(self.path_kwargs["retrieval_id"]).project_id
        except NotFound:  # the handler answers 404
            return None


class RetrievalHandler(RetrievalBase):
    """One retrieval."""

    responses = {"get": {200: "Retrieval", 404: None}}

    @web.authenticated
    @authorized
    def get(self, retrieval_id: str) -> None:
        """Where the retrieval stands: instances done of total, instances/s, seconds left, the dataset once done."""
        self.write_json(self.retrievals.get(retrieval_id).to_json())


class RetrievalCancelHandler(RetrievalBase):
    """Cancelling a retrieval."""

    responses = {"post": {200: "Retrieval", 404: None}}

    @web.authenticated
    @authorized
    def post(self, retrieval_id: str) -> None:
        """Stop after the instance being fetched; nothing is imported and the fetched instances are deleted."""
        self.write_json(self.retrievals.cancel(retrieval_id).to_json())
