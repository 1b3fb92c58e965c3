"""Checking a PACS connection and searching it: studies, their series, a series' instances.

QIDO-RS when the node has DICOMweb, else C-FIND (Study Root). Answers are plain
dictionaries for the PACS panel; they hold PHI from the PACS and are never stored.
"""

import re
from dataclasses import dataclass

from mass_ide.core.data.pacs import dicomweb, dimse
from mass_ide.core.data.pacs.nodes import PacsNode
from mass_ide.core.errors import InvalidInput, MassError, RemoteUnavailable

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Series of these modalities hold no images to train on (reports, presentation states, key objects, segmentations…)
NON_IMAGE_MODALITIES = frozenset("SR PR KO SEG RTSTRUCT RTPLAN RTDOSE RTRECORD DOC REG FID PLAN AU ECG".split())
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
STUDY_FIELDS = ("StudyInstanceUID", "PatientID", "PatientName", "PatientBirthDate", "PatientSex", "StudyDate",
                "StudyTime", "StudyDescription", "AccessionNumber", "ModalitiesInStudy", "NumberOfStudyRelatedSeries",
                "NumberOfStudyRelatedInstances")
SERIES_FIELDS = ("SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription", "BodyPartExamined",
                 "NumberOfSeriesRelatedInstances")
INSTANCE_FIELDS = ("SOPInstanceUID", "SOPClassUID", "InstanceNumber")
INSTANCE_PAGE = 100  # instances listed per QIDO-RS request


@dataclass(frozen=True)
class StudyFilters:
    """What the PACS panel searches by; empty fields match everything."""

    patient_id: str = ""
    patient_name: str = ""
    date_from: str = ""  # YYYY-MM-DD
    date_to: str = ""
    modality: str = ""
    accession_number: str = ""
    description: str = ""
    limit: int = DEFAULT_LIMIT

    def matching_keys(self) -> dict[str, str]:
        """The DICOM matching keys (PS3.4 C.2.2.2): wildcards for names and descriptions, a date range."""
        keys = {}
        if self.patient_id.strip():
            keys["PatientID"] = self.patient_id.strip()
        if self.patient_name.strip():
            name = self.patient_name.strip()
            keys["PatientName"] = name if "*" in name or "?" in name else f"{name}*"
        if self.date_from or self.date_to:
            keys["StudyDate"] = f"{_dicom_date(self.date_from)}-{_dicom_date(self.date_to)}"
        if self.modality.strip():
            keys["ModalitiesInStudy"] = self.modality.strip().upper()
        if self.accession_number.strip():
            keys["AccessionNumber"] = self.accession_number.strip()
        if self.description.strip():
            keys["StudyDescription"] = f"*{self.description.strip()}*"
        return keys


def _dicom_date(value: str) -> str:
    """``2024-02-29`` as DICOM's ``20240229`` (empty stays empty: an open end of the range)."""
    if not value:
        return ""
    found = DATE.match(value.strip())
    if not found:
        raise InvalidInput(f"the study date {value!r} is not a date like 2024-02-29")
    return "".join(found.groups())


def _shown_date(value) -> str | None:
    """DICOM's ``20240229`` as ``2024-02-29``."""
    text = str(value or "")
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if len(text) == 8 and text.isdigit() else (text or None)


def _text(ds, keyword: str) -> str | None:
    value = ds.get(keyword)
    return None if value in (None, "") else str(value)


def _number(ds, keyword: str) -> int | None:
    try:
        return int(ds.get(keyword))
    except (TypeError, ValueError):
        return None


def study_json(ds) -> dict:
    """One study as the PACS panel shows it."""
    modalities = ds.get("ModalitiesInStudy") or []
    return {"study_uid": _text(ds, "StudyInstanceUID"), "patient_id": _text(ds, "PatientID"),
            "patient_name": _text(ds, "PatientName"), "birth_date": _shown_date(ds.get("PatientBirthDate")),
            "sex": _text(ds, "PatientSex"), "study_date": _shown_date(ds.get("StudyDate")),
            "description": _text(ds, "StudyDescription"), "accession_number": _text(ds, "AccessionNumber"),
            "modalities": [modalities] if isinstance(modalities, str) else [str(m) for m in modalities],
            "series_count": _number(ds, "NumberOfStudyRelatedSeries"),
            "instance_count": _number(ds, "NumberOfStudyRelatedInstances")}


def series_json(ds) -> dict:
    """One series as the PACS panel shows it; ``images`` is false for reports, presentation states and the like."""
    modality = (_text(ds, "Modality") or "").upper()
    return {"series_uid": _text(ds, "SeriesInstanceUID"), "modality": modality or None,
            "series_number": _number(ds, "SeriesNumber"), "description": _text(ds, "SeriesDescription"),
            "body_part": _text(ds, "BodyPartExamined"), "instances": _number(ds, "NumberOfSeriesRelatedInstances"),
            "images": modality not in NON_IMAGE_MODALITIES}


def _from_qido(answers: list[dict]) -> list:
    """QIDO-RS JSON answers as pydicom datasets."""
    from pydicom import Dataset

    return [Dataset.from_json(answer) for answer in answers]


