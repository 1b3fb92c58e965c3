"""Pre-labelling: the project's latest registered model suggests labels and masks; uncertainty orders the items."""

import json
import subprocess
import sys

import nibabel
import numpy as np
import pytest

from mass_ide.core import audit
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.annotation import prelabel
from mass_ide.core.data import datasets
from mass_ide.core.errors import Conflict, InvalidInput, NotFound
from mass_ide.core.runs import registering
from mass_ide.core.runs.worker import train_in_process
from mass_ide.core.samples.writers import save_phantom
from tests.test_training import SEGMENTATION_FAST, sample  # noqa: F401

API = "mass-ide/api"


def train_and_register(ws, dataset, **overrides) -> dict:
    """Train a run on version 1 of ``dataset`` in this process and register it; the model version."""
    run = train_in_process(ws, dataset.project_id, dataset_id=dataset.id, version=1, user="ana",
                           overrides={**overrides, "register": False})
    assert run["status"] == "completed", run["error"]
    return registering.register_run(ws, run["id"], user="ana")


def unlabel(ws, items) -> None:
    """Clear the class of ``items`` so they count as unlabelled again."""
    for item in items:
        current = annotations.get_annotation(ws, item.id)
        annotations.set_label(ws, item.id, label=None, expected_version=current.version, user="ana")


@pytest.fixture(scope="module")
def patches(trained_patches, tmp_path_factory):
    """The cancer project's labelled patches, a tiny registered image classifier, and six patches unlabelled
    (the module's own copy of the session's ``trained_patches``)."""
    ws, images, _ = trained_patches.copy(tmp_path_factory.mktemp("patches") / "ws")
    items = datasets.all_items(ws, images.id)
    unlabel(ws, items[:6])
    yield ws, images, items[:6]
    ws.close()


