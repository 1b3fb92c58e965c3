"""Schemas of templates and projects."""

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

ROLE = {"type": "string", "enum": ["viewer", "annotator", "reviewer", "lead"],
        "description": "viewer sees; annotator labels and paints (only their own labels); reviewer also changes "
        "others' labels, predicts and evaluates; lead also imports, trains, deploys, deletes and sets roles."}

MEMBER = {
    "type": "object",
    "required": ["user", "role", "updated_at", "updated_by"],
    "properties": {
        "user": {"type": "string", "example": "dr.lee"},
        "role": ROLE,
        "updated_at": {"type": "string", "format": "date-time"},
        "updated_by": {"type": "string"},
    },
}

MEMBER_LIST = {
    "type": "object",
    "required": ["members", "you"],
    "properties": {
        "members": {"type": "array", "items": {"$ref": "#/components/schemas/Member"},
                    "description": "The roles set in this project, leads first (its creator is its first lead)."},
        "you": {"type": "object", "required": ["user", "role"],
                "description": "The caller and their role here (from the project, their Hub groups or the default; "
                "a single-user server's owner is lead).",
                "properties": {"user": {"type": "string"}, "role": {**ROLE, "type": ["string", "null"]}}},
    },
}

ROLE_UPDATE = {
    "type": "object",
    "required": ["role"],
    "additionalProperties": False,
    "properties": {"role": ROLE},
}
