"""The model registry on real tiny runs: bundles, versions, aliases, soft deletion, imports that refuse pickles."""

import hashlib
import json
import pickle
import shutil
import zipfile

import pytest
import torch

from mass_ide import cli
from mass_ide.core import audit, projects, registry, runs
from mass_ide.core.errors import Conflict, InvalidInput, NotFound
from mass_ide.core.registry.bundle import write_bundle_zip
from mass_ide.core.registry.model_file import MODEL_FORMAT
from mass_ide.core.runs import registering, tuning, worker
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.serving.predictor import Predictor
from mass_ide.core.workspace import Workspace

FAST = {"epochs": 2, "device": "cpu"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A closed workspace with a liver-function project and three finished runs.

    Run A completed with the default config (auto-registered), run B completed with
    ``"register": false``, and run C is a one-trial tuning study's trial.
    """
    root = tmp_path_factory.mktemp("trained") / "ws"
    ws = Workspace.open(root)
    projects.create_project(ws, name="Labs", template="liver-function", user="ana")
    [table] = add_sample_data(ws, "labs", user="ana")
    a = worker.train_in_process(ws, "labs", dataset_id=table.id, user="ana", overrides=FAST)
    b = worker.train_in_process(ws, "labs", dataset_id=table.id, user="ben",
                                overrides={**FAST, "seed": 1, "register": False})
    study = tuning.start_study(ws, "labs", dataset_id=table.id, trials=1, user="ana", overrides={"epochs": 1})
    [trial] = runs.runs_with_status(ws, "queued")
    worker.execute(ws, trial["id"])
    assert [runs.get_run(ws, r)["status"] for r in (a["id"], b["id"], trial["id"])] == ["completed"] * 3
    ws.close()
    return root, {"a": a["id"], "b": b["id"], "trial": trial["id"], "study": study["id"]}


@pytest.fixture
def labs(trained, tmp_path):
    """A fresh copy of the trained workspace: (workspace, run ids)."""
    root, ids = trained
    shutil.copytree(root, tmp_path / "ws")
    ws = Workspace.open(tmp_path / "ws")
    yield ws, ids
    ws.close()


def sha256(path) -> str:
    """The SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_completed_run_registers_itself_as_a_monai_bundle(labs):
    ws, ids = labs
    version = registry.get_version(ws, "labs")
    assert (version["model"], version["number"], version["run_id"]) == ("labs", 1, ids["a"])
    assert version["artifacts"] == ["configs/metadata.json", "docs/README.md", "models/model.pt"]
    assert version["folder"] == ws.root / "artifacts" / "models" / sha256(version["model_file"])
    state = torch.load(version["model_file"], weights_only=True)
    assert set(state) == {"format", "model", "meta"} and state["format"] == MODEL_FORMAT  # no optimizer
    run = runs.get_run(ws, ids["a"])
    assert version["metrics"]["val/auc"] == run["result"]["best_metric"]["value"]
    assert version["metrics"]["accuracy"] == run["result"]["report"]["accuracy"]
    assert version["signature"] == Predictor.load(version["model_file"], device="cpu").signature
    assert version["lineage"]["dataset_version"] == run["dataset_version"] == 1
    assert version["lineage"]["config"] == run["config"] and version["lineage"]["created_by"] == "ana"
    assert "registered as model 'labs' version 1" in runs.log_tail(ws, run)[-1]
    assert [e["action"] for e in audit.events(ws.db, target="model:labs")] == ["model.register", "model.create"]


def test_the_bundle_metadata_and_model_card_describe_the_run(labs):
    ws, ids = labs
    version = registry.get_version(ws, "labs", "1")
    metadata = json.loads((version["folder"] / "configs" / "metadata.json").read_text(encoding="utf-8"))
    assert {"schema", "version", "monai_version", "pytorch_version", "network_data_format"} <= set(metadata)
    assert metadata["pytorch_version"] == torch.__version__
    assert metadata["network_data_format"]["outputs"]["pred"]["channel_def"] == {"0": "negative", "1": "positive"}
    assert metadata["mass_ide"]["lineage"]["run_id"] == ids["a"]
    assert metadata["mass_ide"]["signature"] == version["signature"]
    card = version["card"]
    split = runs.get_run(ws, ids["a"])["result"]["report"]["split"]
    assert card.startswith("# labs — version 1")
    assert "Predict advanced liver disease" in card  # the template's intended use
    assert f"Trained on {len(split['train'])} cases from PBC trial lab values" in card
    assert "not validated for clinical use" in card.lower()
    assert "| bili | mg/dL |" in card and f"- torch: {torch.__version__}" in card
    assert card == (version["folder"] / "docs" / "README.md").read_text(encoding="utf-8")


def test_opted_out_runs_and_tuning_trials_are_not_registered(labs):
    ws, ids = labs
    assert [v["run_id"] for v in registry.get_model(ws, "labs")["versions"]] == [ids["a"]]
    for run_id in (ids["b"], ids["trial"]):
        assert not any("registered" in line for line in runs.log_tail(ws, runs.get_run(ws, run_id)))


def test_versions_aliases_soft_delete_and_restore(labs):
    ws, ids = labs
    second = registering.register_run(ws, ids["b"], user="ben")
    assert second["number"] == 2 and second["lineage"]["created_by"] == "ben"
    with pytest.raises(Conflict, match="already version 2"):
        registering.register_run(ws, ids["b"], user="ben")
    assert registry.get_version(ws, "labs", "latest")["number"] == 2
    assert registry.latest_version(ws, "labs")["number"] == 2
    registry.set_alias(ws, "labs", 1, "production", user="ana")
    assert registry.get_version(ws, "labs", "@production")["number"] == 1
    registry.set_alias(ws, "labs", "2", "production", user="ana")  # moves
    [summary] = registry.list_models(ws, "labs")
    assert summary["aliases"] == {"production": 2} and summary["version_count"] == 2
    with pytest.raises(Conflict, match="production; move or remove the alias"):
        registry.delete_version(ws, "labs", 2, user="ana")
    registry.remove_alias(ws, "labs", "production", user="ana")
    deleted = registry.delete_version(ws, "labs", 2, user="ana")
    assert deleted["deleted_at"] and (deleted["folder"] / "models" / "model.pt").is_file()  # files kept
    assert registry.get_version(ws, "labs")["number"] == 1 and registry.latest_version(ws, "labs")["number"] == 1
    assert [(v["number"], bool(v["deleted_at"])) for v in registry.get_model(ws, "labs")["versions"]] == [
        (2, True), (1, False)]
    with pytest.raises(Conflict, match="is deleted; restore it"):
        registry.set_alias(ws, "labs", 2, "staging", user="ana")
    assert registry.restore_version(ws, "labs", 2, user="ana")["deleted_at"] is None
    assert registry.get_version(ws, "labs")["number"] == 2
    actions = [e["action"] for e in audit.events(ws.db, target="model:labs")]
    assert actions[:6] == ["model.restore", "model.delete", "model.unalias", "model.alias", "model.alias",
                           "model.register"]


def test_bad_names_refs_and_unfinished_runs_are_refused(labs):
    ws, ids = labs
    with pytest.raises(InvalidInput, match="model name"):
        registering.register_run(ws, ids["b"], user="ana", name="Liver Model!")
    for alias, message in (("latest", "reserved"), ("Prod uction", "lowercase word")):
        with pytest.raises(InvalidInput, match=message):
            registry.set_alias(ws, "labs", 1, alias, user="ana")
    with pytest.raises(NotFound, match="no version 9"):
        registry.get_version(ws, "labs", "9")
    with pytest.raises(NotFound, match="no alias 'production'"):
        registry.get_version(ws, "labs", "@production")
    with pytest.raises(InvalidInput, match="a number, '@alias' or 'latest'"):
        registry.get_version(ws, "labs", "first")
    with pytest.raises(NotFound, match="no model named 'ghost'"):
        registry.get_version(ws, "ghost")
    queued = runs.create_run(ws, "labs", dataset_id=1, version=1, user="ana")
    with pytest.raises(Conflict, match="is queued; only a completed run"):
        registering.register_run(ws, queued["id"], user="ana")


def perturbed_model_file(version: dict, path, *, change=lambda t: t + 0.01):
    """The version's model file with every weight changed by ``change``, saved at ``path``."""
    state = torch.load(version["model_file"], weights_only=True)
    state["model"] = {key: change(tensor) for key, tensor in state["model"].items()}
    torch.save(state, path)
    return path


def test_a_weights_only_model_file_imports_as_a_new_model(labs, tmp_path):
    ws, _ = labs
    source = perturbed_model_file(registry.get_version(ws, "labs"), tmp_path / "outside.pt")
    with pytest.raises(InvalidInput, match="say which project"):
        registry.import_model_file(ws, source, name="outside", user="ana")
    imported = registry.import_model_file(ws, source, name="outside", project_id="labs", user="ana")
    assert (imported["model"], imported["number"], imported["run_id"]) == ("outside", 1, None)
    assert "Imported from outside.pt; its training data is not recorded" in imported["card"]
    assert imported["signature"] == registry.get_version(ws, "labs")["signature"]
    with pytest.raises(Conflict, match="already version 1 of model 'outside'"):
        registry.import_model_file(ws, source, name="outside", user="ana")
    with pytest.raises(Conflict, match="already version 1 of model 'labs'"):  # the same weights again
        registry.import_model_file(ws, registry.get_version(ws, "labs")["model_file"], name="outside", user="ana")
    projects.create_project(ws, name="Other", template="liver-function", user="ana")
    with pytest.raises(Conflict, match="taken by project 'labs'"):
        registry.import_model_file(ws, perturbed_model_file(imported, tmp_path / "x.pt"), name="outside",
                                   project_id="other", user="ana")


def test_weights_that_do_not_fit_their_network_are_refused(labs, tmp_path):
    ws, _ = labs
    wrong = perturbed_model_file(registry.get_version(ws, "labs"), tmp_path / "wrong.pt", change=lambda t: t[:1])
    with pytest.raises(InvalidInput, match="do not fit the network"):
        registry.import_model_file(ws, wrong, name="wrong", project_id="labs", user="ana")
    assert [m["name"] for m in registry.list_models(ws)] == ["labs"]


class PlantsAMarker:
    """Unpickling this object creates a marker file: what a hostile model file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def test_a_planted_pickle_is_refused_without_being_executed(labs, tmp_path):
    ws, _ = labs
    marker = tmp_path / "pwned"
    meta = torch.load(registry.get_version(ws, "labs")["model_file"], weights_only=True)["meta"]
    hostile_torch = tmp_path / "model.pt"
    torch.save({"format": MODEL_FORMAT, "model": {"weight": PlantsAMarker(marker)}, "meta": meta}, hostile_torch)
    hostile_pickle = tmp_path / "model.pkl"
    hostile_pickle.write_bytes(pickle.dumps({"model": PlantsAMarker(marker), "meta": meta}))
    bundles = sorted((ws.root / "artifacts" / "models").iterdir())
    for hostile in (hostile_torch, hostile_pickle):
        with pytest.raises(InvalidInput, match="not a weights-only model file"):
            registry.import_model_file(ws, hostile, name="hostile", project_id="labs", user="mallory")
        assert not marker.exists()
    assert sorted((ws.root / "artifacts" / "models").iterdir()) == bundles
    assert [m["name"] for m in registry.list_models(ws)] == ["labs"]
    pickle.loads(pickle.dumps(PlantsAMarker(marker)))  # the plant is real: plain unpickling runs it
    assert marker.exists()


def test_the_bundle_zip_holds_every_file(labs, tmp_path):
    ws, _ = labs
    version = registry.get_version(ws, "labs")
    with (tmp_path / "bundle.zip").open("wb") as file:
        name = write_bundle_zip(version, file)
    assert name == "labs-v1.zip"
    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        assert sorted(archive.namelist()) == [f"labs-v1/{f}" for f in version["artifacts"]]
        assert archive.read("labs-v1/models/model.pt") == version["model_file"].read_bytes()


def run_cli(capsys, ws, *argv):
    """Run ``mass-ide models --workspace WS ...`` in-process; (exit code, stdout, stderr)."""
    code = cli.main(["models", "--workspace", str(ws.root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_models_command_line(labs, capsys, tmp_path):
    ws, ids = labs
    code, out, _ = run_cli(capsys, ws, "register", str(ids["b"]))
    assert code == 0 and out.startswith("Registered labs version 2")
    code, out, _ = run_cli(capsys, ws, "alias", "labs", "1", "production")
    assert code == 0 and "labs@production is now version 1" in out
    code, out, _ = run_cli(capsys, ws, "delete", "labs", "2")
    assert code == 0 and "mass-ide models restore labs 2" in out
    code, out, _ = run_cli(capsys, ws, "list")
    assert "labs (tabular-classification, project labs)" in out and "v1 [production]" in out and "(deleted" in out
    code, out, _ = run_cli(capsys, ws, "restore", "labs", "2")
    assert code == 0 and out.startswith("Restored labs version 2")
    code, out, _ = run_cli(capsys, ws, "show", "labs", "@production")
    assert out.startswith("# labs — version 1")
    source = perturbed_model_file(registry.get_version(ws, "labs"), tmp_path / "file.pt")
    code, out, _ = run_cli(capsys, ws, "import", str(source), "--name", "file", "--project", "labs")
    assert code == 0 and out.startswith("Imported file version 1")
    code, out, _ = run_cli(capsys, ws, "list", "--json")
    assert {m["name"]: len(m["versions"]) for m in json.loads(out)} == {"file": 1, "labs": 2}
    code, _, err = run_cli(capsys, ws, "delete", "labs", "1")
    assert code == 1 and "move or remove the alias first" in err


IMAGE_FAST = {"image_size": [32, 32], "epochs": 1, "device": "cpu",
              "model": {"name": "resnet10", "spatial_dims": 2, "in_channels": 1}}
SEGMENTATION_FAST = {"spacing_mm": [6.0, 6.0, 8.0], "roi_size": [16, 16, 16], "epochs": 2, "batch_size": 2,
                     "samples_per_case": 1, "model": {"name": "unet", "channels": [4, 8, 16], "strides": [2, 2]},
                     "device": "cpu"}


@pytest.mark.parametrize(("template", "overrides", "expected"), [
    ("cancer-prediction", IMAGE_FAST, {"kind": "image", "shape": [32, 32], "metrics": {"val/auc", "roc_auc"},
                                       "input": "An image (32 × 32 pixels, 1 channel(s)"}),
    ("liver-segmentation", SEGMENTATION_FAST, {"kind": "volume", "shape": [16, 16, 16],
                                               "metrics": {"val/dice", "dice/liver", "hd95_mm/liver"},
                                               "input": "A 3D CT volume (nii, nii.gz, dicom-zip)."}),
])
def test_image_and_volume_models_register_with_their_signature(tmp_path, template, overrides, expected):
    ws = Workspace.open(tmp_path / "ws")
    project = projects.create_project(ws, name=template, template=template, user="ana")
    dataset = add_sample_data(ws, project.id, user="ana")[0]
    run = worker.train_in_process(ws, project.id, dataset_id=dataset.id, user="ana", overrides=overrides)
    version = registry.get_version(ws, template)
    assert version["run_id"] == run["id"] and version["signature"]["inputs"]["kind"] == expected["kind"]
    assert expected["metrics"] <= set(version["metrics"])
    metadata = json.loads((version["folder"] / "configs" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["network_data_format"]["inputs"]["image"]["spatial_shape"] == expected["shape"]
    assert expected["input"] in version["card"]
    ws.close()


def test_a_deployed_version_cannot_be_deleted_until_undeployed(labs):
    from mass_ide.core.serving import deployments

    ws, _ = labs
    deployment = deployments.deploy(ws, "labs", 1, user="ana")  # recorded as starting; no supervisor here
    with pytest.raises(Conflict, match=f"is deployed \\(deployment {deployment['id']}\\); undeploy it first"):
        registry.delete_version(ws, "labs", 1, user="ana")
    deployments.undeploy(ws, deployment["id"], user="ana")
    assert registry.delete_version(ws, "labs", 1, user="ana")["deleted_at"]


def test_models_of_a_trashed_project_leave_the_list_until_it_is_restored(labs):
    ws, _ = labs
    projects.trash_project(ws, "labs", user="ana")
    assert registry.list_models(ws) == []
    with pytest.raises(NotFound, match="no project with id 'labs'"):
        registry.list_models(ws, "labs")
    projects.restore_project(ws, "labs", user="ana")
    assert [m["name"] for m in registry.list_models(ws, "labs")] == ["labs"]


@pytest.mark.parametrize(("content", "words"), [
    (b"", ["liver.pt: the uploaded model file is empty (0 bytes)", "upload the .pt file"]),
    (b"hello, I am not a model", ["liver.pt is not a PyTorch model file", "neither a torch.save zip nor a pickle"]),
    (b"\x89PNG\r\n\x1a\n", ["liver.pt is not a PyTorch model file"]),
], ids=["empty", "text", "png"])
def test_an_empty_or_non_torch_model_file_is_refused_naming_it(workspace, tmp_path, content, words):
    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    path = tmp_path / "liver.pt"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as caught:
        registry.import_model_file(workspace, path, name="liver", project_id="labs", user="ana")
    for word in words:
        assert word in str(caught.value), str(caught.value)
    assert registry.list_models(workspace) == [] and not (workspace.root / "artifacts" / "models").exists()
