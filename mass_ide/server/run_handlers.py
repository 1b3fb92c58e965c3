"""Handlers for training runs: start, watch (REST catch-up and a websocket), cancel, resume; tuning studies."""

import json
from http import HTTPStatus

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from jupyter_server.utils import url_path_join
from tornado import ioloop, web, websocket

from mass_ide.core import runs
from mass_ide.core.errors import MassError, NotFound
from mass_ide.core.runs import planning, tuning
from mass_ide.server.base import (
    API_PREFIX,
    LARGEST_ROW_ID,
    WORKSPACE_SETTING,
    MassHandler,
    int_argument,
)
from mass_ide.server.schemas import PNG
from mass_ide.server.views import run_json, study_json, without_server_folders

STREAM_INTERVAL_MS = 200


class ProjectConfigHandler(MassHandler):
    """The project's default training configuration."""

    responses = {"get": {200: None, 400: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, project_id: str) -> None:
        """The configuration a new run starts from: the template's `config.json` as copied into the project,
        with the changes of `?preset=` ("quick", "full"; omitted: full)."""
        preset = self.get_query_argument("preset", None)
        self.write_json(runs.project_config(self.workspace, project_id, preset))


class RunOptionsHandler(MassHandler):
    """What the Train form starts from."""

    responses = {"get": {200: "RunOptions", 404: None}}

    @web.authenticated
    @authorized
    def get(self, project_id: str) -> None:
        """The datasets with how many items each can train on, the presets and what they change, the defaults
        (the most labelled dataset; quick on a CPU, full on a CUDA GPU) and where runs train."""
        self.write_json(planning.run_options(self.workspace, project_id))


class RunEstimateHandler(MassHandler):
    """How long a run would take."""

    roles_needed = {"post": "viewer"}

    responses = {"post": {200: "RunEstimate", 400: None, 404: None}}
    request_bodies = {"post": "RunEstimateRequest"}

    @web.authenticated
    @authorized
    def post(self, project_id: str) -> None:
        """Estimate a run of the preset with `config` overrides on the dataset (a frozen version, or as it is now),
        from this project's finished runs or a typical speed of the task; nothing is queued."""
        body = self.read_json()
        self.write_json(planning.estimate(self.workspace, project_id, dataset_id=body["dataset_id"],
                                          version=body.get("version"), preset=body.get("preset"),
                                          overrides=body.get("config")))


class RunsHandler(MassHandler):
    """A project's training runs."""

    responses = {"get": {200: "RunList", 404: None}, "post": {201: "Run", 400: None, 404: None}}
    request_bodies = {"post": "NewRun"}

    @web.authenticated
    @authorized
    def get(self, project_id: str) -> None:
        """The project's runs, newest first."""
        self.write_json({"runs": [run_json(run) for run in runs.list_runs(self.workspace, project_id)]})

    @web.authenticated
    @authorized
    def post(self, project_id: str) -> None:
        """Queue a run on a frozen dataset version (frozen now when no version is given).

        `preset` ("quick", "full"; omitted: full) picks the configuration, `config` overrides it
        (epochs, batch size, learning rate…); `processes` > 1 trains with torchrun (DDP).
        One run trains at a time; others queue.
        """
        body = self.read_json()
        run = runs.create_run(self.workspace, project_id, dataset_id=body["dataset_id"], user=self.user_name,
                              version=body.get("version"), overrides=body.get("config"),
                              processes=body.get("processes", 1), preset=body.get("preset"))
        self.scheduler.tick()
        self.set_header("Location", url_path_join(self.base_url, API_PREFIX, "runs", str(run["id"])))
        self.write_json(run_json(runs.get_run(self.workspace, run["id"])), status=HTTPStatus.CREATED)


class RunHandler(MassHandler):
    """One run."""

    responses = {"get": {200: "Run", 404: None}}

    @web.authenticated
    @authorized
    def get(self, run_id: str) -> None:
        """A run with its status, progress, evaluation report and the tail of its log."""
        run = runs.get_run(self.workspace, int(run_id))
        self.write_json({**run_json(run), "log": runs.log_tail(self.workspace, run)})


class RunReportImageHandler(MassHandler):
    """A picture of a run's evaluation report."""

    responses = {"get": {200: PNG, 400: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, run_id: str, name: str) -> None:
        """One overlay picture of the report (a file name from the report's `overlays`), as PNG."""
        path = runs.report_image(self.workspace, int(run_id), name)
        self.write_png(path.read_bytes(), cache_seconds=3600)


class RunCancelHandler(MassHandler):
    """Cancel a run."""

    responses = {"post": {200: "Run", 404: None, 409: None}}

    @web.authenticated
    @authorized
    def post(self, run_id: str) -> None:
        """Cancel a queued run, or stop a running one after its current step (409 when it already ended)."""
        self.write_json(run_json(runs.cancel_run(self.workspace, int(run_id), user=self.user_name)))


class RunResumeHandler(MassHandler):
    """Resume a run."""

    responses = {"post": {200: "Run", 404: None, 409: None}}

    @web.authenticated
    @authorized
    def post(self, run_id: str) -> None:
        """Queue an interrupted, failed or cancelled run again from its last checkpoint."""
        run = runs.resume_run(self.workspace, int(run_id), user=self.user_name)
        self.scheduler.tick()
        self.write_json(run_json(runs.get_run(self.workspace, run["id"])))


class RunMetricsHandler(MassHandler):
    """A run's metrics, for catching up."""

    responses = {"get": {200: "MetricPage", 404: None}}

    @web.authenticated
    @authorized
    def get(self, run_id: str) -> None:
        """Metrics logged after the cursor `?since=N` (0: all), oldest first; `last` is the next cursor."""
        since = int_argument(self, "since", 0)
        found = runs.metrics_since(self.workspace, int(run_id), since=since)
        self.write_json({"metrics": found, "last": found[-1]["id"] if found else since})


class RunStreamHandler(ExtensionHandlerMixin, JupyterHandler, websocket.WebSocketHandler):
    """Live metrics of a run over a websocket: `{"metrics": [...], "run": {...}}` messages."""

    auth_resource = "mass_ide"
    responses = {"get": {101: None, 404: None}}
    request_bodies: dict = {}

    async def pre_get(self) -> None:
        """Authorize reading before the upgrade."""
        if not await ensure_async(self.authorizer.is_authorized(self, self.current_user, "read", self.auth_resource)):
            raise web.HTTPError(HTTPStatus.FORBIDDEN)

    @ws_authenticated
    async def get(self, run_id: str) -> None:
        """Open the live stream of a run's metrics (`?since=N` to skip what you have)."""
        await self.pre_get()
        if not self.get_query_argument("since", "0").isdigit():
            raise web.HTTPError(HTTPStatus.BAD_REQUEST, "since= must be a metric id (a whole number)")
        try:
            if int(run_id) > LARGEST_ROW_ID:
                raise NotFound(f"no run {run_id}")
            runs.get_run(self.settings[WORKSPACE_SETTING], int(run_id))
        except MassError as error:
            raise web.HTTPError(HTTPStatus.NOT_FOUND, str(error)) from None
        result = super().get(run_id)
        if result is not None:
            await result

    def open(self, run_id: str) -> None:
        """Start pushing new metrics every 200 ms."""
        self.run_id, self.cursor, self.last_state = int(run_id), int(self.get_query_argument("since", "0")), None
        self.poller = ioloop.PeriodicCallback(self.push, STREAM_INTERVAL_MS)
        self.poller.start()
        self.push()

    def push(self) -> None:
        """Send metrics newer than the cursor and any change of the run's state; close when it ended."""
        workspace = self.settings[WORKSPACE_SETTING]
        metrics = runs.metrics_since(workspace, self.run_id, since=self.cursor)
        run = runs.get_run(workspace, self.run_id)
        state = {key: run[key] for key in ("status", "epochs_done", "epochs_total", "error", "error_summary")}
        if metrics or state != self.last_state:
            self.cursor = metrics[-1]["id"] if metrics else self.cursor
            self.last_state = state
            try:
                message = json.dumps({"metrics": metrics, "run": state})
                self.write_message(without_server_folders(message, self.settings["server_root_dir"], workspace.root))
            except websocket.WebSocketClosedError:
                self.poller.stop()
                return
        if run["status"] in runs.FINAL and not metrics:
            self.poller.stop()
            self.close()

    def on_close(self) -> None:
        """Stop polling when the browser goes away."""
        if hasattr(self, "poller"):
            self.poller.stop()


class StudiesHandler(MassHandler):
    """Automatic tuning studies of a project."""

    responses = {"post": {201: "Study", 400: None, 404: None}}
    request_bodies = {"post": "NewStudy"}

    @web.authenticated
    @authorized
    def post(self, project_id: str) -> None:
        """Auto-tune: start an Optuna study over the template's search space; its trials appear as runs."""
        body = self.read_json()
        study = tuning.start_study(self.workspace, project_id, dataset_id=body["dataset_id"], trials=body["trials"],
                                   version=body.get("version"), overrides=body.get("config"),
                                   preset=body.get("preset"), user=self.user_name)
        self.scheduler.tick()
        self.set_header("Location", url_path_join(self.base_url, API_PREFIX, "studies", str(study["id"])))
        self.write_json(study_json(tuning.get_study(self.workspace, study["id"])), status=HTTPStatus.CREATED)


class StudyHandler(MassHandler):
    """One tuning study."""

    responses = {"get": {200: "Study", 404: None}}

    @web.authenticated
    @authorized
    def get(self, study_id: str) -> None:
        """A study: its trials (runs with their configurations and results) and its best run."""
        self.write_json(study_json(tuning.get_study(self.workspace, int(study_id))))


class StudyPromoteHandler(MassHandler):
    """Promote a study's best configuration."""

    responses = {"post": {201: "Run", 404: None, 409: None}}

    @web.authenticated
    @authorized
    def post(self, study_id: str) -> None:
        """Queue a normal run with the best trial's configuration."""
        run = tuning.promote(self.workspace, int(study_id), user=self.user_name)
        self.scheduler.tick()
        self.write_json(run_json(runs.get_run(self.workspace, run["id"])), status=HTTPStatus.CREATED)


class StudyStopHandler(MassHandler):
    """Stop a tuning study."""

    responses = {"post": {200: "Study", 404: None, 409: None}}

    @web.authenticated
    @authorized
    def post(self, study_id: str) -> None:
        """Stop a running study: no trial starts after this one.

        Its queued trial is cancelled and a running one stops after its current step (as a cancelled run);
        finished trials stay as they are and the best so far can still be promoted. 409 when the study has
        already ended.
        """
        self.write_json(study_json(tuning.stop_study(self.workspace, int(study_id), user=self.user_name)))
