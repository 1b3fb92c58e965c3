"""The notebook annotator works on the same store, with the same conflict rules."""

import io
import os
import signal
import time

import numpy as np
import pytest
from annotation_fixtures import image_dataset, volume_dataset
from PIL import Image

from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets
from mass_ide.core.errors import Conflict, InvalidInput
from mass_ide.widgets import Annotator


def test_assigning_classes_moves_on_and_counts_progress(workspace):
    dataset = image_dataset(workspace)
    annotator = Annotator(workspace, dataset.id, user="ana")
    assert [b.description for b in annotator.buttons] == ["1: no tumour", "2: tumour"]
    assert Image.open(io.BytesIO(annotator.view.value)).size == (20, 10)
    annotator.buttons[1].click()
    first = datasets.list_items(workspace, dataset.id)[0][0]
    assert annotations.get_annotation(workspace, first.id).label == "tumour"
    assert annotator.position == 1 and annotator.progress.value == 1
    assert "item 2 of 3" in annotator.title.value


def test_a_stale_label_shows_the_conflict_instead_of_overwriting(workspace):
    dataset = image_dataset(workspace)
    annotator = Annotator(workspace, dataset.id, user="ana")
    item = annotator.item
    annotations.set_label(workspace, item.id, label="no tumour", expected_version=0, user="ben")
    annotator.assign("tumour")
    assert "saved by ben" in annotator.status.value and annotator.position == 0
    assert annotations.get_annotation(workspace, item.id).label == "no tumour"


def test_unlabelled_only_and_volumes_with_their_masks(workspace):
    dataset = volume_dataset(workspace)
    first = datasets.list_items(workspace, dataset.id)[0][0]
    annotations.write_mask_slice(workspace, first.id, axis="axial", index=4, values=np.ones((16, 12), np.uint8),
                                 expected_version=0, user="ana")
    remaining = Annotator(workspace, dataset.id, unlabelled_only=True)
    assert len(remaining.items) == 1 and remaining.buttons == []
    browser = Annotator(workspace, dataset.id)
    assert (browser.slice.max, browser.slice.value) == (7, 4)
    painted = np.asarray(Image.open(io.BytesIO(browser.view.value)))
    assert painted.shape == (12, 16, 3) and (painted[..., 0] > painted[..., 2]).any()  # the liver class is red
    browser.axis.value = "sagittal"
    assert browser.slice.max == 15


def test_live_curves_fill_while_a_run_trains_in_the_kernel(workspace):
    from mass_ide.core import projects, runs
    from mass_ide.core.runs.worker import train_in_process
    from mass_ide.core.samples.sample_data import add_sample_data
    from mass_ide.widgets import LiveCurves

    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    [table] = add_sample_data(workspace, "labs", user="ana")
    curves = LiveCurves()
    run = train_in_process(workspace, "labs", dataset_id=table.id, user="ana", overrides={"epochs": 2}, watch=curves)
    assert run["status"] == "completed" and [r["id"] for r in runs.list_runs(workspace, "labs")] == [run["id"]]
    traces = {trace.name: trace for trace in curves.figure.data}
    assert len(traces["train/loss"].y) > 2 and list(traces["val/auc"].x) == [1, 2]
    lr = traces["train/lr"]  # its own panel, held flat between the steps where it was logged
    assert (lr.xaxis, lr.line.shape) == ("x3", "hv") and set(lr.y) == {run["config"]["learning_rate"]}
    assert curves.progress.description == "Epoch 2/2"


def tick_until(supervisor, condition, *, timeout: float = 120) -> bool:
    """Tick a deployment supervisor (as the Mass IDE server does) until ``condition()`` holds; whether it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.tick()
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def labs(trained_labs, tmp_path):
    """A copy of the session's trained liver-function workspace: (workspace, table, its registered version 1)."""
    ws, table, version = trained_labs.copy(tmp_path / "labs")
    yield ws, table, version
    ws.close()


