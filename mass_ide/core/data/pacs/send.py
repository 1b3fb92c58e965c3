"""Sending DICOM objects to a PACS node: STOW-RS (dicomweb-client) or C-STORE (pynetdicom), and what it accepted.

A node with a DICOMweb URL is sent to by STOW-RS, one request for all objects; one with only
DIMSE by C-STORE on one association. Either way the answer says, per object, accepted or why
not (the PACS's failure reason or status), never anything of the objects' patient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mass_ide.core.data.pacs import dicomweb, dimse
from mass_ide.core.data.pacs.nodes import PacsNode
from mass_ide.core.errors import InvalidInput

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

# PS3.4 C.4.2.1.4 / PS3.18 failure reasons a PACS gives, in words
FAILURE_REASONS = {0x0110: "processing failure", 0x0122: "the PACS does not take this kind of object",
                   0x0124: "not authorised", 0xA700: "the PACS is out of resources",
                   0xA900: "the object does not match what the PACS expects", 0xC000: "the PACS cannot understand it",
                   0xC122: "the object's transfer syntax is not supported",
                   0xA770: "the transfer syntax is not supported",
                   0xA771: "the object class is not supported"}


def _reason(code: int) -> str:
    return FAILURE_REASONS.get(code, f"refused with status 0x{code:04X}")


def _stow(node: PacsNode, objects: list[Dataset]) -> list[str | None]:
    """STOW-RS; per object None (stored) or why the PACS refused it."""
    with dicomweb.client(node) as web:
        answer = web.store_instances(objects)
    failed = {str(item.ReferencedSOPInstanceUID): int(item.get("FailureReason", 0x0110))
              for item in answer.get("FailedSOPSequence", [])}
    return [None if str(ds.SOPInstanceUID) not in failed else _reason(failed[str(ds.SOPInstanceUID)])
            for ds in objects]


def _c_store(node: PacsNode, objects: list[Dataset]) -> list[str | None]:
    """C-STORE on one association; per object None (stored, with or without a warning) or why not."""
    classes = sorted({str(ds.SOPClassUID) for ds in objects})
    results: list[str | None] = []
    with dimse.associate(node, requested=classes) as association:
        for ds in objects:
            status = association.send_c_store(ds)
            code = getattr(status, "Status", None)
            if code is None:
                results.append("the PACS did not answer the C-STORE")
            else:
                results.append(None if code == 0x0000 or 0xB000 <= code <= 0xBFFF else _reason(code))
    return results


def send_objects(node: PacsNode, objects: list[Dataset]) -> dict:
    """Store ``objects`` on ``node``; ``{node, protocol, accepted, refused: [{sop_class, reason}]}``.

    :class:`~mass_ide.core.errors.RemoteUnavailable` when the node cannot be reached or refuses
    the connection or association.
    """
    if not objects:
        raise InvalidInput("nothing to send")
    protocol = "dicomweb" if node.has_dicomweb else "dimse"
    outcomes = _stow(node, objects) if protocol == "dicomweb" else _c_store(node, objects)
    refused = [{"sop_class": getattr(ds.SOPClassUID, "name", str(ds.SOPClassUID)), "reason": reason}
               for ds, reason in zip(objects, outcomes) if reason is not None]
    return {"node": node.name, "protocol": protocol, "accepted": len(objects) - len(refused), "refused": refused}
