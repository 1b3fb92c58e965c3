"""Schemas of PACS nodes, connection checks, study and series searches, and retrievals into datasets."""

from mass_ide.server.schemas.data import DEIDENTIFICATION_OPTIONS

UID = {"type": "string", "pattern": r"^[0-9.]{1,64}$", "description": "A DICOM UID."}
TEXT = {"type": "string", "maxLength": 200}
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}

PACS_NODE = {
    "type": "object",
    "required": ["name", "protocol", "authenticated"],
    "description": "A PACS configured in MassIDEApp.pacs_nodes; its login is never shown.",
    "properties": {
        "name": {"type": "string"},
        "protocol": {"type": "string", "enum": ["dicomweb", "dimse"],
                     "description": "How studies are searched and fetched: DICOMweb when the node has it."},
        "dicomweb_url": NULLABLE_TEXT,
        "ae_title": NULLABLE_TEXT,
        "host": NULLABLE_TEXT,
        "port": NULLABLE_INTEGER,
        "calling_ae_title": {"type": "string", "description": "Our AE title towards this node."},
        "timeout": {"type": "number", "description": "Seconds to wait for an answer."},
        "authenticated": {"type": "boolean", "description": "Whether an HTTP login is configured."},
    },
}

PACS_NODE_LIST = {
    "type": "object",
    "required": ["nodes"],
    "properties": {"nodes": {"type": "array", "items": {"$ref": "#/components/schemas/PacsNode"}}},
}

CONNECTION_CHECK = {
    "type": "object",
    "required": ["node", "ok", "checks"],
    "properties": {
        "node": {"type": "string"},
        "ok": {"type": "boolean"},
        "checks": {"type": "array", "items": {
            "type": "object", "required": ["protocol", "ok", "message"],
            "properties": {"protocol": {"type": "string", "enum": ["dicomweb", "dimse"]},
                           "ok": {"type": "boolean"},
                           "message": {"type": "string", "description": "What worked, or what failed and why."}}}},
    },
}

STUDY_SEARCH = {
    "type": "object",
    "additionalProperties": False,
    "description": "What to search by (a POST, so that no patient data lands in a URL or an access log); "
                   "a name matches from its start unless it holds * or ?.",
    "properties": {
        "patient_id": TEXT, "patient_name": TEXT,
        "date_from": {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2})?$"},
        "date_to": {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2})?$"},
        "modality": {"type": "string", "maxLength": 16}, "accession_number": TEXT, "description": TEXT,
        "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    },
}

STUDY = {
    "type": "object",
    "required": ["study_uid"],
    "description": "A study as the PACS answered; shown, never stored.",
    "properties": {
        "study_uid": {"type": "string"}, "patient_id": NULLABLE_TEXT, "patient_name": NULLABLE_TEXT,
        "birth_date": NULLABLE_TEXT, "sex": NULLABLE_TEXT, "study_date": NULLABLE_TEXT,
        "description": NULLABLE_TEXT, "accession_number": NULLABLE_TEXT,
        "modalities": {"type": "array", "items": {"type": "string"}},
        "series_count": NULLABLE_INTEGER, "instance_count": NULLABLE_INTEGER,
    },
}

STUDY_LIST = {
    "type": "object",
    "required": ["studies"],
    "properties": {"studies": {"type": "array", "items": {"$ref": "#/components/schemas/PacsStudy"}}},
}

SERIES_SEARCH = {
    "type": "object",
    "additionalProperties": False,
    "required": ["study_uid"],
    "properties": {"study_uid": UID},
}

SERIES = {
    "type": "object",
    "required": ["series_uid", "images"],
    "properties": {
        "series_uid": {"type": "string"}, "modality": NULLABLE_TEXT, "series_number": NULLABLE_INTEGER,
        "description": NULLABLE_TEXT, "body_part": NULLABLE_TEXT, "instances": NULLABLE_INTEGER,
        "images": {"type": "boolean", "description": "False for reports, presentation states, key objects and "
                                                     "other series without images to train on."},
    },
}

SERIES_LIST = {
    "type": "object",
    "required": ["series"],
    "properties": {"series": {"type": "array", "items": {"$ref": "#/components/schemas/PacsSeries"}}},
}

