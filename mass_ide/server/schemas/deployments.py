"""Schemas of deployments, predictions and evaluations."""

from mass_ide.server.schemas.common import ROW_ID

DEPLOYMENT = {
    "type": "object",
    "required": ["id", "model", "version", "status", "url", "requests", "errors", "latency_ms_p50", "runtime",
                 "signature", "created_at", "created_by"],
    "properties": {
        "id": {"type": "integer"},
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "project_id": {"type": "string"},
        "status": {"type": "string", "enum": ["starting", "running", "failed", "stopped"]},
        "url": {"type": "string", "description": "The predict URL, relative to mass-ide/api/."},
        "requests": {"type": "integer", "description": "Answered predictions."},
        "errors": {"type": "integer", "description": "Refused predictions (bad input)."},
        "latency_ms_p50": {"type": ["number", "null"], "description": "Median latency of recent predictions."},
        "runtime": {"type": "string", "enum": ["torch", "onnx"]},
        "signature": {"type": "object", "description": "What the model takes and gives (builds the test page)."},
        "created_at": {"type": "string", "format": "date-time"},
        "created_by": {"type": "string"},
        "stopped_at": {"type": ["string", "null"]},
        "error": {"type": ["string", "null"], "description": "Why the worker failed, with its log's last lines."},
    },
}

DEPLOYMENT_LIST = {
    "type": "object",
    "required": ["deployments"],
    "properties": {"deployments": {"type": "array", "items": {"$ref": "#/components/schemas/Deployment"}}},
}

NEW_DEPLOYMENT = {
    "type": "object",
    "properties": {"runtime": {"type": "string", "enum": ["torch", "onnx"], "default": "torch"},
                   "override_parity": {"type": "boolean", "default": False,
                                       "description": "Deploy on ONNX although its export failed the parity "
                                                      "check (recorded in the audit log)."}},
    "additionalProperties": False,
}

PREDICTION_ANSWER = {
    "type": "object",
    "required": ["model", "version", "predictions"],
    "properties": {
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "predictions": {"type": "array", "items": {"type": "object"},
                        "description": "One result per input: {class, probabilities, uncertainty} for classifiers; "
                        "{mask: {shape, dtype: uint8, encoding: base64-gzip, data}, slices, classes, voxels, affine, "
                        "uncertainty} for segmentation."},
        "prediction_id": {"type": "string", "description": "The prediction's id: for its trace and, for a mask, "
                                                          "the slice PNG route."},
    },
}

UID = {"type": "string", "pattern": r"^[0-9.]{1,64}$", "description": "A DICOM UID."}

PACS_PREDICTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["node", "study_uid", "series_uid"],
    "properties": {"node": {"type": "string", "description": "A PACS node of MassIDEApp.pacs_nodes."},
                   "study_uid": UID, "series_uid": UID},
}

DICOM_RESULT = {
    "type": "object", "required": ["kind", "series_description"],
    "description": "The DICOM object written for a prediction, held in memory (never on disk) for an hour.",
    "properties": {
        "kind": {"type": "string", "enum": ["SEG", "SR"],
                 "description": "SEG: a segmentation on the source series; SR: a measurement report with "
                                "each image's finding and probability."},
        "series_description": {"type": "string"},
        "segments": {"type": "array", "items": {"type": "string"}, "description": "SEG only."},
    },
}

DICOM_PREDICTION_ANSWER = {
    "type": "object",
    "required": ["model", "version", "predictions", "prediction_id", "result"],
    "properties": {
        **PREDICTION_ANSWER["properties"],
        "prediction_id": {"type": "string", "description": "The id of the prediction and of its DICOM result."},
        "result": {"$ref": "#/components/schemas/DicomResult"},
    },
}

DICOM_SEND = {
    "type": "object",
    "additionalProperties": False,
    "required": ["node"],
    "properties": {"node": {"type": "string", "description": "The PACS node to store the result on."}},
}

