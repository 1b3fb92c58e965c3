"""Automatic tuning: an Optuna study per request, whose trials are ordinary runs.

The study lives in ``optuna.db`` in the workspace (Optuna keeps its own schema
there; ours stays in ``mass.db``). Trials are asked one at a time, so each is
sampled knowing the results before it; a trial reports its validation metric
every epoch and the median pruner stops unpromising ones early. The best
configuration can be promoted to a normal run, also from a study stopped early.
"""

import copy
import json

from sqlite_utils.db import NotFoundError

from mass_ide.core import audit, runs
from mass_ide.core.data.datasets import freeze, get_dataset
from mass_ide.core.errors import Conflict, InvalidInput, NotFound
from mass_ide.core.projects import get_project
from mass_ide.core.runs import presets
from mass_ide.core.workspace import Workspace

OBJECTIVES = {"tabular-classification": "val/auc", "image-classification": "val/auc", "segmentation": "val/dice"}
SEARCH_SPACES = {
    "tabular-classification": {
        "learning_rate": ("log", 1e-4, 3e-2),
        "batch_size": ("choice", [16, 32, 64]),
        "model.dropout": ("float", 0.0, 0.5),
    },
    "image-classification": {
        "learning_rate": ("log", 1e-5, 1e-2),
        "batch_size": ("choice", [8, 16, 32]),
    },
    "segmentation": {
        "learning_rate": ("log", 1e-4, 3e-3),
        "batch_size": ("choice", [1, 2, 4]),
    },
}
MAX_TRIALS = 200
WARMUP_EPOCHS = 2


def _storage(ws: Workspace):
    """The Optuna storage of the workspace."""
    import optuna

    return optuna.storages.RDBStorage(f"sqlite:///{ws.root / 'optuna.db'}")


def _study(ws: Workspace, study_id: int):
    """The Optuna study behind our study ``study_id``."""
    import optuna

    return optuna.load_study(study_name=f"mass-study-{study_id}", storage=_storage(ws))


def set_path(config: dict, dotted: str, value) -> None:
    """Set ``config["model"]["dropout"]`` from ``"model.dropout"``."""
    *parents, leaf = dotted.split(".")
    for parent in parents:
        config = config.setdefault(parent, {})
    config[leaf] = value


def _suggest(trial, name: str, space: tuple):
    """One sampled hyperparameter."""
    kind, *bounds = space
    if kind == "log":
        return trial.suggest_float(name, *bounds, log=True)
    if kind == "float":
        return trial.suggest_float(name, *bounds)
    return trial.suggest_categorical(name, bounds[0])


def get_study(ws: Workspace, study_id: int) -> dict:
    """Our record of a study, with its trial runs."""
    try:
        study = ws.db["studies"].get(study_id)
    except NotFoundError:
        raise NotFound(f"no tuning study with id {study_id}") from None
    trials = [runs.get_run(ws, r["id"]) for r in ws.db["runs"].rows_where("study_id = ?", [study_id], order_by="id")]
    return {**study, "overrides": json.loads(study["overrides"] or "{}"), "trials": trials}


def list_studies(ws: Workspace, project_id: str) -> list[dict]:
    """The project's studies, newest first, with their trials."""
    get_project(ws, project_id)
    return [get_study(ws, row["id"]) for row in ws.db["studies"].rows_where("project_id = ?", [project_id],
                                                                             order_by="id desc")]


def start_study(ws: Workspace, project_id: str, *, dataset_id: int, trials: int, user: str,
                version: int | None = None, overrides: dict | None = None, preset: str | None = None) -> dict:
    """Create a study over the project's search space and queue its first trial.

    ``preset`` ("quick", "full"; ``None``: full): its changes join ``overrides`` as fixed settings of every trial.
    """
    import optuna

    dataset = get_dataset(ws, dataset_id)
    if dataset.project_id != project_id:
        raise InvalidInput(f"dataset {dataset_id} belongs to project {dataset.project_id!r}")
    if not 1 <= trials <= MAX_TRIALS:
        raise InvalidInput(f"trials must be between 1 and {MAX_TRIALS}")
    overrides = {**presets.changes(runs.config_file(ws, project_id), preset), **(overrides or {})}
    config = {**runs.project_config(ws, project_id), **overrides}
    task = config["task"]
    version = version or freeze(ws, dataset_id, user=user)["number"]
    with ws.db.atomic():
        study_id = ws.db["studies"].insert({
            "project_id": project_id, "dataset_id": dataset_id, "dataset_version": version,
            "objective": OBJECTIVES[task], "n_trials": trials, "overrides": json.dumps(overrides or {}),
            "status": "running", "created_at": audit.now_iso(), "created_by": user,
        }).last_pk
        audit.record(ws.db, user=user, action="study.create", target=f"study:{study_id}",
                     detail={"project": project_id, "dataset": dataset_id, "trials": trials})
    optuna.create_study(
        study_name=f"mass-study-{study_id}", storage=_storage(ws), direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=int(config.get("seed", 0))),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=WARMUP_EPOCHS),
    )
    ask_next(ws, study_id)
    return get_study(ws, study_id)


