"""A deploy button for a notebook: serve a registered model version, watch it start, stop it.

The widget records the deployment in the store; the Mass IDE server's supervisor
starts its worker, and the widget watches the store (in a background thread, on its
own database connection) until the deployment runs or fails.
"""

import html
import threading
import time

import ipywidgets as widgets

from mass_ide.core import audit, registry
from mass_ide.core.errors import MassError
from mass_ide.core.serving import deployments
from mass_ide.core.workspace import Workspace

API_ROOT = "mass-ide/api/"
WATCH_SECONDS = 0.5
WATCH_TIMEOUT_S = 300
STATUS_COLOURS = {"starting": "#b8860b", "running": "#2e7d32", "failed": "#c62828", "stopped": "#616161"}


def live_deployment(ws: Workspace, version: dict) -> dict | None:
    """The newest starting or running deployment of ``version``, if any."""
    for found in deployments.list_deployments(ws, version["project_id"]):
        if (found["model"], found["version"]) == (version["model"], version["number"]) \
                and found["status"] in deployments.LIVE:
            return found
    return None


def status_html(deployment: dict | None) -> str:
    """A deployment's status, predict URL, request count and p50 latency as HTML."""
    if deployment is None:
        return "<i>not deployed</i>"
    colour = STATUS_COLOURS.get(deployment["status"], "inherit")
    p50 = deployment["latency_ms_p50"]
    lines = [(f"deployment {deployment['id']} ({deployment['runtime']}): "
             f"<b style='color:{colour}'>{deployment['status']}</b>"),
             f"predict URL: <code>{API_ROOT}{deployment['url']}</code>",
             (f"requests: {deployment['requests']} · errors: {deployment['errors']} · "
             f"p50 latency: {'—' if p50 is None else f'{p50:.1f} ms'}")]
    if deployment["error"]:
        lines.append(f"<pre>{html.escape(deployment['error'])}</pre>")
    return "<br>".join(lines)


class DeployButton(widgets.VBox):
    """Deploy a model version in one click; its status, predict URL, requests and p50 latency; Undeploy."""

    def __init__(self, workspace: Workspace, name: str, ref: object = "latest", *, user: str | None = None,
                 runtime: str = "torch", watch: bool = True):
        self.workspace, self.user, self.runtime, self.watch = workspace, user or audit.local_user(workspace.db), runtime, watch
        self.version = registry.get_version(workspace, name, ref)
        found = live_deployment(workspace, self.version)
        self.deployment_id: int | None = found["id"] if found else None
        self.watcher: threading.Thread | None = None
        self.title = widgets.HTML(self._title())
        self.deploy_button = widgets.Button(description="Deploy", button_style="success", icon="rocket")
        self.undeploy_button = widgets.Button(description="Undeploy", button_style="danger", icon="stop")
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.status = widgets.HTML()
        self.message = widgets.HTML()
        self.deploy_button.on_click(lambda _: self.deploy())
        self.undeploy_button.on_click(lambda _: self.undeploy())
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__([self.title, widgets.HBox([self.deploy_button, self.undeploy_button, self.refresh_button]),
                          self.status, self.message])
        self.refresh()
        if found and found["status"] == "starting":
            self._start_watching()

    def _title(self) -> str:
        """The model, its version, aliases and headline metrics."""
        version = self.version
        aliases = f" ({', '.join('@' + a for a in version['aliases'])})" if version["aliases"] else ""
        metrics = ", ".join(f"{k} {v:.3f}" for k, v in version["metrics"].items() if isinstance(v, float))
        return (f"<b>{html.escape(version['model'])}</b> version {version['number']}{html.escape(aliases)}"
                + (f" — {html.escape(metrics)}" if metrics else ""))

    @property
    def deployment(self) -> dict | None:
        """The deployment this widget shows, as the store has it now."""
        if self.deployment_id is None:
            return None
        return deployments.public_deployment(self.workspace, self.deployment_id)

    def show(self, deployment: dict | None) -> None:
        """Draw ``deployment``: its status, and which buttons apply."""
        self.status.value = status_html(deployment)
        live = deployment is not None and deployment["status"] in deployments.LIVE
        self.deploy_button.disabled, self.undeploy_button.disabled = live, not live

    def refresh(self) -> dict | None:
        """Read the deployment from the store and draw it."""
        found = self.deployment
        self.show(found)
        return found

    def deploy(self) -> dict | None:
        """Record a new deployment of the version; the server starts its worker while the widget watches."""
        try:
            created = deployments.deploy(self.workspace, self.version["model"], self.version["number"],
                                         user=self.user, runtime=self.runtime)
        except MassError as error:
            self.message.value = f"<span style='color:#c62828'>{html.escape(str(error))}</span>"
            return None
        self.deployment_id, self.message.value = created["id"], ""
        self._start_watching()
        return self.refresh()

    def undeploy(self) -> dict | None:
        """Stop the deployment's worker."""
        try:
            deployments.undeploy(self.workspace, self.deployment_id, user=self.user)
        except MassError as error:
            self.message.value = f"<span style='color:#c62828'>{html.escape(str(error))}</span>"
        return self.refresh()

    def _start_watching(self) -> None:
        """Redraw in the background until the deployment leaves ``starting``."""
        if self.watch and (self.watcher is None or not self.watcher.is_alive()):
            self.watcher = threading.Thread(target=self._watch, args=(self.deployment_id,), daemon=True,
                                            name=f"mass-ide-deploy-{self.deployment_id}")
            self.watcher.start()

    def _watch(self, deployment_id: int) -> None:
        """The watcher thread: its own connection to the store, so the kernel's stays the kernel's."""
        own = Workspace.open(self.workspace.root, db_path=self.workspace.database_file())
        try:
            deadline = time.monotonic() + WATCH_TIMEOUT_S
            while time.monotonic() < deadline and deployment_id == self.deployment_id:
                found = deployments.public_deployment(own, deployment_id)
                self.show(found)
                if found["status"] != "starting":
                    return
                time.sleep(WATCH_SECONDS)
        finally:
            own.close()
