"""Training runs through the server: worker processes, live metrics over the websocket, cancel, kill and resume."""

import asyncio
import json
import os
import signal

import pytest

from mass_ide.core import projects, runs
from mass_ide.core.samples.sample_data import add_sample_data

API = "mass-ide/api"


@pytest.fixture
def lab_values(jp_serverapp):
    """A liver-function project with its sample PBC table, in the running server's workspace."""
    workspace = jp_serverapp.web_app.settings["mass_ide_workspace"]
    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    [table] = add_sample_data(workspace, "labs", user="ana")
    return workspace, table


async def start_run(jp_fetch, dataset_id: int, **config) -> dict:
    """POST a run and return it."""
    response = await jp_fetch(API, "projects", "labs", "runs", method="POST",
                              body=json.dumps({"dataset_id": dataset_id, "config": config}))
    assert response.code == 201
    return json.loads(response.body)


async def wait_for(workspace, run_id: int, condition, timeout: float = 600) -> dict:
    """Poll the run until ``condition(run)`` holds (the server's scheduler ticks meanwhile); ``timeout`` is only
    a last resort for a hung worker, never a measure of speed."""
    for _ in range(int(timeout / 0.2)):
        run = runs.get_run(workspace, run_id)
        if condition(run):
            return run
        await asyncio.sleep(0.2)
    raise TimeoutError(f"run {run_id} stayed {run['status']}")


async def test_a_run_trains_in_a_worker_and_streams_its_curves(jp_fetch, jp_ws_fetch, lab_values):
    workspace, table = lab_values
    run = await start_run(jp_fetch, table.id, epochs=3)
    assert run["status"] in ("queued", "running") and run["dataset_version"] == 1
    stream = await jp_ws_fetch(API, "runs", str(run["id"]), "stream")
    names, states = set(), []
    while True:
        message = await asyncio.wait_for(stream.read_message(), timeout=120)
        if message is None:  # the server closes the stream when the run has ended
            break
        update = json.loads(message)
        names |= {metric["name"] for metric in update["metrics"]}
        states.append(update["run"]["status"])
    assert {"train/loss", "train/lr", "val/auc", "val/loss"} <= names
    assert states[-1] == "completed"
    finished = json.loads((await jp_fetch(API, "runs", str(run["id"]))).body)
    assert finished["epochs_done"] == 3 and finished["result"]["best_metric"]["name"] == "val/auc"
    assert any("finished 3 epochs" in line for line in finished["log"])
    page = json.loads((await jp_fetch(API, "runs", str(run["id"]), "metrics", params={"since": "0"})).body)
    later = json.loads((await jp_fetch(API, "runs", str(run["id"]), "metrics", params={"since": str(page["last"])})).body)
    assert len(page["metrics"]) > 3 and later["metrics"] == []


async def test_cancel_stops_a_running_run(jp_fetch, lab_values):
    workspace, table = lab_values
    run = await start_run(jp_fetch, table.id, epochs=200)
    await wait_for(workspace, run["id"], lambda r: r["epochs_done"] >= 1)
    response = await jp_fetch(API, "runs", str(run["id"]), "cancel", method="POST", body="")
    assert json.loads(response.body)["status"] == "cancelling"
    stopped = await wait_for(workspace, run["id"], lambda r: r["status"] in runs.FINAL)
    assert stopped["status"] == "cancelled" and stopped["epochs_done"] < 200


async def test_a_killed_worker_is_interrupted_and_resumes_from_its_checkpoint(jp_fetch, lab_values):
    workspace, table = lab_values
    run = await start_run(jp_fetch, table.id, epochs=4, batch_size=1)  # slow epochs: the kill lands mid-run
    running = await wait_for(workspace, run["id"], lambda r: r["epochs_done"] >= 1)
    os.killpg(running["pid"], signal.SIGKILL)
    interrupted = await wait_for(workspace, run["id"], lambda r: r["status"] in runs.FINAL)
    assert interrupted["status"] == "interrupted" and "killed" in interrupted["error"]
    resumed = json.loads((await jp_fetch(API, "runs", str(run["id"]), "resume", method="POST", body="")).body)
    assert resumed["status"] in ("queued", "running")
    done = await wait_for(workspace, run["id"], lambda r: r["status"] in runs.FINAL)
    assert (done["status"], done["epochs_done"]) == ("completed", 4)
    log = "\n".join(runs.log_tail(workspace, done, lines=200))
    assert "resum" in log.lower()


