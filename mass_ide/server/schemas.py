"""JSON schemas of request bodies and responses, shared by validation and the OpenAPI document."""

from mass_ide.core.runs import presets

PNG = "PNG"  # a schema name meaning "a PNG image", for slices and masks
ZIP = "ZIP"  # a schema name meaning "a zip archive", for downloads
BINARY = "BINARY"  # a schema name meaning "a file's raw bytes", for uploads

ERROR = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string", "description": "What went wrong and how to fix it."}},
}

TEMPLATE = {
    "type": "object",
    "required": ["name", "title", "description", "task", "modality", "notebook"],
    "properties": {
        "name": {"type": "string", "example": "liver-function"},
        "title": {"type": "string", "example": "Liver function prediction"},
        "description": {"type": "string"},
        "task": {"type": "string", "enum": ["tabular-classification", "image-classification", "segmentation"]},
        "modality": {"type": "string", "enum": ["tabular", "image", "ct"]},
        "notebook": {"type": "string", "description": "The notebook file a new project starts with."},
    },
}

TEMPLATE_LIST = {
    "type": "object",
    "required": ["templates"],
    "properties": {"templates": {"type": "array", "items": {"$ref": "#/components/schemas/Template"}}},
}

PROJECT = {
    "type": "object",
    "required": ["id", "name", "template", "created_at", "created_by", "path", "notebook"],
    "properties": {
        "id": {"type": "string", "example": "liver-study"},
        "name": {"type": "string", "example": "Liver study"},
        "template": {"type": "string", "example": "liver-function"},
        "created_at": {"type": "string", "format": "date-time"},
        "created_by": {"type": "string"},
        "path": {
            "type": ["string", "null"],
            "description": "The project folder relative to the server root (null when outside it).",
        },
        "notebook": {
            "type": ["string", "null"],
            "description": "The project's notebook relative to the server root (null when outside it).",
        },
    },
}

PROJECT_LIST = {
    "type": "object",
    "required": ["projects"],
    "properties": {"projects": {"type": "array", "items": {"$ref": "#/components/schemas/Project"}}},
}

PROJECT_DETAIL = {
    "allOf": [
        {"$ref": "#/components/schemas/Project"},
        {
            "type": "object",
            "required": ["annotation", "datasets", "runs", "models", "deployments"],
            "properties": {
                "annotation": {
                    "type": "object",
                    "description": "What annotators assign: kind 'label' with class names, or 'mask' with "
                    "{value, name} label classes.",
                    "properties": {"kind": {"type": "string", "enum": ["label", "mask"]}, "classes": {"type": "array"},
                                   "target": {"type": ["string", "null"],
                                              "description": "The table column that already holds the class."},
                                   "column": {"type": ["string", "null"],
                                              "description": "Labels: the table column a record's class is read "
                                              "from while it has no label of its own (target, or positive_when's)."},
                                   "names": {"type": "object", "additionalProperties": {"type": "string"},
                                             "description": "Labels: the name shown for each class value "
                                             "(training classes such as 'positive' too)."},
                                   "trains_as": {"type": "object", "additionalProperties": {"type": "string"},
                                                 "description": "Labels: the training class each class becomes "
                                                 "under 'positive_when' (empty without one)."},
                                   "units": {"type": "object", "additionalProperties": {"type": "string"},
                                             "description": "Labels: each table column's unit (e.g. ast: U/L)."}},
                },
                "datasets": {"type": "array", "items": {"$ref": "#/components/schemas/Dataset"}},
                "runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
                "models": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}},
                "deployments": {"type": "array", "items": {"$ref": "#/components/schemas/Deployment"}},
            },
        },
    ]
}

NEW_PROJECT = {
    "type": "object",
    "required": ["name", "template"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80, "example": "Liver study"},
        "template": {"type": "string", "example": "liver-function"},
    },
}

DATASET = {
    "type": "object",
    "required": ["id", "project_id", "name", "kind", "item_count", "report"],
    "properties": {
        "id": {"type": "integer"},
        "project_id": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["tabular", "image", "volume"]},
        "source_name": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "created_by": {"type": "string"},
        "item_count": {"type": "integer"},
        "report": {"type": "object", "description": "What the import read, converted, warned about and de-identified."},
    },
}

