"""Hostile files through the REST API: each gets a 400 that says what to fix, and leaves nothing behind."""

import json

import pytest
from annotation_fixtures import volume_dataset
from hostile_files import API, png_declaring, refused_with_400, write_zip

from mass_ide.core import projects
from mass_ide.core.data import datasets, uploads


@pytest.fixture
def server_workspace(jp_serverapp):
    """The workspace the running server has open."""
    return jp_serverapp.web_app.settings["mass_ide_workspace"]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
async def test_a_mask_png_declaring_enormous_dimensions_gets_400(jp_fetch, server_workspace):
    item = datasets.list_items(server_workspace, volume_dataset(server_workspace).id)[0][0]
    message = await refused_with_400(jp_fetch, "items", str(item.id), "mask", method="PUT",
                                     body=png_declaring(60_000, 60_000),
                                     params={"axis": "axial", "index": "0", "version": "0"})
    assert "the mask slice is too large to decode" in message and "decompression bomb" in message
    assert server_workspace.db["annotations"].count == 0


@pytest.mark.parametrize(("names", "words"), [
    (["a", "a/b.csv"], ["'a' is a file", "'a/b.csv' needs a folder of the same name"]),
    (["a/b.csv", "a"], ["'a' is a file", "'a/b.csv' needs a folder of the same name"]),
    (["a/./b.csv", "a/b.csv"], ["both unpack to 'a/b.csv'"]),
    (["t" * 300 + ".csv"], ["name of 304 bytes", "at most 255 bytes"]),
    (["/".join(["d"] * 40) + "/t.csv"], ["41 levels deep"]),
    (["a\0b.csv"], ["NUL byte"]),
], ids=["file-then-folder", "folder-then-file", "duplicate", "long-name", "deep", "nul"])
async def test_an_uploaded_zip_with_names_a_file_system_cannot_hold_gets_400(jp_fetch, server_workspace, tmp_path,
                                                                              names, words):
    project = projects.create_project(server_workspace, name="Labs", template="liver-function", user="ana")
    archive = write_zip(tmp_path / "labs.zip", names)
    message = await refused_with_400(jp_fetch, "projects", "labs", "datasets", method="POST", body=archive.read_bytes(),
                                     params={"filename": "labs.zip"})
    for word in ["labs.zip: the entr", *words]:
        assert word in message, message
    assert list((server_workspace.root / "uploads").iterdir()) == []
    assert list((project.folder / "data").iterdir()) == [] and server_workspace.db["datasets"].count == 0


@pytest.mark.parametrize(("path", "words"), [
    ("series/" + "i" * 300, ["name of 300 bytes", "at most 255 bytes"]),
    ("/".join(["d"] * 40) + "/IM0001.dcm", ["41 levels deep"]),
    ("series/IM\n0001.dcm", ["control character"]),
], ids=["long-name", "deep", "newline"])
async def test_a_folder_upload_path_a_file_system_cannot_hold_gets_400(jp_fetch, server_workspace, path, words):
    projects.create_project(server_workspace, name="Seg", template="liver-segmentation", user="ana")
    token = json.loads((await jp_fetch(API, "projects", "seg", "uploads", method="POST", body=b"")).body)["id"]
    message = await refused_with_400(jp_fetch, "projects", "seg", "uploads", token, "files", method="POST", body=b"x",
                                     params={"path": path})
    for word in ["the uploaded path", *words]:
        assert word in message, message
    assert list(uploads.folder_path(server_workspace, token).iterdir()) == []


async def test_a_folder_upload_of_a_file_and_a_folder_of_one_name_gets_400_in_either_order(jp_fetch, server_workspace):
    projects.create_project(server_workspace, name="Seg", template="liver-segmentation", user="ana")
    token = json.loads((await jp_fetch(API, "projects", "seg", "uploads", method="POST", body=b"")).body)["id"]

    async def send(path):
        return await jp_fetch(API, "projects", "seg", "uploads", token, "files", method="POST", body=b"x",
                              params={"path": path})

    assert (await send("scan")).code == 204
    assert (await send("series/IM0001.dcm")).code == 204
    message = await refused_with_400(jp_fetch, "projects", "seg", "uploads", token, "files", method="POST", body=b"x",
                                     params={"path": "scan/IM0001.dcm"})
    assert "needs a folder 'scan', but a file of that name was already sent" in message
    message = await refused_with_400(jp_fetch, "projects", "seg", "uploads", token, "files", method="POST", body=b"x",
                                     params={"path": "series"})
    assert "'series' is already a folder of files sent before" in message
    folder = uploads.folder_path(server_workspace, token)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        "scan", "series", "series/IM0001.dcm"]


@pytest.mark.parametrize(("body", "words"), [
    (b"", ["the uploaded model file is empty (0 bytes)"]),
    (b"just some text", ["is not a PyTorch model file"]),
], ids=["empty", "text"])
async def test_an_empty_or_non_torch_model_upload_gets_400(jp_fetch, server_workspace, body, words):
    projects.create_project(server_workspace, name="Labs", template="liver-function", user="ana")
    message = await refused_with_400(jp_fetch, "models", "labs", "versions", method="POST", body=body,
                                     params={"project": "labs"})
    for word in words:
        assert word in message, message
    assert list((server_workspace.root / "uploads").iterdir()) == []
    assert server_workspace.db["models"].count == 0
