"""Schema of the trace from study to prediction."""

STEP = {"at": {"type": ["string", "null"]}, "by": {"type": ["string", "null"]}}
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}

ORIGIN = {
    "type": ["object", "null"],
    "description": "Where the data came from in the PACS, in hashed UIDs (never a UID or name in clear).",
    "properties": {"pacs": {"type": "string"}, "study": {"type": "string"},
                   "series": {"type": ["string", "array"], "items": {"type": "string"}},
                   "instances": {"type": "integer"}},
}

SOURCE = {
    "type": "object",
    "required": ["dataset_id", "action"],
    "properties": {"dataset_id": {"type": "integer"},
                   "action": {"type": "string", "enum": ["dataset.import", "dataset.add", "dataset.clean"]},
                   "source": NULLABLE_TEXT, "items": NULLABLE_INTEGER, "origin": ORIGIN,
                   "derived_from": NULLABLE_INTEGER, **STEP},
}

DICOM_STEP = {
    "type": "object",
    "required": ["action"],
    "properties": {"action": {"type": "string", "enum": ["dicom.result", "dicom.sent"]},
                   "kind": NULLABLE_TEXT, "object": {**NULLABLE_TEXT, "description": "Hashed SOP Instance UID."},
                   "to": NULLABLE_TEXT, "accepted": NULLABLE_INTEGER,
                   "refused": {"type": ["array", "null"], "items": {"type": "string"}}, **STEP},
}

PREDICTION = {
    "type": "object",
    "required": ["prediction_id", "dicom"],
    "properties": {"prediction_id": NULLABLE_TEXT, "origin": ORIGIN, "input_sha256": NULLABLE_TEXT,
                   "requests": {"type": "integer", "description": "Requests of this prediction (one per image "
                                                                  "for a classifier on a series)."},
                   "dicom": {"type": "array", "items": DICOM_STEP}, **STEP},
}

DEPLOYMENT = {
    "type": "object",
    "required": ["id", "status", "predictions"],
    "properties": {"id": {"type": "integer"}, "status": {"type": "string"}, "runtime": NULLABLE_TEXT,
                   "stopped_at": NULLABLE_TEXT, "predictions": {"type": "array", "items": PREDICTION}, **STEP},
}

MODEL_LINK = {
    "type": "object",
    "required": ["model", "version", "digest", "aliases", "deployments"],
    "properties": {
        "model": {"type": "string"}, "version": {"type": "integer"}, "digest": {"type": "string"},
        "deleted_at": NULLABLE_TEXT, "dataset_id": NULLABLE_INTEGER,
        "dataset_version": {"type": ["object", "null"], "properties": {
            "number": {"type": "integer"}, "digest": {"type": "string"}, **STEP}},
        "run": {"type": ["object", "null"], "properties": {
            "id": {"type": "integer"}, "status": {"type": "string"}, "finished_at": NULLABLE_TEXT, **STEP}},
        "aliases": {"type": "array", "items": {"type": "object", "properties": {
            "alias": {"type": "string"}, "version": NULLABLE_INTEGER, "removed": {"type": "boolean"}, **STEP}}},
        "deployments": {"type": "array", "items": DEPLOYMENT},
        **STEP,
    },
}

TRACE = {
    "type": "object",
    "required": ["start", "sources", "dataset", "item", "models"],
    "description": "From the studies a model's data came from to each of its predictions and the DICOM results "
                   "sent back, with who and when at each step.",
    "properties": {
        "start": {"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "enum": ["prediction", "version", "item"]}}},
        "sources": {"type": "array", "items": SOURCE,
                    "description": "Imports into the dataset (and those it was cleaned from), oldest first."},
        "dataset": {"type": ["object", "null"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "project_id": {"type": "string"},
            "items": NULLABLE_INTEGER, **STEP}},
        "item": {"type": ["object", "null"], "properties": {
            "id": {"type": "integer"}, "key": {"type": "string"}, "sha256": {"type": "string"},
            "in_versions": {"type": "array", "items": {"type": "integer"}}}},
        "models": {"type": "array", "items": MODEL_LINK,
                   "description": "The model versions on the path (several from an item)."},
    },
}

COMPONENTS = {"Trace": TRACE}