def test_deploy_button_serves_a_version_shows_its_requests_and_undeploys(labs):
    from mass_ide.core import audit, registry, runs
    from mass_ide.core.data import datasets
    from mass_ide.core.runs.scheduler import pid_alive
    from mass_ide.core.serving import client, deployments
    from mass_ide.widgets import DeployButton

    workspace, table, version = labs
    name = version["model"]
    assert registry.get_version(workspace, name, "latest") == version and version["number"] == 1
    run = runs.get_run(workspace, version["run_id"])
    button = DeployButton(workspace, name, user="ana")
    assert f"<b>{name}</b> version 1" in button.title.value and "not deployed" in button.status.value
    assert button.undeploy_button.disabled and not button.deploy_button.disabled
    supervisor = deployments.DeploymentSupervisor(workspace)  # what the Mass IDE server runs
    try:
        button.deploy_button.click()
        assert "starting" in button.status.value and button.deploy_button.disabled
        first = button.deployment_id  # the widget's watcher redraws while the supervisor starts the worker
        assert tick_until(supervisor, lambda: "running" in button.status.value), button.deployment["error"]
        assert client.wait_until_running(workspace, button.deployment_id, timeout=5)["status"] == "running"
        assert f"mass-ide/api/deployments/{button.deployment_id}/predict" in button.status.value
        rows = [item.meta for item in datasets.all_items(workspace, table.id)[:3]]
        answer = client.predict(workspace, button.deployment_id, rows, user="ana")
        assert answer["version"] == 1 and len(answer["predictions"]) == 3
        assert set(answer["predictions"][0]["probabilities"]) == set(version["signature"]["outputs"]["classes"])
        button.refresh_button.click()
        assert "requests: 1 · errors: 0" in button.status.value and "ms" in button.status.value
        [event] = audit.events(workspace.db, target=f"deployment:{button.deployment_id}", limit=1)
        assert event["action"] == "prediction" and event["user"] == "ana" and len(event["detail"]["input_sha256"]) == 64
        with pytest.raises(InvalidInput, match="bili"):  # a refused input is audited and counted as an error
            client.predict(workspace, button.deployment_id, [{"albumin": 3.5}], user="ana")
        assert audit.events(workspace.db, target=f"deployment:{button.deployment_id}", limit=1)[0]["action"] \
            == "prediction.refused"
        assert button.refresh()["errors"] == 1 and "errors: 1" in button.status.value
        report = client.evaluate(workspace, button.deployment_id, dataset_id=table.id, user="ana")  # newest version
        assert report["dataset_version"] == run["dataset_version"]  # the items it never trained on: validation
        assert report["case_count"] == len(run["result"]["report"]["split"]["validation"]) > 50
        assert report["scored"]["training_items_included"] == 0 and report["warning"] is None
        everything = client.evaluate(workspace, button.deployment_id, dataset_id=table.id, user="ana", items="all")
        assert everything["case_count"] > 300 and "scores are optimistic" in everything["warning"]
        assert 0 <= report["roc_auc"] <= 1 and sum(map(sum, report["confusion_matrix"])) == report["case_count"]
        again = DeployButton(workspace, name, "1", user="ana")  # a second widget shows the live deployment
        assert again.deployment_id == button.deployment_id and again.deploy_button.disabled
        pid = deployments.get_deployment(workspace, button.deployment_id)["pid"]
        button.undeploy_button.click()
        assert "stopped" in button.status.value and not button.deploy_button.disabled
        supervisor.children.pop(button.deployment_id).wait(timeout=30)
        assert not pid_alive(pid)
        with pytest.raises(Conflict, match="stopped"):
            client.predict(workspace, button.deployment_id, rows, user="ana")
        button.deploy_button.click()  # deploy again; this time its worker dies
        failing = button.deployment_id
        assert failing != first and tick_until(supervisor, lambda: "running" in button.status.value)
        os.killpg(deployments.get_deployment(workspace, failing)["pid"], signal.SIGKILL)
        assert tick_until(supervisor, lambda: button.refresh()["status"] == "failed")
        assert "the worker exited" in button.status.value and not button.deploy_button.disabled
        with pytest.raises(Conflict, match="failed"):
            client.wait_until_running(workspace, failing, timeout=1)
    finally:
        supervisor.stop_all()
