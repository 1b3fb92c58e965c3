"""A newcomer's whole journey with each template, in a real JupyterLab driven in Debian's Chromium, without a
notebook: the Launcher card, the template's sample data, a cleaning step applied as a new dataset (which keeps
the labels), labelling one item, training with the quick preset on what the Train form offers by default,
the version the run registered, deploying it, a prediction on the Test page and an evaluation.

Everything is clicked as a person would, from the Launcher on; the only files handed to the page are the ones
a user would pick from their disk (a record's values are typed, a picture or a volume is uploaded).
"""

import re
from dataclasses import dataclass

import pytest
from pages import LAST_RESORT_MS, OUTPUT, api_get, hide_toasts, switch_theme
from playwright.sync_api import expect

from mass_ide.core.data import datasets
from mass_ide.core.workspace import Workspace


@dataclass(frozen=True)
class Journey:
    """What differs between the templates' journeys."""

    card: str  # the Launcher card
    sample: str  # the sample dataset trained on
    step: str  # the cleaning step applied
    noun: str  # what the Train form counts: records or items
    metric: str  # the evaluation's headline figure


JOURNEYS = {
    "liver-function": Journey("Liver function prediction", "PBC trial lab values (real)", "trim", "records",
                              "Accuracy"),
    "cancer-prediction": Journey("Cancer prediction", "Tumour patches from LiTS CT", "grayscale", "items",
                                 "Accuracy"),
    "liver-segmentation": Journey("Liver segmentation", "Liver CT: LiTS case 117", "window", "items", "Mean Dice"),
}