async def test_auto_tune_runs_trials_as_runs_and_promotes_the_best(jp_fetch, lab_values):
    from mass_ide.core.runs import tuning

    workspace, table = lab_values
    response = await jp_fetch(API, "projects", "labs", "studies", method="POST",
                              body=json.dumps({"dataset_id": table.id, "trials": 2, "config": {"epochs": 2}}))
    study = json.loads(response.body)
    assert response.code == 201 and study["objective"] == "val/auc" and len(study["trials"]) == 1
    for _ in range(600):
        if tuning.get_study(workspace, study["id"])["status"] == "completed":
            break
        await asyncio.sleep(0.2)
    done = json.loads((await jp_fetch(API, "studies", str(study["id"]))).body)
    assert done["status"] == "completed" and [t["status"] for t in done["trials"]] == ["completed", "completed"]
    learning_rates = {t["config"]["learning_rate"] for t in done["trials"]}
    assert len(learning_rates) == 2  # each trial sampled its own configuration
    promoted = json.loads((await jp_fetch(API, "studies", str(study["id"]), "promote", method="POST", body="")).body)
    best = runs.get_run(workspace, done["best_run_id"])
    assert promoted["config"]["learning_rate"] == best["config"]["learning_rate"] and promoted["study_id"] is None


async def test_stop_ends_a_study_cancelling_its_running_trial(jp_fetch, jp_serverapp, lab_values):
    from tornado.httpclient import HTTPClientError

    from mass_ide.core.runs import tuning
    from mass_ide.server.base import SCHEDULER_SETTING

    workspace, table = lab_values
    response = await jp_fetch(API, "projects", "labs", "studies", method="POST",
                              body=json.dumps({"dataset_id": table.id, "trials": 3, "config": {"epochs": 200}}))
    study = json.loads(response.body)
    [trial] = study["trials"]
    await wait_for(workspace, trial["id"], lambda r: r["epochs_done"] >= 1)  # trains in a worker process
    response = await jp_fetch(API, "studies", str(study["id"]), "stop", method="POST", body="")
    stopped = json.loads(response.body)
    assert response.code == 200 and stopped["status"] == "stopped" and stopped["best_run_id"] is None
    assert [t["id"] for t in stopped["trials"]] == [trial["id"]]
    assert stopped["trials"][0]["status"] in ("cancelling", "cancelled")
    cancelled = await wait_for(workspace, trial["id"], lambda r: r["status"] in runs.FINAL)
    assert cancelled["status"] == "cancelled" and cancelled["epochs_done"] < 200
    scheduler = jp_serverapp.web_app.settings[SCHEDULER_SETTING]
    await wait_for(workspace, trial["id"], lambda r: r["id"] not in scheduler.children)  # reaped, so it ticked since
    assert len(tuning.get_study(workspace, study["id"])["trials"]) == 1  # and started no other trial

    for study_id, status, message in ((study["id"], 409, f"study {study['id']} is already stopped"),
                                      (999, 404, "no tuning study with id 999")):
        with pytest.raises(HTTPClientError) as error:
            await jp_fetch(API, "studies", str(study_id), "stop", method="POST", body="")
        assert error.value.code == status and message in json.loads(error.value.response.body)["message"]


