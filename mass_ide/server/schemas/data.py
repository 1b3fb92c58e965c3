"""Schemas of datasets, their items, labels and masks, uploads, pre-labelling, versions and cleaning recipes."""


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
