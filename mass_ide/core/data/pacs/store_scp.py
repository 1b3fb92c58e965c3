"""Mass IDE as a DICOM node: a C-STORE SCP (pynetdicom) whose received series land, de-identified, in an inbox.

A scanner, a PACS or a workstation pushes series to our AE title; C-ECHO answers.
An association from a calling AE title not in the allowed list is rejected
(A-ASSOCIATE-RJ, "calling AE title not recognised") and audited. Each instance is
written straight to disk (memory holds one), atomically, into a folder per series
under ``uploads/pacs/node/``, so a series sent over several associations gathers in
one folder, and a repeated instance overwrites its own file. When nothing more has
arrived for a series for ``settle_seconds``, the folder goes through the one importer
(:mod:`mass_ide.core.data.pacs.inbox`) and is deleted. Reports, presentation states
and other objects without pixel data are accepted, skipped and listed.
"""

import logging
import os
import queue
import shutil
import threading
import time
import uuid
from collections import deque

from mass_ide.core.data.pacs.inbox import ReceivedSeries, find_project, import_received, record_refusal
from mass_ide.core.data.pacs.nodes import AE_TITLE, hashed_uid
from mass_ide.core.data.pacs.retrieve import DOWNLOADS, _instance_file
from mass_ide.core.errors import InvalidInput, RemoteUnavailable
from mass_ide.core.workspace import Workspace

RECEIVED = DOWNLOADS / "node"  # kept across restarts (Workspace.clear_uploads keeps uploads/pacs)
INCOMING, IMPORTING = ".incoming", ".importing-"
RECENT = 50  # finished series kept in memory for the status route
OUT_OF_RESOURCES = 0xA700
LOG = logging.getLogger("mass_ide.dicom_node")