DATASET_LIST = {
    "type": "object",
    "required": ["datasets"],
    "properties": {"datasets": {"type": "array", "items": {"$ref": "#/components/schemas/Dataset"}}},
}

DEIDENTIFICATION_OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "description": "DICOM de-identification options (DICOM PS3.15 Annex E, on top of the Basic Profile); an upload "
                   "sends them as ?clean_descriptors=1&dates=shift. The import report lists those applied.",
    "properties": {
        "clean_descriptors": {
            "type": "boolean", "default": False,
            "description": "Clean Descriptors Option: keep study and series descriptions, protocol names and image "
                           "comments cleaned to the imaging words of a fixed vocabulary (all else is dropped), "
                           "instead of removing them.",
        },
        "dates": {
            "type": "string", "enum": ["remove", "shift"], "default": "remove",
            "description": "remove: the Basic Profile's empty or removed dates and times. shift: Retain "
                           "Longitudinal Temporal Information with Modified Dates Option, dates moved back by one "
                           "number of days per patient (from the workspace's secret and the patient's identity), "
                           "times of day kept.",
        },
    },
}

NEW_DATASET = {
    "type": "object",
    "required": ["path"],
    "additionalProperties": False,
    "description": "Import from the server; to upload instead, send the file's bytes with ?filename=NAME.",
    "properties": {
        "path": {"type": "string", "minLength": 1, "description": "A file or folder relative to the server root."},
        "name": {"type": "string", "maxLength": 80},
        "deidentification": DEIDENTIFICATION_OPTIONS,
    },
}

ANNOTATION = {
    "type": "object",
    "required": ["item_id", "version"],
    "properties": {
        "item_id": {"type": "integer"},
        "kind": {"type": ["string", "null"], "enum": ["label", "mask", None]},
        "label": {"type": ["string", "null"]},
        "has_mask": {"type": "boolean"},
        "version": {"type": "integer", "description": "0 when never annotated; send it back to save."},
        "updated_at": {"type": ["string", "null"]},
        "updated_by": {"type": ["string", "null"]},
    },
}

MASK_VOLUMES = {
    "type": "object",
    "required": ["item_id", "voxel_ml", "classes"],
    "properties": {
        "item_id": {"type": "integer"},
        "voxel_ml": {"type": ["number", "null"], "description": "One voxel's volume in mL, from the affine "
                     "(null for a picture, whose counts are pixels)."},
        "classes": {"type": "array", "description": "Each label class but background, in value order.",
                    "items": {"type": "object", "required": ["value", "name", "voxels", "ml"], "properties": {
                        "value": {"type": "integer"}, "name": {"type": "string"}, "voxels": {"type": "integer"},
                        "ml": {"type": ["number", "null"]}}}},
    },
}

LABEL_UPDATE = {
    "type": "object",
    "required": ["label", "version"],
    "additionalProperties": False,
    "properties": {
        "label": {"type": ["string", "null"], "maxLength": 200},
        "version": {"type": "integer", "minimum": 0, "description": "The version this change starts from."},
    },
}

UPLOAD_FOLDER = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "Names the upload folder."}},
}

UPLOAD_IMPORT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "maxLength": 80, "description": "The dataset's name (default: the folder's)."},
        "deidentification": DEIDENTIFICATION_OPTIONS,
    },
}