def ask_next(ws: Workspace, study_id: int) -> dict | None:
    """Queue the study's next trial as a run, or close the study when all trials are done.

    One transaction from the status check to the new run, so a study stopped from another
    process meanwhile never gets one more trial.
    """
    with ws.db.atomic():
        study = get_study(ws, study_id)
        if study["status"] != "running" or any(t["status"] in runs.ACTIVE for t in study["trials"]):
            return None
        if len(study["trials"]) >= study["n_trials"]:
            finish_study(ws, study_id)
            return None
        trial = _study(ws, study_id).ask()
        config = copy.deepcopy({**runs.project_config(ws, study["project_id"]), **study["overrides"]})
        for name, space in SEARCH_SPACES[config["task"]].items():
            set_path(config, name, _suggest(trial, name, space))
        run = runs.create_run(ws, study["project_id"], dataset_id=study["dataset_id"],
                              version=study["dataset_version"], overrides=config, user=study["created_by"])
        runs.update_run(ws, run["id"], study_id=study_id, trial_number=trial.number)
    return runs.get_run(ws, run["id"])


def claim_trial(ws: Workspace, study_id: int, *, pid: int) -> dict | None:
    """Mark the study's queued trial running in process ``pid`` and return it (None when none waits)."""
    with ws.db.atomic():
        row = ws.db.execute("SELECT id FROM runs WHERE study_id = ? AND status = 'queued' ORDER BY id LIMIT 1",
                            [study_id]).fetchone()
        if row is None:
            return None
        runs.update_run(ws, row[0], status="running", pid=pid, started_at=audit.now_iso())
    return runs.get_run(ws, row[0])


def report_epoch(ws: Workspace, run: dict, *, epoch: int, metrics: dict) -> bool:
    """Tell the study a trial's metric after an epoch; True when the pruner says stop."""
    import optuna

    value = metrics.get(get_study(ws, run["study_id"])["objective"])
    if value is None:
        return False
    storage = _storage(ws)
    name = f"mass-study-{run['study_id']}"
    trial_id = storage.get_trial_id_from_study_id_trial_number(storage.get_study_id_from_name(name),
                                                               run["trial_number"])
    trial = optuna.Trial(optuna.load_study(study_name=name, storage=storage), trial_id)
    trial.report(float(value), epoch)
    return trial.should_prune()


def tell(ws: Workspace, run: dict, *, value: float | None, pruned: bool = False) -> None:
    """Close a trial: its final value, pruned, or failed (no value)."""
    import optuna

    state = (optuna.trial.TrialState.PRUNED if pruned else
             optuna.trial.TrialState.COMPLETE if value is not None else optuna.trial.TrialState.FAIL)
    _study(ws, run["study_id"]).tell(run["trial_number"], value if state == optuna.trial.TrialState.COMPLETE else None,
                                     state=state)
    if get_study(ws, run["study_id"])["status"] == "stopped":  # a trial that ended after the stop may be the best
        with ws.db.atomic():
            ws.db["studies"].update(run["study_id"], {"best_run_id": _best_run(ws, run["study_id"])})


def _best_run(ws: Workspace, study_id: int) -> int | None:
    """The run of the study's best completed trial so far (None before one completed)."""
    import optuna

    completed = [t for t in _study(ws, study_id).trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        return None
    best = max(completed, key=lambda t: t.value)
    row = ws.db.execute("SELECT id FROM runs WHERE study_id = ? AND trial_number = ?",
                        [study_id, best.number]).fetchone()
    return row[0] if row else None


def finish_study(ws: Workspace, study_id: int) -> None:
    """Mark a study completed and remember its best run."""
    with ws.db.atomic():
        ws.db["studies"].update(study_id, {"status": "completed", "best_run_id": _best_run(ws, study_id)})


def stop_study(ws: Workspace, study_id: int, *, user: str) -> dict:
    """Stop a running study: no trial starts after this, its queued and running trials are cancelled
    (a running one after its current step), finished trials and the best so far stay as they are."""
    with ws.db.atomic():
        study = get_study(ws, study_id)
        if study["status"] != "running":
            raise Conflict(f"study {study_id} is already {study['status']}; only a running study can be stopped")
        ws.db["studies"].update(study_id, {"status": "stopped", "best_run_id": _best_run(ws, study_id)})
        cancelled = [runs.cancel_run(ws, trial["id"], user=user) for trial in study["trials"]
                     if trial["status"] in ("queued", "running")]
        audit.record(ws.db, user=user, action="study.stop", target=f"study:{study_id}",
                     detail={"cancelled": [run["id"] for run in cancelled]})
    for run in cancelled:
        if run["status"] == "cancelled":  # never reached a worker: nobody else tells the tuner
            tell(ws, run, value=None)
    return get_study(ws, study_id)


def advance_all(ws: Workspace) -> None:
    """Queue the next trial of every running study whose last trial ended (the scheduler calls this)."""
    for row in ws.db["studies"].rows_where("status = ?", ["running"]):
        ask_next(ws, row["id"])


def promote(ws: Workspace, study_id: int, *, user: str) -> dict:
    """Queue a normal run with the best trial's configuration."""
    study = get_study(ws, study_id)
    if not study["best_run_id"]:
        raise Conflict(f"study {study_id} has no completed trial yet")
    best = runs.get_run(ws, study["best_run_id"])
    run = runs.create_run(ws, study["project_id"], dataset_id=study["dataset_id"], version=study["dataset_version"],
                          overrides=best["config"], user=user)
    audit.record(ws.db, user=user, action="study.promote", target=f"study:{study_id}", detail={"run": run["id"]})
    return run