def shot(page, name: str) -> None:
    """A screenshot in the light theme and one in the dark."""
    page.screenshot(path=OUTPUT / f"{name}.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / f"{name}-dark.png")
    switch_theme(page, "JupyterLab Light")


def create_from_the_launcher(page, journey: Journey, name: str):
    """Click the template's Launcher card and name the project; the project panel it opens."""
    page.locator(".jp-LauncherCard", has_text=journey.card).click()
    page.locator(".jp-Dialog input").fill(name)
    page.locator(".jp-Dialog input").press("Enter")
    panel = page.locator(".mass-ProjectPanel").filter(has_text=name)
    page.locator(".lm-TabBar-tab", has_text=name).first.click()  # the notebook opens beside it; stay here
    panel.locator('[data-section="datasets"]').wait_for(timeout=60_000)
    return panel


def apply_cleaning_step(page, panel, journey: Journey) -> int:
    """Open the sample dataset, add the template's cleaning step and apply it; the cleaned copy's id."""
    entry = panel.locator(".mass-DatasetList-item", has_text=journey.sample)
    source = int(entry.get_attribute("data-dataset-id"))
    entry.click()
    view = page.locator(f"#mass-ide-dataset-{source}")
    view.get_by_role("tab", name="Cleaning recipe").click()
    view.get_by_label("Add a step").select_option(journey.step)
    view.get_by_role("button", name="Preview").click()
    view.locator(".mass-Preview").wait_for(timeout=LAST_RESORT_MS)
    view.get_by_role("button", name="Apply as new dataset").click()
    title = page.locator(".mass-DataHeader-title", has_text="(cleaned)")
    cleaned = page.locator('[id^="mass-ide-dataset-"]', has=title)
    expect(cleaned.locator(".mass-DataHeader-sub")).to_contain_text(f"cleaned from dataset {source}",
                                                                    timeout=LAST_RESORT_MS)
    return int(cleaned.get_attribute("id").rsplit("-", 1)[1])


def label_one_item(page, lab, template: str, panel, dataset_id: int) -> None:
    """Open the cleaned copy's annotation view from the project panel and label one item there."""
    panel.locator(f'.mass-AnnotateButton[data-dataset-id="{dataset_id}"]').click()
    view = page.locator(".mass-AnnotationPanel:visible .mass-AnnotationView")
    view.wait_for(timeout=60_000)
    if template == "liver-segmentation":  # a liver stroke across the middle of the first volume's slice
        view.locator('.mass-SliceViewport[data-loading="false"]').wait_for(timeout=LAST_RESORT_MS)
        box = view.locator(".mass-SliceCanvas").bounding_box()
        page.mouse.move(box["x"] + 0.45 * box["width"], box["y"] + 0.5 * box["height"])
        page.mouse.down()
        page.mouse.move(box["x"] + 0.55 * box["width"], box["y"] + 0.5 * box["height"], steps=8)
        page.mouse.up()
        page.locator('.mass-AnnotationPanel:visible .mass-SaveStatus[data-state="saved"]').wait_for(timeout=60_000)
        return
    if template == "liver-function":  # the records read their stage from the table; one without gets one
        view.locator(".mass-RecordTable").wait_for(timeout=60_000)
        progress = view.locator(".mass-AnnotationProgress-count")
        expect(progress).to_have_text("412 / 418")  # as the Train form counts them: 6 records lack a stage
        expect(view.locator(".mass-LabelInfo")).to_contain_text("From the table’s stage column")
        view.locator(".mass-AnnotationStage").click()
        page.keyboard.press("u")  # only the unlabelled: the records without a stage
        expect(page.locator(".mass-AnnotationPanel:visible .mass-AnnotationToolbar-position")).to_have_text("1 of 6 unlabelled")
        expect(view.locator(".mass-RecordTable tr", has_text="stage")).to_contain_text("—")
        page.keyboard.press("4")
        expect(progress).to_have_text("413 / 418")
        return
    view.locator(".mass-ItemPicture").wait_for(timeout=60_000)  # a patch's label is changed to tumour
    view.locator(".mass-AnnotationStage").click()
    page.keyboard.press("2")
    view.locator(".mass-ClassButton.mass-mod-active:not(.mass-mod-pending)", has_text="tumour").wait_for()


def train_quick(page, lab, panel, journey: Journey, dataset_id: int) -> int:
    """Open the Train form from the project panel; it offers ``dataset_id`` (the most labelled) with its count of
    labelled records or items, and the quick preset; Start."""
    panel.locator(".mass-TrainButton").click()
    form = page.locator(".mass-TrainPanel:visible")
    picker = form.locator(".mass-DatasetPicker")
    expect(picker).to_have_value(str(dataset_id), timeout=60_000)  # the most labelled, newest on ties
    chosen = picker.locator("option:checked")
    expect(chosen).to_contain_text(re.compile(rf" — \d+ of \d+ {journey.noun} labelled"))
    expect(form.locator('[data-preset="quick"]')).to_have_attribute("aria-checked", "true")
    expect(form.locator(".mass-TrainEstimate")).to_contain_text("on this CPU")
    form.get_by_role("button", name="Start training").click()
    run_panel = page.locator(".mass-TrainingPanel:visible")
    run_panel.wait_for(timeout=60_000)
    run_id = int(run_panel.get_attribute("data-run-id"))
    expect(run_panel.locator(".mass-RunHeader .mass-StatusBadge")).to_have_attribute("data-status", "completed",
                                                                                     timeout=LAST_RESORT_MS)
    run = api_get(page, lab, f"runs/{run_id}")
    assert run["dataset_id"] == dataset_id and run["epochs_done"] == run["config"]["epochs"]
    return run_id


def deploy_from_the_run(page):
    """Open the version the finished run registered (the template registers what it trains), deploy it from the
    Models panel; the Test page."""
    page.locator(".mass-TrainingPanel:visible .mass-RunVersionButton").click()
    models = page.locator(".mass-ModelsPanel:visible")
    view = models.locator(".mass-VersionView")
    expect(view).to_have_attribute("data-version", "1", timeout=LAST_RESORT_MS)
    view.get_by_role("button", name="Deploy").click()
    row = models.locator(".mass-DeploymentList-item").first
    expect(row).to_have_attribute("data-status", "running", timeout=LAST_RESORT_MS)
    deployment_id = row.get_attribute("data-deployment-id")
    row.get_by_role("button", name="Test").click()
    return page.locator(f'.mass-TestPanel[data-deployment-id="{deployment_id}"]')


def predict_once(page, lab, template: str, test, dataset_id: int) -> None:
    """One prediction on the Test page: typed lab values, or an item's file uploaded as a user would."""
    if template == "liver-function":
        form = test.locator(".mass-LabForm")
        form.get_by_role("button", name="Fill mid-range values").click()
        form.get_by_role("button", name="Predict").click()
        expect(test.locator(".mass-Probability").first).to_have_text(re.compile(r"^.+: \d+\.\d%$"),
                                                                      timeout=LAST_RESORT_MS)
        return
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        item = datasets.all_items(workspace, dataset_id)[0]
    finally:
        workspace.close()
    test.locator(".mass-FileForm-input").set_input_files(item.file)
    if template == "cancer-prediction":
        expect(test.locator(".mass-FileForm-preview")).to_be_visible()  # the picture, before it is sent
    test.get_by_role("button", name="Predict").click()
    if template == "liver-segmentation":
        expect(test.locator(".mass-MaskView-mask")).to_be_visible(timeout=LAST_RESORT_MS)
        expect(test.locator(".mass-MaskView-legend")).to_contain_text("liver")
    else:  # a picture: each class's probability, the predicted class and their chart
        probabilities = test.locator(".mass-Probability")
        expect(probabilities).to_have_count(2, timeout=LAST_RESORT_MS)
        shares = [float(re.search(r"(\d+\.\d)%$", text).group(1)) for text in probabilities.all_inner_texts()]
        assert abs(sum(shares) - 100) < 0.5, shares
        predicted = test.locator(".mass-Prediction").get_attribute("data-class")
        expect(test.locator(".mass-Tile", has_text="Predicted class").locator(".mass-Tile-value")).to_have_text(
            predicted)
        test.locator('.mass-Chart[data-chart="probabilities"] .main-svg').first.wait_for()


@pytest.mark.parametrize("template", list(JOURNEYS))
def test_each_template_from_the_launcher_to_an_evaluated_deployment(page, lab, template):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    journey = JOURNEYS[template]
    panel = create_from_the_launcher(page, journey, f"Journey {template}")
    panel.get_by_role("button", name="Add the template's sample data").click()
    panel.locator(".mass-DatasetList-item", has_text=journey.sample).wait_for(timeout=LAST_RESORT_MS)

    cleaned = apply_cleaning_step(page, panel, journey)
    offered = api_get(page, lab, f"projects/journey-{template}/runs/options")["datasets"]
    [source] = [d for d in offered if d["id"] != cleaned and journey.sample in d["name"]]
    [copy] = [d for d in offered if d["id"] == cleaned]
    assert copy["labelled"] == source["labelled"] > 0  # the cleaning step kept every label
    project_tab = page.locator(f'.lm-TabBar-tab[data-id="mass-ide-project-journey-{template}"]')
    project_tab.click()
    label_one_item(page, lab, template, panel, cleaned)
    shot(page, f"journey-{template}-label")

    project_tab.click()
    train_quick(page, lab, panel, journey, cleaned)
    shot(page, f"journey-{template}-trained")
    test = deploy_from_the_run(page)
    predict_once(page, lab, template, test, cleaned)
    evaluate = test.locator(".mass-Evaluate")
    evaluate.get_by_role("button", name="Evaluate").click()
    figure = evaluate.locator(".mass-Tile").filter(has=page.get_by_text(journey.metric, exact=True))
    expect(figure.locator(".mass-Tile-value")).to_have_text(re.compile(r"^\d"), timeout=LAST_RESORT_MS)
    expect(evaluate.locator(".mass-EvaluateScored")).to_contain_text("validation split")
    evaluate.scroll_into_view_if_needed()
    shot(page, f"journey-{template}-evaluated")
    assert page_errors == []
