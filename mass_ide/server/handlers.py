"""One small handler per route: parse the request, call the core once, answer JSON."""

from http import HTTPStatus

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from mass_ide.core import projects, registry, runs, team
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets
from mass_ide.core.serving import deployments
from mass_ide.core.templates import list_templates
from mass_ide.server.base import API_PREFIX, MassHandler
from mass_ide.server.views import dataset_json, model_json, project_json, run_json


class TemplatesHandler(MassHandler):
    """The project templates."""

    responses = {"get": {200: "TemplateList"}}

    @web.authenticated
    @authorized
    def get(self) -> None:
        """List the project templates, in launcher order."""
        self.write_json({"templates": [template.to_json() for template in list_templates()]})


class ProjectsHandler(MassHandler):
    """The collection of live projects."""

    responses = {"get": {200: "ProjectList"}, "post": {201: "Project", 400: None, 409: None}}
    request_bodies = {"post": "NewProject"}

    @web.authenticated
    @authorized
    def get(self) -> None:
        """List live projects, newest first (behind JupyterHub, those the caller has a role in)."""
        shown = [p for p in projects.list_projects(self.workspace) if self.single_user
                 or self.team.role_of(self.workspace, p.id, self.user_name, self.user_groups)]
        self.write_json({"projects": [project_json(p, self.root_dir) for p in shown]})

    @web.authenticated
    @authorized
    def post(self) -> None:
        """Create a project from a template.

        Copies the template's notebook and configuration into the workspace.
        Answers 400 for an unknown template or a bad name, 409 when the name is taken.
        """
        body = self.read_json()
        project = projects.create_project(
            self.workspace, name=body["name"], template=body["template"], user=self.user_name
        )
        self.set_header("Location", url_path_join(self.base_url, API_PREFIX, "projects", project.id))
        self.write_json(project_json(project, self.root_dir), status=HTTPStatus.CREATED)


class ProjectHandler(MassHandler):
    """One project."""

    responses = {"get": {200: "ProjectDetail", 404: None}, "delete": {204: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, project_id: str) -> None:
        """A project with its datasets, runs, models and deployments."""
        project = projects.get_project(self.workspace, project_id)
        self.write_json({
            **project_json(project, self.root_dir),
            "annotation": annotations.label_classes(self.workspace, project.id),
            "datasets": [dataset_json(dataset) for dataset in datasets.list_datasets(self.workspace, project.id)],
            "runs": [run_json(run) for run in runs.list_runs(self.workspace, project.id)],
            "models": [model_json(model) for model in registry.list_models(self.workspace, project.id)],
            "deployments": deployments.list_deployments(self.workspace, project.id),
        })

    @web.authenticated
    @authorized
    def delete(self, project_id: str) -> None:
        """Move a project to the workspace's trash (it can be restored)."""
        projects.trash_project(self.workspace, project_id, user=self.user_name)
        self.set_status(HTTPStatus.NO_CONTENT)
        self.finish()


class MembersHandler(MassHandler):
    """Who has which role in a project."""

    responses = {"get": {200: "MemberList", 404: None}}

    @web.authenticated
    @authorized
    def get(self, project_id: str) -> None:
        """The roles set in the project, and the caller's own."""
        projects.get_project(self.workspace, project_id)
        role = "lead" if self.single_user else self.team.role_of(self.workspace, project_id, self.user_name,
                                                                   self.user_groups)
        self.write_json({"members": team.members(self.workspace, project_id),
                         "you": {"user": self.user_name, "role": role}})


class MemberHandler(MassHandler):
    """One member's role in a project (a lead sets and removes them)."""

    responses = {"put": {200: "Member", 400: None, 403: None, 404: None, 409: None},
                 "delete": {204: None, 403: None, 404: None, 409: None}}
    request_bodies = {"put": "RoleUpdate"}

    @web.authenticated
    @authorized
    def put(self, project_id: str, member: str) -> None:
        """Give the user (their JupyterHub name) a role here; 409 when it would leave the project without a lead."""
        projects.get_project(self.workspace, project_id)
        self.write_json(team.set_role(self.workspace, project_id, member, self.read_json()["role"],
                                      user=self.user_name))

    @web.authenticated
    @authorized
    def delete(self, project_id: str, member: str) -> None:
        """Take the role set for the user away (their groups or the default apply again); their work stays."""
        team.remove_member(self.workspace, project_id, member, user=self.user_name)
        self.set_status(HTTPStatus.NO_CONTENT)
        self.finish()


class OpenAPIHandler(MassHandler):
    """The OpenAPI document of this API."""

    responses = {"get": {200: None}}

    @web.authenticated
    @authorized
    def get(self) -> None:
        """The OpenAPI 3.1 document describing every route."""
        self.write_json(self.extensionapp.openapi_document(self.base_url))


class UnknownRouteHandler(MassHandler):
    """Any other URL under the API: a JSON 404 (after the credentials check, as everywhere)."""

    async def prepare(self) -> None:
        await super().prepare()
        raise web.HTTPError(HTTPStatus.NOT_FOUND, f"no such route: {self.request.path}; GET openapi.json lists them")
