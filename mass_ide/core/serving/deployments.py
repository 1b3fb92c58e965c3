"""Deployments: a registered model version served by its own worker process.

starting → running (the worker listens) → stopped (undeployed), or failed (the worker
died). Each worker is ``python -m mass_ide.serve`` on 127.0.0.1 with a random port and
a per-deployment key; the IDE server forwards predictions to it. This module records
deployments, requests and the audit trail, and supervises the workers through
:mod:`mass_ide.core.processes`: a server that restarts adopts live workers and marks the others stopped.
A server that stops on purpose stops its workers (SIGTERM, SIGKILL after a grace period)
and marks their deployments to start again with the next server, which says so in its log.
"""

import json
import secrets
import socket
import statistics
import sys
from collections import deque
from http import HTTPStatus
from pathlib import Path

from mass_ide.core import audit, processes
from mass_ide.core.errors import Conflict, NotFound
from mass_ide.core.serving.inputs import REQUEST_MAX_BYTES
from mass_ide.core.serving.runtime import check_runtime
from mass_ide.core.workspace import Workspace

LIVE = ("starting", "running")
KEY_ENV = "MASS_IDE_SERVE_KEY"  # the variable mass_ide.serve reads its key from
LATENCY_WINDOW = 1000
LOG_LINES = 20
USER_ERRORS = (HTTPStatus.BAD_REQUEST, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)  # a worker's answers the user can fix
SUSPENDED = "stopped with the IDE server; its worker starts again when the server does"
UNCHECKED_OVERRIDE = "not exported yet: the ONNX export its worker makes is served whatever its parity check finds"


def deployment_dir(ws: Workspace, deployment_id: int) -> Path:
    """Where a deployment keeps its worker log, ready file, scratch space and predicted masks."""
    return ws.root / "deployments" / str(deployment_id)


def predict_path(deployment_id: int) -> str:
    """The predict URL of a deployment, relative to the API root."""
    return f"deployments/{deployment_id}/predict"


def _row(ws: Workspace, deployment_id: int) -> dict:
    """A deployment's row joined with its model name, version number and signature."""
    found = ws.db.execute(
        "SELECT d.*, v.number AS version, v.signature AS signature, v.folder AS folder, m.name AS model, "
        "m.project_id AS project_id FROM deployments d JOIN model_versions v ON v.id = d.version_id "
        "JOIN models m ON m.id = v.model_id WHERE d.id = ?", [deployment_id])
    columns = [c[0] for c in found.description]
    row = found.fetchone()
    if row is None:
        raise NotFound(f"no deployment with id {deployment_id}")
    return dict(zip(columns, row))


def deployment_json(row: dict) -> dict:
    """A deployment as the REST API shows it (never its key or port)."""
    return {"id": row["id"], "model": row["model"], "version": row["version"], "project_id": row["project_id"],
            "status": row["status"], "url": predict_path(row["id"]), "requests": row["requests"],
            "errors": row["errors"], "latency_ms_p50": row["latency_ms_p50"], "runtime": row["runtime"],
            "signature": json.loads(row["signature"]), "created_at": row["created_at"],
            "created_by": row["created_by"], "stopped_at": row["stopped_at"], "error": row["error"]}


def public_deployment(ws: Workspace, deployment_id: int) -> dict:
    """A deployment as the REST API shows it."""
    return deployment_json(_row(ws, deployment_id))


def get_deployment(ws: Workspace, deployment_id: int) -> dict:
    """One deployment with its worker's port and key (for the server that forwards to it) and the failed parity
    verdict it overrode (None: none)."""
    row = _row(ws, deployment_id)
    return {**deployment_json(row), "port": row["port"], "pid": row["pid"], "secret": row["secret"],
            "folder": ws.root / row["folder"], "version_id": row["version_id"],
            "override_parity": row["override_parity"]}