DICOM_SENT = {
    "type": "object",
    "required": ["node", "protocol", "accepted", "refused"],
    "properties": {
        "node": {"type": "string"},
        "protocol": {"type": "string", "enum": ["dicomweb", "dimse"], "description": "STOW-RS or C-STORE."},
        "accepted": {"type": "integer", "description": "Objects the PACS stored."},
        "refused": {"type": "array", "items": {
            "type": "object", "required": ["sop_class", "reason"],
            "properties": {"sop_class": {"type": "string"}, "reason": {"type": "string"}}}},
    },
}

SERIES_REFERENCE = {"type": "object", "additionalProperties": False, "required": ["study_uid", "series_uid"],
                    "properties": {"study_uid": UID, "series_uid": UID}}

NEW_BATCH = {
    "type": "object",
    "additionalProperties": False,
    "required": ["node", "series"],
    "properties": {"node": {"type": "string", "description": "The PACS node to fetch the series from."},
                   "series": {"type": "array", "items": SERIES_REFERENCE, "minItems": 1, "maxItems": 500},
                   "send_to": {"type": "string", "description": "A node to store each SEG or SR on at once."}},
}

BATCH = {
    "type": "object",
    "required": ["id", "deployment_id", "node", "state", "total", "done", "failed", "items"],
    "description": "A worklist run by a deployment; kept in the server's memory only.",
    "properties": {
        "id": {"type": "string"}, "deployment_id": {"type": "integer"}, "node": {"type": "string"},
        "send_to": {"type": ["string", "null"]},
        "state": {"type": "string", "enum": ["running", "done", "cancelled"]},
        "total": {"type": "integer"}, "done": {"type": "integer"}, "failed": {"type": "integer"},
        "items": {"type": "array", "items": {
            "type": "object", "required": ["study_uid", "series_uid", "state"],
            "properties": {"study_uid": {"type": "string"}, "series_uid": {"type": "string"},
                           "state": {"type": "string", "enum": ["waiting", "predicting", "done", "failed",
                                                                "cancelled"]},
                           "kind": {"type": ["string", "null"]}, "prediction_id": {"type": ["string", "null"]},
                           "accepted": {"type": ["integer", "null"]}, "message": {"type": ["string", "null"]}}}},
    },
}

BATCH_LIST = {"type": "object", "required": ["batches"],
              "properties": {"batches": {"type": "array", "items": {"$ref": "#/components/schemas/Batch"}}}}

NEW_EVALUATION = {
    "type": "object",
    "required": ["dataset_id"],
    "properties": {"dataset_id": ROW_ID,
                   "version": {"type": "integer", "minimum": 1, "description": "Default: the newest frozen version."},
                   "items": {"type": "string", "enum": ["unseen", "all"], "default": "unseen",
                             "description": "unseen: only items the model did not train on; all: every labelled "
                                            "item, training items included."}},
    "additionalProperties": False,
}

SCORED = {
    "type": "object",
    "required": ["items", "which", "training_items_included"],
    "properties": {
        "items": {"type": "integer", "description": "How many items were scored."},
        "which": {"type": "string", "description": "Which items, in words."},
        "training_items_included": {"type": ["integer", "null"],
                                    "description": "How many of them the model trained on (null: not recorded)."},
        "keys": {"type": "array", "items": {"type": "string"}, "description": "The keys of the items scored."},
    },
}

EVALUATION_REPORT = {
    "type": "object",
    "required": ["kind", "case_count", "deployment", "model", "version", "dataset_id", "dataset_version"],
    "properties": {
        "kind": {"type": "string", "enum": ["classification", "segmentation"]},
        "case_count": {"type": "integer"},
        "accuracy": {"type": ["number", "null"]},
        "roc_auc": {"type": ["number", "null"]},
        "mean_dice": {"type": ["number", "null"]},
        "dice": {"type": "object"},
        "deployment": {"type": "integer"},
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "dataset_id": {"type": "integer"},
        "dataset_version": {"type": "integer"},
        "scored": {"oneOf": [{"$ref": "#/components/schemas/Scored"}, {"type": "null"}]},
        "warning": {"type": ["string", "null"], "description": "Set when training items were scored."},
        "requests": {"type": "integer", "description": "Requests the deployment answered for this evaluation; "
                                                       "they count in its request count."},
    },
}