class DicomNode:
    """A C-STORE and C-ECHO SCP on ``host:port`` whose series go into the project's inbox dataset."""

    def __init__(self, ws: Workspace, *, ae_title: str = "MASSIDE", port: int = 0, host: str = "127.0.0.1",
                 allowed_callers=(), project: str = "", inbox: str = "PACS inbox", settle_seconds: float = 10.0,
                 deid=None):
        self.root, self.db_path = ws.root, ws.database_file()
        self.ae_title, self.port, self.host = ae_title.strip(), port, host
        self.allowed = sorted({title.strip() for title in allowed_callers})
        self.project, self.inbox, self.settle, self.deid = project.strip(), inbox, settle_seconds, deid
        self.folder = self.root / RECEIVED
        self.message: str | None = None if port else "off: set MassIDEApp.dicom_node_port to listen"
        self._lock, self._stop, self._events = threading.Lock(), threading.Event(), queue.Queue()
        self._pending: dict[str, ReceivedSeries] = {}
        self._recent: deque[ReceivedSeries] = deque(maxlen=RECENT)
        self._server = self._thread = None

    @property
    def enabled(self) -> bool:
        return bool(self.port)

    @property
    def listening(self) -> bool:
        return self._server is not None

    def _check_settings(self) -> None:
        """:class:`InvalidInput` naming the setting that is wrong."""
        for title in [self.ae_title, *self.allowed]:
            if not AE_TITLE.match(title) or "\\" in title:
                raise InvalidInput(f"DICOM node: {title!r} is not an AE title (1 to 16 printable ASCII characters); "
                                   "check MassIDEApp.dicom_node_ae_title and dicom_node_allowed_callers")
        if not 0 < self.port < 65536:
            raise InvalidInput("DICOM node: MassIDEApp.dicom_node_port must be from 1 to 65535 (0 is off)")
        if not self.project:
            raise InvalidInput("DICOM node: set MassIDEApp.dicom_node_project to the project whose inbox receives")
        if not self.settle > 0:
            raise InvalidInput("DICOM node: MassIDEApp.dicom_node_settle_seconds must be more than 0")

    def start(self) -> None:
        """Listen, and start the thread that imports settled series; :class:`InvalidInput` or
        :class:`RemoteUnavailable` (the port is taken) saying why not."""
        from pynetdicom import AE, AllStoragePresentationContexts, evt
        from pynetdicom.sop_class import Verification

        try:
            self._check_settings()
            self._recover()
            ae = AE(ae_title=self.ae_title)
            ae.require_called_aet = True
            for context in [*AllStoragePresentationContexts]:
                ae.add_supported_context(context.abstract_syntax)
            ae.add_supported_context(Verification)
            handlers = [(evt.EVT_REQUESTED, self._on_requested), (evt.EVT_C_STORE, self._on_store)]
            try:
                self._server = ae.start_server((self.host, self.port), block=False, evt_handlers=handlers)
            except OSError as error:
                raise RemoteUnavailable(f"DICOM node: cannot listen on {self.host}:{self.port} "
                                        f"({error.strerror or error}); is another program using that port?") from None
        except (InvalidInput, RemoteUnavailable) as error:
            self.message = str(error)
            raise
        self.message = None
        self._thread = threading.Thread(target=self._run, name="dicom-node", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (open associations are aborted) and stop the import thread; pending series stay on
        disk and are imported after the next start."""
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _recover(self) -> None:
        """Series a previous server received but did not import: pending again (a half-done import too)."""
        (self.folder / INCOMING).mkdir(parents=True, exist_ok=True)
        for part in (self.folder / INCOMING).iterdir():
            part.unlink()
        for found in sorted(self.folder.iterdir()):
            if found.name.startswith(IMPORTING):
                target = self.folder / found.name.removeprefix(IMPORTING)
                target.mkdir(exist_ok=True)
                for file in found.iterdir():
                    os.replace(file, target / file.name)
                found.rmdir()
        for found in sorted(self.folder.iterdir()):
            if not found.name.startswith("."):
                self._pending[found.name] = ReceivedSeries(found.name, instances={p.stem for p in found.iterdir()})

    def _on_requested(self, event) -> None:
        """Reject an association whose calling AE title is not allowed (and audit it); accept the others."""
        association = event.assoc
        calling = association.requestor.primitive.calling_ae_title.strip()
        if calling in self.allowed:
            return
        address = f"{association.requestor.address}:{association.requestor.port}"
        LOG.warning("DICOM node: refused an association from %r at %s (calling AE title not allowed)", calling,
                    address)
        self._events.put({"calling_ae_title": calling[:16], "address": address})
        association.acse.send_reject(0x01, 0x01, 0x03)  # rejected permanent, service user, calling AE title
        association.kill()

    def _series(self, key: str) -> ReceivedSeries:
        """The series receiving under ``key`` (under the lock), its folder made."""
        if key not in self._pending:
            self._pending[key] = ReceivedSeries(key)
        (self.folder / key).mkdir(exist_ok=True)
        return self._pending[key]

    def _on_store(self, event) -> int:
        """Write one instance to its series' folder (atomically); objects without pixel data are listed."""
        ds, caller = event.dataset, event.assoc.requestor.ae_title.strip()
        key = hashed_uid(str(ds.get("SeriesInstanceUID", "")))
        if "PixelData" not in ds:
            kind = getattr(ds.get("SOPClassUID"), "name", None) or "an object without pixel data"
            with self._lock:
                self._series(key).touch(caller, skipped=f"an instance of {kind} (no image)")
            return 0x0000
        sop_uid = str(event.request.AffectedSOPInstanceUID)
        part = self.folder / INCOMING / f"{uuid.uuid4().hex}.part"
        try:
            part.write_bytes(event.encoded_dataset())
            with self._lock:
                target = _instance_file(self.folder / self._series(key).key, sop_uid)
                os.replace(part, target)
                self._pending[key].touch(caller, instance=target.stem)
        except OSError:
            LOG.exception("DICOM node: could not store an instance")
            part.unlink(missing_ok=True)
            return OUT_OF_RESOURCES
        return 0x0000

    def _run(self) -> None:
        """The import thread: audit refusals, import the series nothing has arrived for in ``settle`` seconds."""
        ws = Workspace.open(self.root, db_path=self.db_path)
        tick = min(1.0, self.settle / 4)
        try:
            while not self._stop.wait(tick):
                try:
                    self._round(ws)
                except Exception as error:  # noqa: BLE001 - a bug: logged and shown, and the node goes on
                    LOG.exception("DICOM node: the import thread failed")
                    self.message = f"importing failed unexpectedly ({type(error).__name__}); see the server log"
            self._audit_refusals(ws)
        finally:
            ws.close()

    def _round(self, ws: Workspace) -> None:
        """Audit the refusals since the last round; import what has settled into the project's inbox."""
        self._audit_refusals(ws)
        project_id = find_project(ws, self.project)
        if project_id is None:  # the series wait on disk until the project is there
            self.message = (f"no project {self.project!r}: received series wait until it is created, or "
                            "MassIDEApp.dicom_node_project names another")
            return
        self.message = None
        for series in self._settled():
            import_received(ws, series, self.folder / f"{IMPORTING}{series.key}", project_id=project_id,
                            inbox=self.inbox, ae_title=self.ae_title, deid=self.deid)

    def _audit_refusals(self, ws: Workspace) -> None:
        while not self._events.empty():
            record_refusal(ws, ae_title=self.ae_title, **self._events.get())

    def _settled(self) -> list[ReceivedSeries]:
        """The series quiet for ``settle`` seconds, taken out of receiving: what arrives for them now starts anew."""
        now = time.monotonic()
        with self._lock:
            ready = [series for series in self._pending.values() if now - series.last_at >= self.settle]
            for series in ready:
                del self._pending[series.key]
                folder = self.folder / series.key
                if folder.exists():
                    shutil.rmtree(self.folder / f"{IMPORTING}{series.key}", ignore_errors=True)
                    folder.rename(self.folder / f"{IMPORTING}{series.key}")
                series.state = "importing"
                self._recent.appendleft(series)
        return ready

    def to_json(self) -> dict:
        """What the status route shows: settings, whether it listens (or why not), the recent series."""
        with self._lock:
            series = [s.to_json() for s in [*self._pending.values(), *self._recent]]
        return {"enabled": self.enabled, "listening": self.listening, "message": self.message,
                "ae_title": self.ae_title, "host": self.host, "port": self.port, "allowed_callers": self.allowed,
                "project": self.project or None, "inbox": self.inbox, "settle_seconds": self.settle,
                "series": series}