def running_deployment(ws: Workspace, deployment_id: int) -> dict:
    """A deployment that can answer (with its port and key), or Conflict saying why not."""
    found = get_deployment(ws, deployment_id)
    if found["status"] != "running":
        detail = f": {found['error'].splitlines()[0]}" if found["error"] else ""
        raise Conflict(f"deployment {deployment_id} is {found['status']}{detail}; "
                       + ("wait until it is running" if found["status"] == "starting" else "deploy the version again"))
    return found


def list_deployments(ws: Workspace, project_id: str | None = None) -> list[dict]:
    """Deployments (of one project when given), newest first."""
    query = ("SELECT d.id FROM deployments d JOIN model_versions v ON v.id = d.version_id "
             "JOIN models m ON m.id = v.model_id")
    found = ws.db.execute(query + (" WHERE m.project_id = ?" if project_id else "") + " ORDER BY d.id DESC",
                          [project_id] if project_id else [])
    return [deployment_json(_row(ws, row[0])) for row in found.fetchall()]


def parity_override(report: dict | None, runtime: str, override_parity: bool) -> str | None:
    """What an overriding ONNX deployment agrees to serve: the export's failed verdict, or (not checked yet)
    whatever its worker's export finds; None without an override, on torch, or for an export that passed."""
    from mass_ide.core.serving.export import has_verdict, parity_failure

    if not override_parity or runtime != "onnx":
        return None
    if not has_verdict(report, "onnx"):
        return UNCHECKED_OVERRIDE
    return parity_failure(report, "onnx")


def deploy(ws: Workspace, name: str, ref: object = None, *, user: str, runtime: str = "torch",
           override_parity: bool = False) -> dict:
    """Record a new deployment of version ``ref`` of model ``name``; a supervisor starts its worker.

    Conflict when the ONNX runtime is asked for and the version's last ONNX export failed its parity check,
    unless ``override_parity`` (:func:`parity_override` kept in the row, which lets the worker serve it, and
    in the audit entry). A version never exported is exported and checked by its worker, which refuses to
    serve a failed export unless the deployment overrode it."""
    from mass_ide.core import registry
    from mass_ide.core.serving.export import OVERRIDE_ADVICE, parity_failure

    check_runtime(runtime)
    version = registry.get_version(ws, name, ref)
    if version["deleted_at"]:
        raise Conflict(f"version {version['number']} of {name!r} is deleted; restore it before deploying")
    failure = parity_failure(version.get("export"), runtime) if runtime == "onnx" else None
    if failure and not override_parity:
        raise Conflict(f"version {version['number']} of {name!r}: {failure}; {OVERRIDE_ADVICE}")
    override = parity_override(version.get("export"), runtime, override_parity)
    with ws.db.atomic():
        deployment_id = ws.db["deployments"].insert({
            "version_id": version["id"], "status": "starting", "secret": secrets.token_urlsafe(32),
            "runtime": runtime, "requests": 0, "errors": 0, "created_at": audit.now_iso(), "created_by": user,
            "override_parity": override,
        }).last_pk
        audit.record(ws.db, user=user, action="deployment.create", target=f"deployment:{deployment_id}",
                     detail={"model": name, "version": version["number"], "runtime": runtime,
                             **({"override_parity": override} if override else {})})
    return get_deployment(ws, deployment_id)


def update_deployment(ws: Workspace, deployment_id: int, **fields) -> None:
    """Change a deployment's state fields (status, pid, port, error…)."""
    with ws.db.atomic():
        ws.db["deployments"].update(deployment_id, fields)


def undeploy(ws: Workspace, deployment_id: int, *, user: str) -> dict:
    """Stop a deployment's worker and mark it stopped (409 when it already is)."""
    deployment = get_deployment(ws, deployment_id)
    if deployment["status"] == "stopped":
        raise Conflict(f"deployment {deployment_id} is already stopped")
    processes.terminate(deployment["pid"])  # the supervisor reaps its worker at its next tick
    with ws.db.atomic():
        ws.db["deployments"].update(deployment_id, {"status": "stopped", "stopped_at": audit.now_iso()})
        audit.record(ws.db, user=user, action="deployment.stop", target=f"deployment:{deployment_id}",
                     detail={"model": deployment["model"], "version": deployment["version"]})
    return get_deployment(ws, deployment_id)


