"""What the DICOM node received, and importing it into a project's inbox dataset.

A settled series goes through the one importer (``stage_import``: the PS3.15
de-identification and report of an upload) into the project's inbox dataset, made
on first use and added to afterwards. The audit log keeps the hashed series UID,
the calling AE titles and the instance count, never a header value.
"""

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from mass_ide.core import audit
from mass_ide.core.errors import MassError, NotFound
from mass_ide.core.projects import get_project, list_projects
from mass_ide.core.workspace import Workspace

LOG = logging.getLogger("mass_ide.dicom_node")


@dataclass
class ReceivedSeries:
    """One series as it arrives and is imported: receiving → importing → imported | failed | skipped."""

    key: str  # the hashed Series Instance UID (also its folder's name)
    instances: set[str] = field(default_factory=set)  # the instances' file names (hashed SOP Instance UIDs)
    callers: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)
    received_at: str = field(default_factory=audit.now_iso)
    last_at: float = field(default_factory=time.monotonic)
    state: str = "receiving"
    message: str | None = None
    dataset_id: int | None = None

    def touch(self, caller: str, *, instance: str | None = None, skipped: str | None = None) -> None:
        """Count one arrival (an instance kept, or an object skipped) from ``caller``."""
        self.callers.add(caller)
        self.last_at = time.monotonic()
        if instance:
            self.instances.add(instance)
        if skipped:
            self.skipped.append(skipped)

    def to_json(self) -> dict:
        return {"series": self.key, "state": self.state, "instances": len(self.instances),
                "skipped": list(self.skipped), "callers": sorted(self.callers), "received_at": self.received_at,
                "dataset_id": self.dataset_id, "message": self.message}


def find_project(ws: Workspace, wanted: str) -> str | None:
    """The id of the live project with id or name ``wanted`` (case-insensitive name), or None."""
    try:
        return get_project(ws, wanted).id
    except NotFound:
        return next((p.id for p in list_projects(ws) if p.name.lower() == wanted.lower()), None)


def into_inbox(ws: Workspace, project_id: str, *, folder: Path, inbox: str, user: str, origin: dict,
               warnings: list[str], deid=None):
    """Import the DICOM files in ``folder`` de-identified, adding them to the project's dataset ``inbox``
    (made when the project has none of that name); the dataset."""
    from mass_ide.core.data.datasets import add_import, commit_import, deid_salt, list_datasets, stage_import

    staged = stage_import(ws, project_id, source=folder, salt=deid_salt(ws), deid=deid)
    staged.report.source_name = f"DICOM node {origin['dicom_node']}"
    staged.report.warnings += warnings
    try:
        found = [d for d in list_datasets(ws, project_id) if d.name == inbox and d.kind == staged.report.kind]
    except BaseException:
        shutil.rmtree(staged.staging, ignore_errors=True)
        raise
    if found:
        return add_import(ws, staged, dataset_id=found[-1].id, user=user, origin=origin)
    return commit_import(ws, staged, name=inbox, user=user, origin=origin)


def _record(ws: Workspace, **event) -> None:
    with ws.db.atomic():
        audit.record(ws.db, **event)


def record_refusal(ws: Workspace, *, ae_title: str, calling_ae_title: str, address: str) -> None:
    """Audit an association refused because its calling AE title is not allowed."""
    _record(ws, user=f"dicom:{calling_ae_title}", action="dicom_node.refuse", target=f"dicom-node:{ae_title}",
            detail={"calling_ae_title": calling_ae_title, "address": address,
                    "reason": "calling AE title not recognised"})


def import_received(ws: Workspace, series: ReceivedSeries, folder: Path, *, project_id: str, inbox: str,
                    ae_title: str, deid=None) -> None:
    """Import one settled series from ``folder`` into the inbox; its state says how that ended. The folder
    is deleted either way (the sender still holds the series: send it again after fixing what failed)."""
    callers = sorted(series.callers)
    user = f"dicom:{'+'.join(callers) or 'unknown'}"
    origin = {"dicom_node": ae_title, "series": series.key, "callers": callers,
              "instances": len(series.instances), "skipped": len(series.skipped)}
    try:
        if not series.instances:
            series.state = "skipped"
            _record(ws, user=user, action="dicom_node.skip", target=f"dicom-node:{ae_title}",
                    detail={**origin, "objects": series.skipped})
            return
        dataset = into_inbox(ws, project_id, folder=folder, inbox=inbox, user=user, origin=origin,
                             warnings=series.skipped, deid=deid)
        series.state, series.dataset_id = "imported", dataset.id
    except MassError as error:  # the importer's messages never quote a header's text
        series.state, series.message = "failed", str(error)
        _record(ws, user=user, action="dicom_node.fail", target=f"dicom-node:{ae_title}",
                detail={**origin, "message": str(error)})
    except Exception as error:  # noqa: BLE001 - a bug: shown in the status route and logged, the node goes on
        series.state, series.message = "failed", f"the import failed unexpectedly ({type(error).__name__})"
        LOG.exception("DICOM node: importing series %s failed", series.key)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