def _c_find(node: PacsNode, *, level: str, keys: dict, fields: tuple[str, ...], limit: int | None = None) -> list:
    """C-FIND at ``level`` (Study Root) with the matching ``keys``; the matches, at most ``limit``."""
    from pydicom import Dataset
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as StudyRootFind

    query = Dataset()
    query.QueryRetrieveLevel = level
    for keyword in fields:
        setattr(query, keyword, keys.get(keyword, ""))
    for keyword, value in keys.items():
        setattr(query, keyword, value)
    found = []
    with dimse.associate(node, requested=[StudyRootFind]) as association:
        for status, identifier in association.send_c_find(query, StudyRootFind):
            if not status:
                raise RemoteUnavailable(f"PACS node {node.name} stopped answering the C-FIND")
            if status.Status in (0xFF00, 0xFF01) and identifier is not None:
                found.append(identifier)
                if limit and len(found) >= limit:
                    association.send_c_cancel(status.MessageIDBeingRespondedTo if "MessageIDBeingRespondedTo"
                                              in status else 1, query_model=StudyRootFind)
                    break
            elif status.Status not in (0x0000, 0xFF00, 0xFF01):
                raise RemoteUnavailable(f"PACS node {node.name} refused the C-FIND (status 0x{status.Status:04X})")
    return found


def find_studies(node: PacsNode, filters: StudyFilters) -> list[dict]:
    """The studies matching ``filters``, newest first, at most ``filters.limit``."""
    limit = max(1, min(int(filters.limit or DEFAULT_LIMIT), MAX_LIMIT))
    keys = filters.matching_keys()
    if node.has_dicomweb:
        with dicomweb.client(node) as web:
            found = _from_qido(web.search_for_studies(search_filters=keys, fields=list(STUDY_FIELDS), limit=limit))
    else:
        found = _c_find(node, level="STUDY", keys=keys, fields=STUDY_FIELDS, limit=limit)
    studies = [study_json(ds) for ds in found]
    return sorted(studies, key=lambda study: study["study_date"] or "", reverse=True)


def find_series(node: PacsNode, study_uid: str) -> list[dict]:
    """The series of one study, by series number."""
    if node.has_dicomweb:
        with dicomweb.client(node) as web:
            found = _from_qido(web.search_for_series(study_instance_uid=study_uid, fields=list(SERIES_FIELDS)))
    else:
        found = _c_find(node, level="SERIES", keys={"StudyInstanceUID": study_uid}, fields=SERIES_FIELDS)
    return sorted((series_json(ds) for ds in found),
                  key=lambda series: (series["series_number"] is None, series["series_number"] or 0))


def _instance_json(ds) -> dict:
    """One instance as a retrieval plans it."""
    return {"sop_uid": _text(ds, "SOPInstanceUID"), "sop_class": _text(ds, "SOPClassUID"),
            "number": _number(ds, "InstanceNumber")}


def _qido_instances(node: PacsNode, study_uid: str, series_uid: str) -> list[dict]:
    """QIDO-RS, a page of :data:`INSTANCE_PAGE` at a time, each page kept only as small dicts: a PACS answers
    with many more attributes than asked for, which for a series of thousands would take megabytes at once.
    A PACS that ignores ``offset`` answers a page with nothing new, which ends the listing."""
    found: dict[str, dict] = {}
    offset = 0
    with dicomweb.client(node) as web:
        while True:
            page = [_instance_json(ds) for ds in _from_qido(web.search_for_instances(
                study_instance_uid=study_uid, series_instance_uid=series_uid, fields=list(INSTANCE_FIELDS),
                limit=INSTANCE_PAGE, offset=offset))]
            offset += len(page)
            new = {instance["sop_uid"]: instance for instance in page if instance["sop_uid"] not in found}
            found |= new
            if len(page) < INSTANCE_PAGE or not new:
                return list(found.values())


def find_instances(node: PacsNode, study_uid: str, series_uid: str) -> list[dict]:
    """The instances of one series: ``sop_uid``, ``sop_class`` and ``number``, in instance-number order."""
    if node.has_dicomweb:
        instances = _qido_instances(node, study_uid, series_uid)
    else:
        instances = [_instance_json(ds) for ds in _c_find(
            node, level="IMAGE", keys={"StudyInstanceUID": study_uid, "SeriesInstanceUID": series_uid},
            fields=INSTANCE_FIELDS)]
    return sorted(instances, key=lambda i: (i["number"] is None, i["number"] or 0))


def check_connection(node: PacsNode) -> dict:
    """Try each protocol the node has (QIDO-RS, C-ECHO); say for each whether it worked, and if not why."""
    checks = []
    for protocol, configured, check in (("dicomweb", node.has_dicomweb, dicomweb.check),
                                        ("dimse", node.has_dimse, dimse.echo)):
        if not configured:
            continue
        try:
            checks.append({"protocol": protocol, "ok": True, "message": check(node)})
        except MassError as error:
            checks.append({"protocol": protocol, "ok": False, "message": str(error)})
    return {"node": node.name, "ok": all(check["ok"] for check in checks), "checks": checks}
