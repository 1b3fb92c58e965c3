"""Schemas of the model registry: models, versions, aliases, and export reports."""

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
