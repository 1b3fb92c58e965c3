"""JSON schemas of request bodies and responses, shared by validation and the OpenAPI document."""

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
            "required": ["datasets", "runs", "models", "deployments"],
            "properties": {
                "datasets": {"type": "array", "items": {"type": "object"}},
                "runs": {"type": "array", "items": {"type": "object"}},
                "models": {"type": "array", "items": {"type": "object"}},
                "deployments": {"type": "array", "items": {"type": "object"}},
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

COMPONENTS = {
    "Error": ERROR,
    "Template": TEMPLATE,
    "TemplateList": TEMPLATE_LIST,
    "Project": PROJECT,
    "ProjectList": PROJECT_LIST,
    "ProjectDetail": PROJECT_DETAIL,
    "NewProject": NEW_PROJECT,
}
