"""Each template's sample data lands in its project as labelled datasets, through the real importers."""

import json

import nibabel
import numpy as np

from mass_ide.core import projects
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets
from mass_ide.core.samples.sample_data import add_sample_data


def test_liver_function_gets_the_real_pbc_table(workspace):
    projects.create_project(workspace, name="Liver labs", template="liver-function", user="ana")
    [table] = add_sample_data(workspace, "liver-labs", user="ana")
    assert (table.kind, table.item_count) == ("tabular", 418)
    first = datasets.list_items(workspace, table.id, limit=1)[0][0]
    assert {"bili", "albumin", "protime", "stage"} <= set(first.meta)


def test_liver_segmentation_gets_ct_volumes_with_ground_truth_masks(workspace):
    projects.create_project(workspace, name="Liver seg", template="liver-segmentation", user="ana")
    [volumes] = add_sample_data(workspace, "liver-seg", user="ana")
    items, total = datasets.list_items(workspace, volumes.id)
    assert volumes.kind == "volume" and total == 9 and items[0].key.startswith("lits_117")
    assert datasets.count_labelled(workspace, volumes.id) == 9
    annotation = annotations.get_annotation(workspace, items[0].id)
    mask = np.asanyarray(nibabel.load(annotation.mask_file).dataobj)
    assert set(np.unique(mask).tolist()) == {0, 1, 2}  # background, liver, tumour
    assert mask.shape == nibabel.load(items[0].file).shape


def test_cancer_prediction_gets_labelled_patches_and_the_wisconsin_table(workspace):
    projects.create_project(workspace, name="Cancer", template="cancer-prediction", user="ana")
    patches, table = add_sample_data(workspace, "cancer", user="ana")
    assert (patches.kind, table.kind, table.item_count) == ("image", "tabular", 569)
    labels = {annotations.get_annotation(workspace, item.id).label
              for item in datasets.list_items(workspace, patches.id, limit=1000)[0]}
    assert labels == {"tumour", "no tumour"}


async def test_sample_data_route(jp_fetch, jp_serverapp):
    workspace = jp_serverapp.web_app.settings["mass_ide_workspace"]
    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    response = await jp_fetch("mass-ide/api", "projects", "labs", "sample-data", method="POST", body="")
    assert response.code == 201
    assert [d["item_count"] for d in json.loads(response.body)["datasets"]] == [418]
