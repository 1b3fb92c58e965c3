"""Shared fixtures: a temporary workspace for core tests, a Jupyter server for server tests, and tiny
models trained once per session that modules copy instead of training their own."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from mass_ide.core.workspace import Workspace

pytest_plugins = ["pytest_jupyter.jupyter_server"]

LABS_FAST = {"epochs": 3, "device": "cpu"}
PATCHES_FAST = {"image_size": [32, 32], "epochs": 1, "device": "cpu", "batch_size": 8,
                "model": {"name": "resnet10", "spatial_dims": 2, "in_channels": 1}}


@pytest.fixture
def workspace(tmp_path):
    """A fresh workspace in a temporary folder."""
    ws = Workspace.open(tmp_path / "workspace")
    yield ws
    ws.close()


@pytest.fixture
def jp_server_config():
    """Load only the Mass IDE extension; its workspace is the default, inside the server root."""
    return {"ServerApp": {"jpserver_extensions": {"mass_ide": True}}}


def trained_version(ws, dataset, overrides: dict) -> dict:
    """Train a run in-process and return its registered version (completed runs register themselves)."""
    from mass_ide.core import registry
    from mass_ide.core.runs import registering
    from mass_ide.core.runs.worker import train_in_process

    run = train_in_process(ws, dataset.project_id, dataset_id=dataset.id, user="ana", version=1, overrides=overrides)
    found = ws.db.execute("SELECT m.name, v.number FROM model_versions v JOIN models m ON m.id = v.model_id "
                          "WHERE v.run_id = ?", [run["id"]]).fetchone()
    if found is None:
        return registering.register_run(ws, run["id"], user="ana")
    return registry.get_version(ws, found[0], found[1])


@dataclass(frozen=True)
class TrainedSample:
    """A closed workspace holding a template's sample project (datasets frozen) and one registered tiny model."""

    root: Path
    dataset_id: int
    model: str
    number: int

    def place(self, folder: Path) -> None:
        """Copy the workspace's files to ``folder``, which must not exist yet (a server's workspace before it
        starts: copying fails if the server has opened one there already)."""
        shutil.copytree(self.root, folder)

    def found_in(self, ws: Workspace) -> tuple[object, dict]:
        """In a copy of this workspace: (the trained dataset, its registered version)."""
        from mass_ide.core import registry
        from mass_ide.core.data import datasets

        return datasets.get_dataset(ws, self.dataset_id), registry.get_version(ws, self.model, self.number)

    def copy(self, folder: Path) -> tuple[Workspace, object, dict]:
        """A fresh copy in ``folder``, opened: (workspace, the trained dataset, its registered version)."""
        self.place(folder)
        ws = Workspace.open(folder)
        return (ws, *self.found_in(ws))


def _train_sample(root: Path, template: str, dataset: int, overrides: dict) -> TrainedSample:
    """Make ``root``'s sample project of ``template`` and train ``overrides`` on its ``dataset``-th dataset."""
    from tests.test_training import sample_project

    ws, found = sample_project(root, template)
    try:
        version = trained_version(ws, found[dataset], overrides)
        return TrainedSample(root, found[dataset].id, version["model"], version["number"])
    finally:
        ws.close()


@pytest.fixture(scope="session")
def trained_labs(tmp_path_factory) -> TrainedSample:
    """The liver-function sample with a 3-epoch model, trained once per session; copy it (``.copy``), never
    open it in place."""
    return _train_sample(tmp_path_factory.mktemp("trained-labs") / "ws", "liver-function", 0, LABS_FAST)


@pytest.fixture(scope="session")
def trained_patches(tmp_path_factory) -> TrainedSample:
    """The cancer-prediction sample with a 1-epoch 32×32 tumour-patch classifier, trained once per session;
    copy it (``.copy``), never open it in place."""
    return _train_sample(tmp_path_factory.mktemp("trained-patches") / "ws", "cancer-prediction", 0, PATCHES_FAST)


@pytest.fixture
def served_labs(trained_labs, jp_root_dir) -> TrainedSample:
    """``trained_labs`` copied to where the test's Jupyter server opens its workspace (``mass-workspace`` in its
    root); find the dataset and version there with ``.found_in(workspace)``. Request it before ``jp_fetch``: the
    copy fails if the server has made its workspace already."""
    trained_labs.place(jp_root_dir / "mass-workspace")
    return trained_labs


@pytest.fixture
def served_patches(trained_patches, jp_root_dir) -> TrainedSample:
    """``trained_patches`` where the test's Jupyter server opens its workspace (as ``served_labs``)."""
    trained_patches.place(jp_root_dir / "mass-workspace")
    return trained_patches


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory):
    """A real Orthanc PACS (DICOMweb and DIMSE) on free loopback ports for the whole session, stopped at its end."""
    from pacs_fixtures import start_orthanc

    pacs = start_orthanc(tmp_path_factory.mktemp("orthanc"))
    yield pacs
    pacs.stop()