SUGGESTION = {
    "type": "object",
    "required": ["item_id", "uncertainty", "model", "version", "has_mask"],
    "properties": {
        "item_id": {"type": "integer"},
        "label": {"type": ["string", "null"], "description": "The suggested class (null for masks)."},
        "probabilities": {"type": ["object", "null"], "additionalProperties": {"type": "number"}},
        "uncertainty": {"type": "number", "minimum": 0, "maximum": 1,
                        "description": "Normalised entropy of the prediction: 0 sure, 1 unsure."},
        "has_mask": {"type": "boolean", "description": "Whether a suggested mask is there (slices as PNG)."},
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}

ACCEPT_SUGGESTION = {
    "type": "object",
    "required": ["version"],
    "additionalProperties": False,
    "properties": {"version": {"type": "integer", "minimum": 0, "description": "The annotation version it replaces."}},
}

PRELABEL_JOB = {
    "type": "object",
    "required": ["id", "dataset_id", "status", "done", "total", "model", "version"],
    "properties": {
        "id": {"type": "integer"},
        "dataset_id": {"type": "integer"},
        "status": {"type": "string", "enum": ["queued", "running", "completed", "failed"]},
        "done": {"type": "integer"},
        "total": {"type": "integer", "description": "Unlabelled items when the job started."},
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "error": {"type": ["string", "null"]},
        "created_at": {"type": "string"},
        "created_by": {"type": "string"},
        "finished_at": {"type": ["string", "null"]},
    },
}

PRELABEL_STATUS = {
    "type": "object",
    "required": ["job", "suggestions"],
    "properties": {"job": {"oneOf": [{"$ref": "#/components/schemas/PrelabelJob"}, {"type": "null"}]},
                   "suggestions": {"type": "integer", "description": "Items of the dataset with a suggestion."}},
}

ITEM = {
    "type": "object",
    "required": ["id", "dataset_id", "key", "kind", "meta", "sha256"],
    "properties": {
        "id": {"type": "integer"},
        "dataset_id": {"type": "integer"},
        "key": {"type": "string"},
        "kind": {"type": "string", "enum": ["record", "image", "volume"]},
        "meta": {"type": "object"},
        "sha256": {"type": "string"},
        "annotation": {"$ref": "#/components/schemas/Annotation"},
    },
}

ITEM_PAGE = {
    "type": "object",
    "required": ["items", "total", "labelled"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
        "total": {"type": "integer", "description": "Items matching the filter, in all pages."},
        "labelled": {"type": "integer", "description": "Items of the dataset with a label or mask."},
    },
}

VERSION = {
    "type": "object",
    "required": ["dataset_id", "number", "digest", "created_at", "created_by"],
    "properties": {
        "dataset_id": {"type": "integer"},
        "number": {"type": "integer"},
        "digest": {"type": "string", "description": "SHA-256 over the manifest of item, label and mask hashes."},
        "created_at": {"type": "string", "format": "date-time"},
        "created_by": {"type": "string"},
    },
}

VERSION_LIST = {
    "type": "object",
    "required": ["versions"],
    "properties": {"versions": {"type": "array", "items": {"$ref": "#/components/schemas/Version"}}},
}

EXPORT_RESULT = {
    "type": "object",
    "required": ["folder", "cases"],
    "properties": {
        "folder": {"type": ["string", "null"], "description": "The export folder relative to the server root."},
        "cases": {"type": "integer"},
    },
}

RECIPE_STEPS = {
    "type": "object",
    "required": ["steps"],
    "additionalProperties": False,
    "properties": {"steps": {"type": "array", "items": {"type": "object", "required": ["op"]}}},
}

RECIPE = {
    "type": "object",
    "required": ["steps", "operations"],
    "properties": {
        "steps": {"type": "array", "items": {"type": "object"}},
        "operations": {
            "type": "array",
            "description": "The operations this dataset's kind offers, each with a JSON schema of one step.",
            "items": {"type": "object", "properties": {
                "op": {"type": "string"}, "title": {"type": "string"}, "params": {"type": "object"}}},
        },
    },
}

RUN = {
    "type": "object",
    "required": ["id", "project_id", "dataset_id", "dataset_version", "config", "status"],
    "properties": {
        "id": {"type": "integer"},
        "project_id": {"type": "string"},
        "dataset_id": {"type": "integer"},
        "dataset_version": {"type": "integer"},
        "config": {"type": "object"},
        "processes": {"type": "integer"},
        "status": {"type": "string", "enum": ["queued", "running", "cancelling", "completed", "failed", "cancelled",
                                              "interrupted", "pruned"]},
        "study_id": {"type": ["integer", "null"], "description": "The tuning study, when this run is a trial."},
        "trial_number": {"type": ["integer", "null"]},
        "epochs_done": {"type": ["integer", "null"]},
        "epochs_total": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"], "description": "The traceback or reason when it failed or stopped."},
        "error_summary": {"type": ["string", "null"],
                          "description": "The error in one sentence (the last exception: `InvalidInput: …`)."},
        "result": {"type": ["object", "null"], "description": "The evaluation report of a completed run."},
        "log": {"type": "array", "items": {"type": "string"}},
    },
}

RUN_LIST = {
    "type": "object",
    "required": ["runs"],
    "properties": {"runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}},
}

ROW_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}  # what an SQLite key can be: a larger id is a 400

PRESET = {"type": "string", "enum": list(presets.PRESETS),
          "description": "quick: the template's settings that finish in minutes on a CPU; full: config.json as it is."}

NEW_RUN = {
    "type": "object",
    "required": ["dataset_id"],
    "additionalProperties": False,
    "properties": {
        "dataset_id": ROW_ID,
        "version": {"type": "integer", "minimum": 1, "description": "A frozen version; omitted: freeze one now."},
        "config": {"type": "object", "description": "Overrides of the project's training configuration."},
        "processes": {"type": "integer", "minimum": 1, "maximum": 64, "description": "> 1: torchrun (DDP)."},
        "preset": PRESET,
    },
}

RUN_OPTIONS = {
    "type": "object",
    "required": ["datasets", "dataset_id", "presets", "preset", "device"],
    "properties": {
        "datasets": {"type": "array", "description": "Oldest first.", "items": {
            "type": "object", "required": ["id", "name", "kind", "item_count", "labelled"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string"},
                           "item_count": {"type": "integer"},
                           "labelled": {"type": "integer", "description": "Items the task can learn from."}}}},
        "dataset_id": {"type": ["integer", "null"], "description": "The default: the most labelled, newest on ties."},
        "presets": {"type": "array", "items": {
            "type": "object", "required": ["name", "changes"],
            "properties": {"name": PRESET, "changes": {
                "type": "object", "description": "What the preset changes in config.json (full: nothing)."}}}},
        "preset": {**PRESET, "description": "The default: full on a CUDA GPU, quick on a CPU."},
        "device": {"type": "string", "enum": ["cpu", "cuda"], "description": "Where runs train here."},
    },
}

RUN_ESTIMATE_REQUEST = {  # a run as it would be queued, estimated on the data as it is when no version is given
    **NEW_RUN,
    "properties": {
        **{name: shape for name, shape in NEW_RUN["properties"].items() if name != "processes"},
        "version": {"type": "integer", "minimum": 1, "description": "A frozen version; omitted: the data as it is."},
    },
}

RUN_ESTIMATE = {
    "type": "object",
    "required": ["seconds", "duration", "samples", "epochs", "device", "runs_learnt_from", "basis", "summary"],
    "properties": {
        "seconds": {"type": "integer"},
        "duration": {"type": "string", "example": "about 4 min"},
        "samples": {"type": "integer", "description": "Labelled items the run learns from."},
        "epochs": {"type": "integer"},
        "device": {"type": "string", "enum": ["cpu", "cuda"]},
        "runs_learnt_from": {"type": "integer", "description": "Finished runs of the project the speed comes from."},
        "basis": {"type": "string"},
        "summary": {"type": "string", "example": "about 4 min on this CPU (an estimate from …)"},
    },
}

METRIC_PAGE = {
    "type": "object",
    "required": ["metrics", "last"],
    "properties": {
        "metrics": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "step": {"type": ["integer", "null"]},
            "epoch": {"type": ["integer", "null"]}, "value": {"type": "number"}, "at": {"type": "number"}}}},
        "last": {"type": "integer", "description": "Pass it as ?since= to get only newer metrics."},
    },
}