def record_prediction(ws: Workspace, deployment: dict, *, user: str, input_sha256: str, output: object,
                      latency_ms_p50: float | None, ok: bool, prediction_id: str | None = None,
                      origin: dict | None = None) -> None:
    """Count one request and write it to the audit log: who, when, which version, the input's hash, the output,
    the kept prediction's id and, for a series from a PACS, where it came from (hashed UIDs)."""
    field = "requests" if ok else "errors"
    detail = {"model": deployment["model"], "version": deployment["version"], "input_sha256": input_sha256,
              "output": output, **({"prediction_id": prediction_id} if prediction_id else {}),
              **({"origin": origin} if origin else {})}
    with ws.db.atomic():
        ws.db.execute(f"UPDATE deployments SET {field} = {field} + 1, latency_ms_p50 = coalesce(?, latency_ms_p50) "
                      "WHERE id = ?", [latency_ms_p50, deployment["id"]])
        audit.record(ws.db, user=user, action="prediction" if ok else "prediction.refused",
                     target=f"deployment:{deployment['id']}", detail=detail)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_command(deployment: dict, *, port: int, folder: Path, max_body_bytes: int = REQUEST_MAX_BYTES) -> list[str]:
    """The command that serves ``deployment`` on ``port``, reading request bodies up to ``max_body_bytes``."""
    from mass_ide.core.registry.bundle import ONNX_FILE

    return [sys.executable, "-m", "mass_ide.serve", "--model-file", str(deployment["folder"] / "models" / "model.pt"),
            "--onnx-file", str(deployment["folder"] / ONNX_FILE), "--runtime", deployment["runtime"],
            "--name", deployment["model"], "--version", str(deployment["version"]), "--port", str(port),
            "--ready-file", str(folder / "ready.json"), "--scratch", str(folder / "scratch"),
            "--max-body-bytes", str(max_body_bytes), *(["--override-parity"] if deployment["override_parity"] else [])]


def log_tail(ws: Workspace, deployment_id: int, *, lines: int = LOG_LINES) -> str:
    """The last lines of a worker's log."""
    path = deployment_dir(ws, deployment_id) / "worker.log"
    if not path.is_file():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def worker_message(body: bytes) -> str:
    """The ``message`` of a worker's JSON error answer, or the start of its text when it is not JSON."""
    try:
        found = json.loads(body)
    except ValueError:
        found = None
    if isinstance(found, dict) and isinstance(found.get("message"), str):
        return found["message"]
    return body.decode("utf-8", errors="replace").strip()[:200] or "no message"


def relayed_refusal(ws: Workspace, deployment: dict, *, code: int, body: bytes) -> tuple[int, str]:
    """The status and message for a worker's answer other than 200: the user's mistake (400, 413) as the
    worker said it; anything else is the deployment failing (502), with where its log is."""
    message = worker_message(body)
    if code in USER_ERRORS:
        return code, message
    log = (deployment_dir(ws, deployment["id"]) / "worker.log").relative_to(ws.root).as_posix()
    return HTTPStatus.BAD_GATEWAY, (f"deployment {deployment['id']}'s worker failed on this request "
                                    f"(HTTP {code}: {message}); its log is {log} in the workspace")


def observe_latency(windows: dict[int, deque], deployment_id: int, latency_ms: float) -> float:
    """Add one request's latency to the deployment's window in ``windows``; the median of the recent ones."""
    window = windows.setdefault(deployment_id, deque(maxlen=LATENCY_WINDOW))
    window.append(latency_ms)
    return round(statistics.median(window), 3)