NEW_RETRIEVAL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["node", "study_uid", "series_uids"],
    "properties": {
        "node": {"type": "string"},
        "study_uid": UID,
        "series_uids": {"type": "array", "items": UID, "minItems": 1, "maxItems": 500},
        "name": {"type": "string", "maxLength": 200, "description": "The new dataset's name."},
        "deidentification": DEIDENTIFICATION_OPTIONS,
    },
}

RETRIEVAL = {
    "type": "object",
    "required": ["id", "project_id", "node", "state", "instances_total", "instances_done"],
    "properties": {
        "id": {"type": "string"},
        "project_id": {"type": "string"},
        "node": {"type": "string"},
        "series": {"type": "integer"},
        "state": {"type": "string", "enum": ["fetching", "importing", "done", "failed", "cancelled"]},
        "message": NULLABLE_TEXT,
        "dataset_id": NULLABLE_INTEGER,
        "instances_total": {"type": "integer"},
        "instances_done": {"type": "integer"},
        "instances_resumed": {"type": "integer", "description": "Found on disk from an interrupted try."},
        "instances_per_second": {"type": ["number", "null"]},
        "seconds_left": {"type": ["number", "null"]},
        "skipped": {"type": "array", "items": {"type": "string"}, "description": "Non-image objects left out."},
    },
}

RETRIEVAL_LIST = {
    "type": "object",
    "required": ["retrievals"],
    "properties": {"retrievals": {"type": "array", "items": {"$ref": "#/components/schemas/Retrieval"}}},
}

RECEIVED_SERIES = {
    "type": "object",
    "required": ["series", "state", "instances", "skipped", "callers"],
    "description": "A series pushed to the DICOM node; named by a hash of its UID, never by patient data.",
    "properties": {
        "series": {"type": "string", "description": "A hash of the Series Instance UID."},
        "state": {"type": "string", "enum": ["receiving", "importing", "imported", "failed", "skipped"],
                  "description": "skipped: only objects without images (reports, presentation states) came."},
        "instances": {"type": "integer"},
        "skipped": {"type": "array", "items": {"type": "string"}, "description": "Non-image objects left out."},
        "callers": {"type": "array", "items": {"type": "string"}, "description": "Calling AE titles that sent it."},
        "received_at": {"type": "string"},
        "dataset_id": NULLABLE_INTEGER,
        "message": NULLABLE_TEXT,
    },
}

DICOM_NODE = {
    "type": "object",
    "required": ["enabled", "listening", "ae_title", "port", "allowed_callers", "series"],
    "description": "Mass IDE as a DICOM node (C-STORE and C-ECHO SCP), from the MassIDEApp.dicom_node_* settings.",
    "properties": {
        "enabled": {"type": "boolean", "description": "Whether a port is set (dicom_node_port; 0 is off)."},
        "listening": {"type": "boolean"},
        "message": {"type": ["string", "null"], "description": "Why it does not listen, or what it waits for."},
        "ae_title": {"type": "string"},
        "host": {"type": "string"},
        "port": {"type": "integer"},
        "allowed_callers": {"type": "array", "items": {"type": "string"},
                            "description": "Calling AE titles accepted; any other is refused."},
        "project": NULLABLE_TEXT,
        "inbox": {"type": "string", "description": "The name of the project's dataset that receives."},
        "settle_seconds": {"type": "number"},
        "series": {"type": "array", "items": {"$ref": "#/components/schemas/ReceivedSeries"},
                   "description": "Series receiving now, then the recent ones, newest first."},
    },
}

COMPONENTS = {
    "PacsNode": PACS_NODE, "PacsNodeList": PACS_NODE_LIST, "ConnectionCheck": CONNECTION_CHECK,
    "StudySearch": STUDY_SEARCH, "PacsStudy": STUDY, "PacsStudyList": STUDY_LIST, "SeriesSearch": SERIES_SEARCH,
    "PacsSeries": SERIES, "PacsSeriesList": SERIES_LIST, "NewRetrieval": NEW_RETRIEVAL, "Retrieval": RETRIEVAL,
    "RetrievalList": RETRIEVAL_LIST, "ReceivedSeries": RECEIVED_SERIES, "DicomNode": DICOM_NODE,
}