STUDY = {
    "type": "object",
    "required": ["id", "project_id", "dataset_id", "objective", "n_trials", "status", "trials"],
    "properties": {
        "id": {"type": "integer"},
        "project_id": {"type": "string"},
        "dataset_id": {"type": "integer"},
        "dataset_version": {"type": "integer"},
        "objective": {"type": "string", "description": "The validation metric maximised, e.g. val/auc."},
        "n_trials": {"type": "integer"},
        "status": {"type": "string", "enum": ["running", "completed", "stopped"],
                   "description": "stopped: ended early by `POST studies/{study_id}/stop`; its finished trials stay."},
        "best_run_id": {"type": ["integer", "null"],
                        "description": "The best completed trial's run, once the study completed or was stopped."},
        "trials": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
    },
}

NEW_STUDY = {
    "type": "object",
    "required": ["dataset_id", "trials"],
    "additionalProperties": False,
    "properties": {
        "dataset_id": ROW_ID,
        "trials": {"type": "integer", "minimum": 1, "maximum": 200},
        "version": {"type": "integer", "minimum": 1},
        "config": {"type": "object", "description": "Fixed overrides (e.g. epochs) for every trial."},
        "preset": PRESET,
    },
}

MODEL = {
    "type": "object",
    "required": ["name", "project_id", "task", "latest_version", "aliases", "version_count"],
    "properties": {
        "name": {"type": "string", "example": "liver-study"},
        "project_id": {"type": "string"},
        "task": {"type": "string", "enum": ["tabular-classification", "image-classification", "segmentation"]},
        "description": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "created_by": {"type": "string"},
        "latest_version": {"type": ["integer", "null"], "description": "The newest live version (null: none)."},
        "aliases": {"type": "object", "additionalProperties": {"type": "integer"}, "example": {"production": 2},
                    "description": "Version numbers by alias."},
        "version_count": {"type": "integer", "description": "Live (not deleted) versions."},
    },
}