async def test_report_pictures_are_served_from_the_runs_report_folder_only(jp_fetch, lab_values, http_server_client,
                                                                          jp_auth_header, jp_base_url):
    import numpy as np
    from jupyter_server.utils import url_path_join
    from tornado.httpclient import HTTPClientError

    from mass_ide.core.training.report import overlay_picture

    workspace, table = lab_values
    run = runs.create_run(workspace, "labs", dataset_id=table.id, user="ana")
    folder = runs.run_dir(workspace, run)
    disc = (np.add.outer(np.arange(32) - 16, np.arange(32) - 16) ** 2 < 64).astype(np.int64)
    picture = overlay_picture(np.linspace(0, 1, 32 * 32).reshape(32, 32), disc, disc, folder / "report" / "overlay-01-a.png")
    (folder / "log.txt").write_text("not a picture")
    (workspace.root / "secret.png").write_bytes(picture.read_bytes())

    response = await jp_fetch(API, "runs", str(run["id"]), "report", "images", "overlay-01-a.png")
    assert response.code == 200 and response.headers["Content-Type"] == "image/png"
    assert response.body == picture.read_bytes()
    refused = {"overlay-02-missing.png": 404, "log.txt": 400, "..": 400, "..%2Flog.txt": 400, "%2Fetc%2Fpasswd": 400,
               "..%2F..%2F..%2F..%2F..%2Fsecret.png": 400, "..%5C..%5Csecret.png": 400, ".hidden.png": 400,
               "../../../../../secret.png": 404}
    for name, status in refused.items():  # sent as written: an encoded slash reaches the handler as a slash
        url = url_path_join(jp_base_url, API, "runs", str(run["id"]), "report", "images", name)
        response = await http_server_client.fetch(url, headers=jp_auth_header, raise_error=False)
        assert response.code == status, name
        assert response.body != picture.read_bytes()
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch(API, "runs", "999", "report", "images", "overlay-01-a.png")
    assert error.value.code == 404


async def test_run_json_and_errors_show_no_absolute_server_folder(jp_fetch, jp_root_dir, lab_values):
    import sys

    workspace, table = lab_values
    run = runs.create_run(workspace, "labs", dataset_id=table.id, user="ana")
    traceback = (f'File "{sys.prefix}/lib/python3.11/site-packages/monai/engines/trainer.py", line 7\n'
                 f"FileNotFoundError: {workspace.root}/projects/labs/data/1/table.csv")
    runs.update_run(workspace, run["id"], status="failed", error=traceback)
    shown = json.loads((await jp_fetch(API, "runs", str(run["id"]))).body)
    assert str(jp_root_dir) not in shown["error"] and sys.prefix not in shown["error"]
    assert 'File "<python>/lib/python3.11/site-packages/monai/engines/trainer.py"' in shown["error"]
    assert "FileNotFoundError: mass-workspace/projects/labs/data/1/table.csv" in shown["error"]
    listed = (await jp_fetch(API, "projects", "labs", "runs")).body.decode()
    assert str(jp_root_dir) not in listed and sys.prefix not in listed


async def test_a_run_on_an_unlabelled_dataset_is_refused_with_the_count_and_what_to_do(jp_fetch, jp_serverapp):
    from annotation_fixtures import image_dataset
    from tornado.httpclient import HTTPClientError

    workspace = jp_serverapp.web_app.settings["mass_ide_workspace"]
    dataset = image_dataset(workspace)  # three pictures, none labelled
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch(API, "projects", dataset.project_id, "runs", method="POST",
                       body=json.dumps({"dataset_id": dataset.id, "config": {"epochs": 1}}))
    message = json.loads(error.value.response.body)["message"]
    assert error.value.code == 400
    assert message.startswith("only 0 of the 3 items of the dataset are labelled; training needs at least 4")
    assert "label at least 4 more items in the annotation view, or import labelled data" in message
    assert workspace.db["runs"].count == 0 and workspace.db["dataset_versions"].count == 0


