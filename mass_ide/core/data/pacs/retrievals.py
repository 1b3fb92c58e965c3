"""Retrievals under way: each in a thread of its own, with progress, speed, time left and cancel.

The server keeps one :class:`Retrievals`. A retrieval is network-bound, so it runs on a
thread (with its own database connection) rather than in a worker process; what it
has fetched lies on disk, so a server restart loses only the bookkeeping: starting
the same retrieval again resumes it.
"""

import threading
import time
import uuid
from dataclasses import dataclass, field

from mass_ide.core.data.pacs.nodes import PacsNode, find_node
from mass_ide.core.data.pacs.retrieve import Cancelled, Transfer, retrieve_into_dataset
from mass_ide.core.errors import MassError, NotFound
from mass_ide.core.projects import get_project
from mass_ide.core.workspace import Workspace

FINISHED = ("done", "failed", "cancelled")


@dataclass
class Retrieval:
    """One retrieval: where it stands, and its dataset once imported."""

    id: str
    project_id: str
    node: str
    series_count: int
    user: str
    state: str = "fetching"  # fetching → importing → done | failed | cancelled
    message: str | None = None
    dataset_id: int | None = None
    transfer: Transfer = field(default_factory=Transfer)
    started: float = field(default_factory=time.monotonic)
    fetch_started: float | None = None

    def to_json(self) -> dict:
        """Progress as the PACS panel shows it: instances done of total, instances/s, seconds left."""
        transfer = self.transfer
        fetched = transfer.done - transfer.present
        elapsed = time.monotonic() - (self.fetch_started or self.started)
        rate = fetched / elapsed if fetched and elapsed > 0 else None
        left = (transfer.total - transfer.done) / rate if rate and self.state == "fetching" else None
        return {"id": self.id, "project_id": self.project_id, "node": self.node, "series": self.series_count,
                "state": self.state, "message": self.message, "dataset_id": self.dataset_id,
                "instances_total": transfer.total, "instances_done": transfer.done,
                "instances_resumed": transfer.present, "skipped": list(transfer.skipped),
                "instances_per_second": None if rate is None else round(rate, 2),
                "seconds_left": None if left is None else round(left, 1)}


class Retrievals:
    """Every retrieval this server started, by id."""

    def __init__(self, ws: Workspace, nodes: dict[str, PacsNode]):
        self.ws, self.nodes = ws, nodes
        self._retrievals: dict[str, Retrieval] = {}
        self._threads: dict[str, threading.Thread] = {}

    def start(self, project_id: str, *, node: str, study_uid: str, series_uids: list[str], user: str,
              name: str | None = None, deid=None) -> Retrieval:
        """Start fetching the series on a thread; the retrieval to follow."""
        pacs = find_node(self.nodes, node)
        get_project(self.ws, project_id)
        retrieval = Retrieval(id=uuid.uuid4().hex[:12], project_id=project_id, node=pacs.name,
                              series_count=len(series_uids), user=user)
        self._retrievals[retrieval.id] = retrieval
        thread = threading.Thread(target=self._run, name=f"pacs-retrieve-{retrieval.id}", daemon=True,
                                  args=(retrieval, pacs, study_uid, list(series_uids), name, deid))
        self._threads[retrieval.id] = thread
        thread.start()
        return retrieval

    def _run(self, retrieval: Retrieval, node: PacsNode, study_uid: str, series_uids: list[str], name, deid) -> None:
        """The thread's body: fetch, import, and record how it ended."""
        ws = Workspace.open(self.ws.root, db_path=self.ws.database_file())
        retrieval.fetch_started = time.monotonic()

        def importing() -> None:
            retrieval.state = "importing"

        try:
            dataset = retrieve_into_dataset(ws, retrieval.project_id, node=node, study_uid=study_uid,
                                            series_uids=series_uids, user=retrieval.user, transfer=retrieval.transfer,
                                            name=name, deid=deid, on_importing=importing)
            retrieval.dataset_id, retrieval.state = dataset.id, "done"
        except Cancelled:
            retrieval.state, retrieval.message = "cancelled", "cancelled; nothing was imported"
        except MassError as error:
            kept = retrieval.transfer.done
            resume = f"; {kept} instance(s) fetched are kept: retrieve again to resume" if kept else ""
            retrieval.state, retrieval.message = "failed", f"{error}{resume}"
        except Exception as error:  # noqa: BLE001 - a bug: said in the panel rather than lost on a thread
            retrieval.state, retrieval.message = "failed", f"the retrieval failed unexpectedly ({type(error).__name__})"
            raise
        finally:
            ws.close()

    def get(self, retrieval_id: str) -> Retrieval:
        """The retrieval, or :class:`NotFound`."""
        if retrieval_id not in self._retrievals:
            raise NotFound(f"no retrieval {retrieval_id} on this server (the server may have restarted: start it "
                           "again to resume)")
        return self._retrievals[retrieval_id]

    def list(self, project_id: str | None = None) -> list[Retrieval]:
        """The retrievals this server started, newest first (of one project, when given)."""
        found = [r for r in self._retrievals.values() if project_id in (None, r.project_id)]
        return sorted(found, key=lambda r: r.started, reverse=True)

    def cancel(self, retrieval_id: str) -> Retrieval:
        """Ask a retrieval to stop after the instance it is fetching (nothing is imported)."""
        retrieval = self.get(retrieval_id)
        if retrieval.state == "fetching":
            retrieval.transfer.stop.set()
        return retrieval

    def wait(self, retrieval_id: str, timeout: float | None = None) -> Retrieval:
        """Block until the retrieval has ended (for tests, notebooks and the command line)."""
        self._threads[retrieval_id].join(timeout)
        return self.get(retrieval_id)

    def shut_down(self) -> None:
        """Cancel what is fetching and wait for the threads (the server is stopping)."""
        for retrieval in self._retrievals.values():
            retrieval.transfer.stop.set()
        for thread in self._threads.values():
            thread.join(timeout=30)