class DeploymentSupervisor(processes.Supervising):
    """Starts workers of new deployments and notices the ones that listen or die; call :meth:`tick` often.

    ``max_body_bytes``: the largest prediction request a worker reads (larger ones get 413).
    """

    def __init__(self, ws: Workspace, *, max_body_bytes: int = REQUEST_MAX_BYTES):
        super().__init__()  # its workers, by deployment id
        self.ws, self.max_body_bytes = ws, max_body_bytes
        self.resumed: list[int] = []  # deployments whose workers :meth:`recover` found handed over, to start again
        self.latencies: dict[int, deque] = {}

    def recover(self) -> None:
        """At start: adopt live workers, leave deployments waiting for a worker to :meth:`tick`, mark those
        whose worker is gone stopped; :attr:`resumed` lists those the last server stopped with itself."""
        for row in self.ws.db["deployments"].rows_where("status IN (?, ?)", list(LIVE)):
            if row["pid"] and self.workers.adopt(row["id"], row["pid"]):
                continue
            if row["status"] == "starting" and not row["pid"]:  # deployed from a notebook, or handed over
                self.resumed += [row["id"]] if row["error"] == SUSPENDED else []
            else:
                update_deployment(self.ws, row["id"], status="stopped", stopped_at=audit.now_iso(),
                                  error="the worker stopped while the server was down; deploy again")

    def start(self, deployment: dict) -> None:
        """Launch the worker of a new deployment."""
        folder = deployment_dir(self.ws, deployment["id"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ready.json").unlink(missing_ok=True)
        port = free_port()
        command = worker_command(deployment, port=port, folder=folder, max_body_bytes=self.max_body_bytes)
        worker = self.workers.start(deployment["id"], command, log=folder / "worker.log",
                                    env={KEY_ENV: deployment["secret"]})
        update_deployment(self.ws, deployment["id"], pid=worker.pid, port=port, error=None)

    def _failed(self, deployment_id: int, reason: str) -> None:
        """Mark a deployment failed (unless it was undeployed), with the end of its log."""
        if _row(self.ws, deployment_id)["status"] in LIVE:
            tail = log_tail(self.ws, deployment_id)
            update_deployment(self.ws, deployment_id, status="failed", stopped_at=audit.now_iso(),
                              error=f"{reason}\n{tail}".strip())

    def _reap(self) -> None:
        """Notice workers that exited or vanished."""
        for deployment_id, worker in self.workers.ended():
            self._failed(deployment_id, "the worker stopped" if worker.adopted
                         else f"the worker exited with code {worker.returncode}")

    def tick(self) -> None:
        """Reap dead workers, start new deployments, mark listening ones running."""
        self._reap()
        for row in list(self.ws.db["deployments"].rows_where("status = ?", ["starting"])):
            if not row["pid"]:
                self.start(get_deployment(self.ws, row["id"]))
            elif (deployment_dir(self.ws, row["id"]) / "ready.json").is_file():
                update_deployment(self.ws, row["id"], status="running")

    def observe(self, deployment_id: int, latency_ms: float) -> float:
        """Keep one request's latency; the median of the recent ones."""
        return observe_latency(self.latencies, deployment_id, latency_ms)

    def stop_all(self) -> None:
        """Stop the workers this supervisor started, leaving their deployments' state as it is (tests)."""
        self.workers.stop_all(adopted=False)

    def shut_down(self, *, grace_s: float = processes.STOP_GRACE_S) -> list[int]:
        """Stop every worker this supervisor watches, started or adopted, and mark their deployments to start
        again with the next server (:meth:`recover`); their ids."""
        watched = self.workers.stop_all(grace_s=grace_s)
        handed_over = [deployment_id for deployment_id in watched if _row(self.ws, deployment_id)["status"] in LIVE]
        for deployment_id in handed_over:
            update_deployment(self.ws, deployment_id, status="starting", pid=None, port=None, error=SUSPENDED)
        return handed_over
