"""Clinical predictions over a list of PACS series, one after the other on a thread, each sent back when asked.

A lead runs a deployed model over a worklist: each series is fetched, predicted and written as
a SEG or SR (:func:`~mass_ide.core.serving.clinical.predict_series`) and, with ``send_to``, stored
on that PACS node at once. A batch lives in the server's memory only, like the results it makes:
the audit log keeps each prediction and each sending with hashed UIDs.
"""

import threading
import time
import uuid
from dataclasses import dataclass, field

from mass_ide.core.data.pacs.nodes import PacsNode, find_node
from mass_ide.core.errors import InvalidInput, MassError, NotFound
from mass_ide.core.serving import clinical, deployments
from mass_ide.core.workspace import Workspace

MAX_SERIES = 500


@dataclass
class BatchItem:
    """One series of a batch and how it went."""

    study_uid: str
    series_uid: str
    state: str = "waiting"  # waiting → predicting → done | failed | cancelled
    kind: str | None = None
    prediction_id: str | None = None
    accepted: int | None = None
    message: str | None = None

    def to_json(self) -> dict:
        return {"study_uid": self.study_uid, "series_uid": self.series_uid, "state": self.state, "kind": self.kind,
                "prediction_id": self.prediction_id, "accepted": self.accepted, "message": self.message}


@dataclass
class Batch:
    """A worklist run by one deployment."""

    id: str
    deployment_id: int
    node: str
    send_to: str | None
    user: str
    items: list[BatchItem]
    state: str = "running"  # running → done | cancelled
    started: float = field(default_factory=time.monotonic)
    stop: threading.Event = field(default_factory=threading.Event)

    def to_json(self) -> dict:
        ended = [item for item in self.items if item.state in ("done", "failed", "cancelled")]
        return {"id": self.id, "deployment_id": self.deployment_id, "node": self.node, "send_to": self.send_to,
                "state": self.state, "total": len(self.items), "done": len(ended),
                "failed": sum(item.state == "failed" for item in self.items),
                "items": [item.to_json() for item in self.items]}


class Batches:
    """Every batch this server started, by id."""

    def __init__(self, ws: Workspace, nodes: dict[str, PacsNode]):
        self.ws, self.nodes = ws, nodes
        self._batches: dict[str, Batch] = {}
        self._threads: dict[str, threading.Thread] = {}

    def start(self, deployment_id: int, *, node: str, series: list[dict], user: str,
              send_to: str | None = None) -> Batch:
        """Start predicting on each series (``{study_uid, series_uid}``) on a thread; the batch to follow."""
        pacs = find_node(self.nodes, node)
        target = find_node(self.nodes, send_to) if send_to else None
        deployments.running_deployment(self.ws, deployment_id)
        if not 1 <= len(series) <= MAX_SERIES:
            raise InvalidInput(f"give between 1 and {MAX_SERIES} series")
        batch = Batch(id=uuid.uuid4().hex[:12], deployment_id=deployment_id, node=pacs.name, user=user,
                      send_to=target.name if target else None,
                      items=[BatchItem(entry["study_uid"], entry["series_uid"]) for entry in series])
        self._batches[batch.id] = batch
        thread = threading.Thread(target=self._run, args=(batch, pacs, target), daemon=True,
                                  name=f"clinical-batch-{batch.id}")
        self._threads[batch.id] = thread
        thread.start()
        return batch

    def _run(self, batch: Batch, node: PacsNode, target: PacsNode | None) -> None:
        """The thread's body: each series in turn, a failure said on its item and the next one tried."""
        ws = Workspace.open(self.ws.root, db_path=self.ws.database_file())
        try:
            for item in batch.items:
                if batch.stop.is_set():
                    item.state = "cancelled"
                    continue
                item.state = "predicting"
                try:
                    answer = clinical.predict_series(ws, batch.deployment_id, node=node, study_uid=item.study_uid,
                                                     series_uid=item.series_uid, user=batch.user)
                    item.kind, item.prediction_id = answer["result"]["kind"], answer["prediction_id"]
                    if target is not None:
                        sent = clinical.send_result(ws, batch.deployment_id, item.prediction_id, node=target,
                                                    user=batch.user)
                        item.accepted = sent["accepted"]
                        item.message = "; ".join(r["reason"] for r in sent["refused"]) or None
                    item.state = "done"
                except MassError as error:
                    item.state, item.message = "failed", str(error)
            batch.state = "cancelled" if batch.stop.is_set() else "done"
        finally:
            ws.close()

    def get(self, batch_id: str) -> Batch:
        """The batch, or :class:`NotFound`."""
        if batch_id not in self._batches:
            raise NotFound(f"no batch {batch_id} on this server (batches live in its memory; start it again)")
        return self._batches[batch_id]

    def list(self, deployment_id: int | None = None) -> list[Batch]:
        """The batches this server started, newest first (of one deployment, when given)."""
        found = [b for b in self._batches.values() if deployment_id in (None, b.deployment_id)]
        return sorted(found, key=lambda b: b.started, reverse=True)

    def cancel(self, batch_id: str) -> Batch:
        """Stop after the series being predicted."""
        batch = self.get(batch_id)
        batch.stop.set()
        return batch

    def wait(self, batch_id: str, timeout: float | None = None) -> Batch:
        """Block until the batch has ended (for tests, notebooks and the command line)."""
        self._threads[batch_id].join(timeout)
        return self.get(batch_id)

    def shut_down(self) -> None:
        """Cancel every batch and wait for the threads (the server is stopping)."""
        for batch in self._batches.values():
            batch.stop.set()
        for thread in self._threads.values():
            thread.join(timeout=60)
