"""Tuning studies on the liver-function sample table: stopping one keeps what finished and starts nothing more."""

import threading
import time

import pytest

from mass_ide.core import audit, projects
from mass_ide.core.errors import Conflict
from mass_ide.core.runs import tuning, worker
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.workspace import Workspace

LAST_RESORT_SECONDS = 600  # only a hung trial gets this far; every wait below ends on an event


@pytest.fixture
def labs(workspace):
    """A liver-function project with its sample PBC table."""
    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    [table] = add_sample_data(workspace, "labs", user="ana")
    return workspace, table


def wait_until(condition, what: str):
    """Poll ``condition()`` until it returns something true, and return that."""
    deadline = time.monotonic() + LAST_RESORT_SECONDS
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise TimeoutError(f"gave up waiting for {what}")


def second_trial_training(ws: Workspace, study_id: int) -> dict | None:
    """The study's second trial once it has finished an epoch."""
    trials = tuning.get_study(ws, study_id)["trials"]
    return trials[1] if len(trials) > 1 and trials[1]["epochs_done"] >= 1 else None


def test_a_stopped_study_keeps_its_finished_trial_cancels_the_running_one_and_starts_no_more(labs):
    ws, table = labs
    study = tuning.start_study(ws, "labs", dataset_id=table.id, trials=4, user="ana", overrides={"epochs": 60})
    ended: list[dict] = []

    def foreground() -> None:  # what `mass-ide tune` does, in its own connection
        own = Workspace.open(ws.root)
        try:
            ended.append(worker.tune_in_process(own, study["id"]))
        finally:
            own.close()

    thread = threading.Thread(target=foreground)
    thread.start()
    try:
        running = wait_until(lambda: second_trial_training(ws, study["id"]), "the second trial to train")
        first = tuning.get_study(ws, study["id"])["trials"][0]
        assert first["status"] == "completed" and running["status"] == "running"
        stopped = tuning.stop_study(ws, study["id"], user="ben")
    finally:
        thread.join(LAST_RESORT_SECONDS)
    assert not thread.is_alive() and ended[0]["status"] == "stopped"
    assert (stopped["status"], stopped["best_run_id"]) == ("stopped", first["id"])
    assert stopped["trials"][0] == first and stopped["trials"][1]["status"] in ("cancelling", "cancelled")

    tuning.advance_all(ws)  # what the scheduler does on every tick
    done = tuning.get_study(ws, study["id"])
    assert [t["id"] for t in done["trials"]] == [first["id"], running["id"]]  # no trial after the stop
    assert done["trials"][0] == first  # the finished trial and its run are untouched
    cancelled = done["trials"][1]
    assert cancelled["status"] == "cancelled" and cancelled["epochs_done"] < 60
    stop = audit.events(ws.db, target=f"study:{study['id']}")[0]
    assert (stop["action"], stop["user"]) == ("study.stop", "ben")
    assert [e["action"] for e in audit.events(ws.db, target=f"run:{running['id']}")][0] == "run.cancel"

    promoted = tuning.promote(ws, study["id"], user="ben")  # the best so far is still there to train
    assert promoted["config"] == first["config"] and promoted["study_id"] is None
    with pytest.raises(Conflict, match=f"study {study['id']} is already stopped; only a running study"):
        tuning.stop_study(ws, study["id"], user="ben")


def test_stopping_before_the_first_trial_trains_cancels_it_and_leaves_nothing_to_promote(labs):
    ws, table = labs
    study = tuning.start_study(ws, "labs", dataset_id=table.id, trials=3, user="ana", overrides={"epochs": 1})
    stopped = tuning.stop_study(ws, study["id"], user="ana")
    assert [t["status"] for t in stopped["trials"]] == ["cancelled"] and stopped["best_run_id"] is None
    assert tuning.claim_trial(ws, study["id"], pid=1) is None  # nothing left for a foreground tuner
    assert worker.tune_in_process(ws, study["id"])["trials"] == stopped["trials"]
    with pytest.raises(Conflict, match="has no completed trial yet"):
        tuning.promote(ws, study["id"], user="ana")
    import optuna

    assert [t.state for t in tuning._study(ws, study["id"]).trials] == [optuna.trial.TrialState.FAIL]


def test_a_completed_study_cannot_be_stopped(labs):
    ws, table = labs
    study = tuning.start_study(ws, "labs", dataset_id=table.id, trials=1, user="ana", overrides={"epochs": 1})
    finished = worker.tune_in_process(ws, study["id"])
    assert finished["status"] == "completed" and [t["status"] for t in finished["trials"]] == ["completed"]
    with pytest.raises(Conflict, match="is already completed"):
        tuning.stop_study(ws, study["id"], user="ana")
    assert tuning.get_study(ws, study["id"])["trials"] == finished["trials"]
