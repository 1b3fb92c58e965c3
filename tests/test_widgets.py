"""The notebook annotator works on the same store, with the same conflict rules."""

import io

import numpy as np
from annotation_fixtures import image_dataset, volume_dataset
from PIL import Image

from mass_ide.core import annotations, datasets
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
    from mass_ide.core.sample_data import add_sample_data
    from mass_ide.core.worker import train_in_process
    from mass_ide.widgets import LiveCurves

    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    [table] = add_sample_data(workspace, "labs", user="ana")
    curves = LiveCurves()
    run = train_in_process(workspace, "labs", dataset_id=table.id, user="ana", overrides={"epochs": 2}, watch=curves)
    assert run["status"] == "completed" and [r["id"] for r in runs.list_runs(workspace, "labs")] == [run["id"]]
    traces = {trace.name: trace for trace in curves.figure.data}
    assert len(traces["train/loss"].y) > 2 and list(traces["val/auc"].x) == [1, 2]
    assert curves.progress.description == "Epoch 2/2"