def test_pre_labelling_suggests_a_class_for_each_unlabelled_item(patches):
    ws, images, cleared = patches
    job = prelabel.start(ws, images.id, user="ana", launch=False)
    assert job["status"] == "queued" and job["total"] == 6 and job["version"] == 1
    assert prelabel.run(ws, job["id"]) == "completed"
    finished = prelabel.latest_job(ws, images.id)
    assert finished["status"] == "completed" and finished["done"] == finished["total"] == 6
    for item in cleared:
        suggestion = prelabel.get_suggestion(ws, item.id)
        assert suggestion["label"] in ("no tumour", "tumour") and not suggestion["has_mask"]
        assert sum(suggestion["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        assert 0.0 <= suggestion["uncertainty"] <= 1.0 and suggestion["model"] == finished["model"]
    labelled = datasets.all_items(ws, images.id)[10]
    with pytest.raises(NotFound, match="no suggestion yet"):
        prelabel.get_suggestion(ws, labelled.id)


def test_unlabelled_items_come_most_uncertain_first(patches):
    ws, images, cleared = patches
    if prelabel.latest_job(ws, images.id) is None:
        prelabel.run(ws, prelabel.start(ws, images.id, user="ana", launch=False)["id"])
    ordered, total = datasets.list_items(ws, images.id, unlabelled_only=True, order="uncertainty")
    assert total == 6 and {item.id for item in ordered} == {item.id for item in cleared}
    uncertainties = [prelabel.get_suggestion(ws, item.id)["uncertainty"] for item in ordered]
    assert uncertainties == sorted(uncertainties, reverse=True)
    everything = datasets.list_items(ws, images.id, order="uncertainty", limit=-1)[0]
    assert [item.id for item in everything[:6]] == [item.id for item in ordered]  # items without one follow
    with pytest.raises(InvalidInput, match="order must be one of"):
        datasets.list_items(ws, images.id, order="random")


def test_accepting_a_suggestion_makes_it_the_label_and_says_so(patches):
    ws, images, cleared = patches
    if prelabel.latest_job(ws, images.id) is None:
        prelabel.run(ws, prelabel.start(ws, images.id, user="ana", launch=False)["id"])
    item = cleared[0]
    suggestion = prelabel.get_suggestion(ws, item.id)
    before = annotations.get_annotation(ws, item.id)
    with pytest.raises(Conflict, match="load theirs"):
        prelabel.accept(ws, item.id, expected_version=before.version - 1, user="ben")
    accepted = prelabel.accept(ws, item.id, expected_version=before.version, user="ben")
    assert accepted.label == suggestion["label"] and accepted.updated_by == "ben"
    [event] = audit.events(ws.db, target=f"item:{item.id}", limit=1)
    assert event["user"] == "ben" and event["detail"]["suggested_by"] == {"model": suggestion["model"],
                                                                           "version": suggestion["version"]}


def test_one_job_at_a_time_and_a_dead_worker_is_reported(patches):
    ws, images, _ = patches
    job = prelabel.start(ws, images.id, user="ana", launch=False)
    with pytest.raises(Conflict, match="already queued"):
        prelabel.start(ws, images.id, user="ana", launch=False)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    ws.db["prelabel_jobs"].update(job["id"], {"status": "running", "pid": int(finished.stdout)})
    failed = prelabel.latest_job(ws, images.id)
    assert failed["status"] == "failed" and "stopped before it finished" in failed["error"]


def test_without_a_fitting_model_pre_labelling_says_what_to_do(patches):
    ws, _, _ = patches
    _, table = [d for d in datasets.list_datasets(ws, patches[1].project_id)]
    with pytest.raises(NotFound, match="takes table records"):
        prelabel.start(ws, table.id, user="ana", launch=False)


def test_a_volume_gets_a_suggested_mask_on_its_own_grid(sample, tmp_path):  # noqa: F811
    ws, [volumes] = sample("liver-segmentation")
    train_and_register(ws, volumes, **SEGMENTATION_FAST)
    ct, _ = save_phantom(tmp_path / "new" / "phantom_ct.nii.gz", tmp_path / "phantom_labels.nii.gz", seed=99)
    new = datasets.import_dataset(ws, volumes.project_id, source=tmp_path / "new", user="ana")
    [item] = datasets.all_items(ws, new.id)
    job = prelabel.start(ws, new.id, user="ana", launch=False)
    assert prelabel.run(ws, job["id"]) == "completed"
    suggestion = prelabel.get_suggestion(ws, item.id)
    assert suggestion["has_mask"] and suggestion["label"] is None and suggestion["probabilities"] is None
    shape = nibabel.load(item.file).shape
    middle = prelabel.read_suggestion_slice(ws, item.id, axis="axial", index=shape[2] // 2)
    assert middle.shape == shape[:2] and set(np.unique(middle)) <= {0, 1, 2}
    accepted = prelabel.accept(ws, item.id, expected_version=0, user="ana")
    assert accepted.kind == "mask" and accepted.version == 1
    mine = annotations.read_mask_slice(ws, item.id, axis="axial", index=shape[2] // 2)
    assert np.array_equal(mine, middle)


@pytest.fixture
def labelled_in_server(served_patches, request):
    """The session's cancer project and tiny classifier as the running server's workspace; 4 patches unlabelled."""
    ws = request.getfixturevalue("jp_serverapp").web_app.settings["mass_ide_workspace"]
    images, _ = served_patches.found_in(ws)
    unlabel(ws, datasets.all_items(ws, images.id)[:4])
    return ws, images


async def test_pre_labelling_through_the_api(labelled_in_server, jp_fetch):
    import asyncio

    ws, images = labelled_in_server
    idle = json.loads((await jp_fetch(API, "datasets", str(images.id), "prelabel")).body)
    assert idle == {"job": None, "suggestions": 0}  # the annotation view asks no item for a suggestion
    started = await jp_fetch(API, "datasets", str(images.id), "prelabel", method="POST", body="")
    assert started.code == 202 and json.loads(started.body)["total"] == 4
    for _ in range(600):  # the worker process loads torch, then predicts four patches
        job = json.loads((await jp_fetch(API, "datasets", str(images.id), "prelabel")).body)["job"]
        if job["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.2)
    assert job["status"] == "completed" and job["done"] == 4, job.get("error")
    assert json.loads((await jp_fetch(API, "datasets", str(images.id), "prelabel")).body)["suggestions"] == 4
    page = json.loads((await jp_fetch(API, "datasets", str(images.id), "items",
                                      params={"unlabelled": "1", "order": "uncertainty"})).body)
    assert page["total"] == 4
    first = page["items"][0]
    suggestion = json.loads((await jp_fetch(API, "items", str(first["id"]), "suggestion")).body)
    assert suggestion["label"] in ("no tumour", "tumour")
    accepted = await jp_fetch(API, "items", str(first["id"]), "suggestion", "accept", method="POST",
                              body=json.dumps({"version": first["annotation"]["version"]}))
    assert json.loads(accepted.body)["label"] == suggestion["label"]
    with pytest.raises(Exception) as stale:
        await jp_fetch(API, "items", str(first["id"]), "suggestion", "accept", method="POST",
                       body=json.dumps({"version": first["annotation"]["version"]}))
    assert stale.value.code == 409
    with pytest.raises(Exception) as bad_order:
        await jp_fetch(API, "datasets", str(images.id), "items", params={"order": "random"})
    assert bad_order.value.code == 400
