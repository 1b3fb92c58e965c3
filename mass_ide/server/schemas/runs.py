"""Schemas of training runs, their options and estimates, metrics, and tuning studies."""

from mass_ide.core.runs import presets
from mass_ide.server.schemas.common import ROW_ID

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