MODEL_LIST = {
    "type": "object",
    "required": ["models"],
    "properties": {"models": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}},
}

MODEL_VERSION_SUMMARY = {
    "type": "object",
    "required": ["number", "run_id", "metrics", "aliases", "created_at", "created_by", "deleted_at"],
    "properties": {
        "number": {"type": "integer"},
        "run_id": {"type": ["integer", "null"], "description": "The training run (null for an imported file)."},
        "metrics": {"type": "object", "additionalProperties": {"type": ["number", "null"]},
                    "example": {"val/auc": 0.91, "accuracy": 0.84, "validation_cases": 83}},
        "aliases": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string", "format": "date-time"},
        "created_by": {"type": "string"},
        "deleted_at": {"type": ["string", "null"], "description": "Set when soft-deleted (restorable)."},
    },
}

MODEL_DETAIL = {
    "allOf": [
        {"$ref": "#/components/schemas/Model"},
        {"type": "object", "required": ["versions"], "properties": {
            "versions": {"type": "array", "items": {"$ref": "#/components/schemas/ModelVersionSummary"}}}},
    ]
}

MODEL_VERSION = {
    "allOf": [
        {"$ref": "#/components/schemas/ModelVersionSummary"},
        {
            "type": "object",
            "required": ["model", "lineage", "signature", "card", "artifacts"],
            "properties": {
                "model": {"type": "string"},
                "project_id": {"type": "string"},
                "task": {"type": "string"},
                "digest": {"type": "string", "description": "SHA-256 of models/model.pt; names the bundle folder."},
                "lineage": {"type": "object", "description": "Where the version comes from.", "properties": {
                    "run_id": {"type": ["integer", "null"]}, "dataset_id": {"type": ["integer", "null"]},
                    "dataset_version": {"type": ["integer", "null"]}, "dataset_digest": {"type": ["string", "null"]},
                    "config": {"type": ["object", "null"]}, "package_version": {"type": ["string", "null"]},
                    "created_by": {"type": "string"}, "created_at": {"type": "string"}}},
                "signature": {"type": "object", "description": "What the model takes and gives: task, inputs "
                              "(table columns with units and ranges, image or volume) and outputs (classes)."},
                "card": {"type": "string", "description": "The model card, in Markdown."},
                "artifacts": {"type": "array", "items": {"type": "string"}, "example": [
                    "configs/metadata.json", "docs/README.md", "models/model.pt"],
                    "description": "The bundle's files (MONAI bundle layout), relative to its folder."},
                "export": {"oneOf": [{"$ref": "#/components/schemas/ExportReport"}, {"type": "null"}],
                           "description": "The last export (TorchScript, ONNX and their parity), null before one."},
            },
        },
    ]
}

REGISTER_RUN = {
    "type": "object",
    "additionalProperties": False,
    "description": "Optional; an empty body registers under the project's model.",
    "properties": {"name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$", "example": "liver-study"}},
}

NEW_ALIAS = {
    "type": "object",
    "required": ["alias"],
    "additionalProperties": False,
    "properties": {"alias": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,31}$", "example": "production"}},
}

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
        "prediction_id": {"type": "string", "description": "Masks only: the id for the slice PNG route."},
    },
}

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

PARITY_CASE = {
    "type": "object",
    "required": ["name", "max_abs_diff"],
    "properties": {"name": {"type": "string", "example": "edge of a body"},
                   "max_abs_diff": {"type": ["number", "null"]},
                   "dice": {"type": "number", "description": "Masks: mean Dice per class of the argmax masks."}},
}