async def test_a_failed_runs_json_says_what_went_wrong_in_one_sentence_before_its_traceback(jp_fetch, lab_values):
    import sys

    workspace, table = lab_values
    run = runs.create_run(workspace, "labs", dataset_id=table.id, user="ana")
    traceback = ("Traceback (most recent call last):\n"
                 f'  File "{sys.prefix}/lib/python3.11/site-packages/mass_ide/core/runs/worker.py", line 181, in execute\n'
                 "    data = load_training_data(ws, run['dataset_id'], run['dataset_version'], run['config'])\n"
                 f"mass_ide.core.errors.InvalidInput: the file of item 'a' is missing ({workspace.root}/a.png); "
                 "import it again\n")
    runs.update_run(workspace, run["id"], status="failed", error=traceback)
    shown = json.loads((await jp_fetch(API, "runs", str(run["id"]))).body)
    assert shown["error_summary"] == ("InvalidInput: the file of item 'a' is missing (mass-workspace/a.png); "
                                      "import it again")
    assert shown["error"].startswith("Traceback (most recent call last):")
    [listed] = json.loads((await jp_fetch(API, "projects", "labs", "runs")).body)["runs"]
    assert listed["error_summary"] == shown["error_summary"]


async def test_the_train_form_gets_its_options_presets_and_an_estimate_before_a_quick_run(jp_fetch, jp_serverapp,
                                                                                        lab_values):
    from mass_ide.core.runs import presets

    workspace, table = lab_values
    options = json.loads((await jp_fetch(API, "projects", "labs", "runs", "options")).body)
    assert options["datasets"] == [{"id": table.id, "name": table.name, "kind": "tabular",  # 6 records lack a stage
                                    "item_count": 418, "labelled": 412}]
    assert options["dataset_id"] == table.id
    assert {preset["name"]: preset["changes"] for preset in options["presets"]} == {"quick": {"epochs": 20},
                                                                                    "full": {}}
    assert options["preset"] == ("full" if presets.cuda_available() else "quick")
    quick = json.loads((await jp_fetch(API, "projects", "labs", "config", params={"preset": "quick"})).body)
    full = json.loads((await jp_fetch(API, "projects", "labs", "config")).body)
    assert quick["epochs"] == 20 and full["epochs"] > 20 and "presets" not in quick and "presets" not in full

    body = {"dataset_id": table.id, "preset": "quick", "config": {"epochs": 4}}
    estimate = json.loads((await jp_fetch(API, "projects", "labs", "runs", "estimate", method="POST",
                                          body=json.dumps(body))).body)
    assert estimate["epochs"] == 4 and estimate["samples"] == 412 and estimate["seconds"] > 0
    assert estimate["summary"] == (f"{estimate['duration']} on this CPU (an estimate from a typical speed of "
                                   "training on tables on a 2-core CPU; no finished run of this project to "
                                   "learn from yet)") or estimate["device"] == "cuda"
    assert workspace.db["runs"].count == 0 and workspace.db["dataset_versions"].count == 0  # nothing queued

    jp_serverapp.web_app.settings["mass_ide_scheduler"].max_running = 0  # queued, never started: config only
    response = await jp_fetch(API, "projects", "labs", "runs", method="POST",
                              body=json.dumps({"dataset_id": table.id, "preset": "quick"}))
    run = json.loads(response.body)
    assert run["config"]["epochs"] == 20 and run["epochs_total"] == 20
    [created] = [row for row in workspace.db["audit"].rows if row["action"] == "run.create"]
    assert json.loads(created["detail"])["preset"] == "quick"
    runs.cancel_run(workspace, run["id"], user="ana")


async def test_an_unknown_preset_is_a_400_naming_the_presets_there_are(jp_fetch, lab_values):
    from tornado.httpclient import HTTPClientError

    workspace, table = lab_values
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch(API, "projects", "labs", "config", params={"preset": "turbo"})
    assert error.value.code == 400
    assert json.loads(error.value.response.body)["message"] == ("unknown preset 'turbo'; this project's config.json "
                                                                "defines: quick, full")
    with pytest.raises(HTTPClientError) as error:  # the schema knows the presets too
        await jp_fetch(API, "projects", "labs", "runs", method="POST",
                       body=json.dumps({"dataset_id": table.id, "preset": "turbo"}))
    assert error.value.code == 400 and workspace.db["runs"].count == 0
