"""Before a run: presets, the default preset (GPU or not), labelled counts, the default dataset, the time estimate."""

import pytest

from mass_ide.core import projects, runs
from mass_ide.core.errors import InvalidInput
from mass_ide.core.runs import planning, presets
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.workspace import Workspace


@pytest.fixture
def labs(tmp_path):
    """A liver-function project with its sample PBC table (its class is the 'stage' column)."""
    ws = Workspace.open(tmp_path / "ws")
    projects.create_project(ws, name="Labs", template="liver-function", user="ana")
    [table] = add_sample_data(ws, "labs", user="ana")
    yield ws, table
    ws.close()


def test_quick_changes_the_presets_settings_and_full_is_config_json_without_the_block():
    config = {"task": "segmentation", "epochs": 50, "roi_size": [96, 96, 96],
              "presets": {"quick": {"epochs": 6, "roi_size": [64, 64, 64]}}}
    assert presets.resolve(config) == presets.resolve(config, "full") == {
        "task": "segmentation", "epochs": 50, "roi_size": [96, 96, 96]}
    assert presets.resolve(config, "quick") == {"task": "segmentation", "epochs": 6, "roi_size": [64, 64, 64]}
    with pytest.raises(InvalidInput, match="unknown preset 'quick'; this project's config.json defines: full"):
        presets.resolve({"task": "segmentation"}, "quick")


def test_the_default_preset_is_full_on_a_gpu_and_quick_on_a_cpu(monkeypatch):
    config = {"presets": {"quick": {"epochs": 1}}}
    monkeypatch.setattr(presets, "cuda_available", lambda: True)
    assert presets.default_preset(config) == "full"
    monkeypatch.setattr(presets, "cuda_available", lambda: False)
    assert presets.default_preset(config) == "quick"
    assert presets.default_preset({}) == "full"  # no quick preset defined


def test_a_run_takes_the_presets_settings_with_overrides_on_top(labs, monkeypatch):
    ws, table = labs
    run = runs.create_run(ws, "labs", dataset_id=table.id, user="ana", preset="quick", overrides={"batch_size": 8})
    assert run["config"]["epochs"] == 20 and run["config"]["batch_size"] == 8 and "presets" not in run["config"]
    assert runs.project_config(ws, "labs")["epochs"] == 60


def test_options_count_rows_labelled_by_their_column_and_choose_the_most_labelled(labs, monkeypatch):
    ws, table = labs
    monkeypatch.setattr(presets, "cuda_available", lambda: False)
    options = planning.run_options(ws, "labs")
    [choice] = options["datasets"]
    assert choice["item_count"] == 418 and 0 < choice["labelled"] <= 418
    assert options["dataset_id"] == table.id and options["preset"] == "quick" and options["device"] == "cpu"
    assert {"name": "quick", "changes": {"epochs": 20}} in options["presets"]
    assert planning.default_dataset([{"id": 1, "labelled": 5}, {"id": 2, "labelled": 5}, {"id": 3, "labelled": 0}]) == 2


def test_the_estimate_scales_with_epochs_and_learns_from_finished_runs(labs, monkeypatch):
    ws, table = labs
    monkeypatch.setattr(presets, "cuda_available", lambda: False)
    quick = planning.estimate(ws, "labs", dataset_id=table.id, preset="quick")
    full = planning.estimate(ws, "labs", dataset_id=table.id, preset="full")
    assert quick["runs_learnt_from"] == 0 and "no finished run of this project" in quick["summary"]
    assert quick["epochs"] == 20 and full["epochs"] == 60 and quick["seconds"] < full["seconds"]
    assert quick["summary"].endswith(")") and "on this CPU" in quick["summary"]
    run = runs.create_run(ws, "labs", dataset_id=table.id, user="ana", overrides={"epochs": 10})
    runs.update_run(ws, run["id"], status="completed", epochs_done=10, started_at="2026-01-01T10:00:00+00:00",
                    finished_at="2026-01-01T10:10:15+00:00")  # 10 min of training after the 15 s startup
    learnt = planning.estimate(ws, "labs", dataset_id=table.id, overrides={"epochs": 20})
    assert learnt["runs_learnt_from"] == 1 and "from the speed of 1 earlier run" in learnt["summary"]
    assert learnt["seconds"] == 15 + 2 * 600 and learnt["summary"].startswith("about 20 min")


def test_work_counts_crops_and_resampled_volumes():
    full = {"task": "segmentation", "roi_size": [96, 96, 96], "spacing_mm": [1.5, 1.5, 2.0]}
    assert planning.work(full) == pytest.approx(1.0)
    assert planning.work({**full, "roi_size": [64, 64, 64], "spacing_mm": [3.0, 3.0, 4.0]}) < 0.25
    with pytest.raises(InvalidInput, match="'roi_size'"):
        planning.work({**full, "roi_size": "big"})