EXPORTED_FILE = {
    "type": "object",
    "required": ["file", "max_abs_diff"],
    "properties": {"file": {"type": "string", "description": "Relative to the bundle folder."},
                   "max_abs_diff": {"type": ["number", "null"],
                                    "description": "Largest difference of the class probabilities to eager PyTorch "
                                                   "over the parity cases (null: not exported)."},
                   "dice": {"type": ["number", "null"],
                            "description": "Masks: the smallest mean Dice of the argmax masks over the cases."},
                   "tolerance": {"type": "object", "properties": {"max_abs_diff": {"type": "number"},
                                                                  "dice": {"type": ["number", "null"]}}},
                   "passed": {"type": ["boolean", "null"],
                              "description": "Within the tolerance on every case (null: not exported). A failed "
                                             "ONNX export is deployed only with override_parity."},
                   "cases": {"type": "array", "items": {"$ref": "#/components/schemas/ParityCase"}},
                   "error": {"type": ["string", "null"], "description": "Why this format could not be exported."}},
}

EXPORT_REPORT = {
    "type": "object",
    "required": ["torchscript", "onnx", "bundle"],
    "properties": {
        "torchscript": {"$ref": "#/components/schemas/ExportedFile"},
        "onnx": {"$ref": "#/components/schemas/ExportedFile"},
        "bundle": {"type": "string", "description": "The MONAI bundle folder, relative to the workspace."},
        "parity": {"type": "object", "description": "What was compared and on which inputs.",
                   "properties": {"compared": {"type": "string"},
                                  "input_shape": {"type": "array", "items": {"type": "integer"}},
                                  "cases": {"type": "array", "items": {"type": "string"}}}},
    },
}

COMPONENTS = {
    "Error": ERROR,
    "Template": TEMPLATE,
    "TemplateList": TEMPLATE_LIST,
    "Project": PROJECT,
    "ProjectList": PROJECT_LIST,
    "ProjectDetail": PROJECT_DETAIL,
    "NewProject": NEW_PROJECT,
    "Dataset": DATASET,
    "DatasetList": DATASET_LIST,
    "NewDataset": NEW_DATASET,
    "Item": ITEM,
    "ItemPage": ITEM_PAGE,
    "Annotation": ANNOTATION,
    "MaskVolumes": MASK_VOLUMES,
    "LabelUpdate": LABEL_UPDATE,
    "UploadFolder": UPLOAD_FOLDER,
    "UploadImport": UPLOAD_IMPORT,
    "Suggestion": SUGGESTION,
    "AcceptSuggestion": ACCEPT_SUGGESTION,
    "PrelabelJob": PRELABEL_JOB,
    "PrelabelStatus": PRELABEL_STATUS,
    "Version": VERSION,
    "VersionList": VERSION_LIST,
    "ExportResult": EXPORT_RESULT,
    "RecipeSteps": RECIPE_STEPS,
    "Recipe": RECIPE,
    "Run": RUN,
    "RunList": RUN_LIST,
    "NewRun": NEW_RUN,
    "RunOptions": RUN_OPTIONS,
    "RunEstimateRequest": RUN_ESTIMATE_REQUEST,
    "RunEstimate": RUN_ESTIMATE,
    "MetricPage": METRIC_PAGE,
    "Study": STUDY,
    "NewStudy": NEW_STUDY,
    "Model": MODEL,
    "ModelList": MODEL_LIST,
    "ModelVersionSummary": MODEL_VERSION_SUMMARY,
    "ModelDetail": MODEL_DETAIL,
    "ModelVersion": MODEL_VERSION,
    "RegisterRun": REGISTER_RUN,
    "NewAlias": NEW_ALIAS,
    "Deployment": DEPLOYMENT,
    "DeploymentList": DEPLOYMENT_LIST,
    "NewDeployment": NEW_DEPLOYMENT,
    "ParityCase": PARITY_CASE,
    "PredictionAnswer": PREDICTION_ANSWER,
    "NewEvaluation": NEW_EVALUATION,
    "EvaluationReport": EVALUATION_REPORT,
    "Scored": SCORED,
    "ExportedFile": EXPORTED_FILE,
    "ExportReport": EXPORT_REPORT,
}
