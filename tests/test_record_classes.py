"""A table whose class is a column (the liver-function template's stage) counts its records as labelled the way
training does: the annotation view's progress, its 'only unlabelled' list and pre-labelling all agree with the
Train form's 'N of M labelled'."""

from mass_ide.core import projects, runs
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets
from mass_ide.core.samples.sample_data import add_sample_data


def test_records_with_a_stage_count_as_labelled_everywhere(workspace):
    project = projects.create_project(workspace, name="Stages", template="liver-function", user="ana")
    [table] = add_sample_data(workspace, project.id, user="ana")
    scheme = annotations.label_classes(workspace, project.id)
    column = annotations.dataset_class_column(workspace, table.id)
    assert scheme["column"] == column == "stage"

    trained_on = runs.labelled_count(workspace, table.id, runs.project_config(workspace, project.id))[0]
    assert datasets.count_labelled(workspace, table.id, class_column=column) == trained_on == 412
    assert datasets.count_labelled(workspace, table.id) == 0  # no label of their own
    unlabelled, total = datasets.list_items(workspace, table.id, unlabelled_only=True, limit=-1, class_column=column)
    assert total == len(unlabelled) == 6
    assert all(str(item.meta.get("stage") or "").strip().lower() in datasets.MISSING_VALUES for item in unlabelled)

    annotations.set_label(workspace, unlabelled[0].id, label="4", expected_version=0, user="ana")
    assert datasets.count_labelled(workspace, table.id, class_column=column) == 413
    assert datasets.list_items(workspace, table.id, unlabelled_only=True, class_column=column)[1] == 5
    assert runs.labelled_count(workspace, table.id, runs.project_config(workspace, project.id))[0] == 413


def test_pictures_and_volumes_have_no_class_column(workspace):
    from annotation_fixtures import image_dataset

    pictures = image_dataset(workspace, user="ana")
    assert annotations.dataset_class_column(workspace, pictures.id) is None
    assert annotations.label_classes(workspace, pictures.project_id)["column"] is None
    assert datasets.list_items(workspace, pictures.id, unlabelled_only=True)[1] == pictures.item_count
