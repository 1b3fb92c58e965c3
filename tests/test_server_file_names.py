"""Upload names and mask sizes checked in prepare()/put before anything is created or decoded (400, not 500)."""

import pytest
from annotation_fixtures import volume_dataset
from hostile_files import png_declaring, refused_with_400

from mass_ide.core import projects
from mass_ide.core.data import datasets

LONG = "t" * 300 + ".csv"


@pytest.fixture
def server_workspace(jp_serverapp):
    """The workspace the running server has open."""
    return jp_serverapp.web_app.settings["mass_ide_workspace"]


@pytest.mark.parametrize(("filename", "words"), [
    (LONG, ["cannot be a file name", "name of 304 bytes", "at most 255 bytes", "rename the file"]),
    ("labs\n.csv", ["cannot be a file name", "control character"]),
    ("../labs.csv", ["?filename=NAME", "no folders"]),
], ids=["long", "newline", "folder"])
async def test_a_dataset_upload_with_a_name_a_file_system_cannot_hold_gets_400(jp_fetch, server_workspace,
                                                                                filename, words):
    projects.create_project(server_workspace, name="Labs", template="liver-function", user="ana")
    message = await refused_with_400(jp_fetch, "projects", "labs", "datasets", method="POST", body=b"a,b\n1,2\n",
                                     params={"filename": filename})
    for word in words:
        assert word in message, message
    assert list((server_workspace.root / "uploads").iterdir()) == []


@pytest.mark.parametrize("filename", ["m" * 300 + ".pt", "liver\n.pt"], ids=["long", "newline"])
async def test_a_model_upload_with_a_name_a_file_system_cannot_hold_gets_400(jp_fetch, server_workspace, filename):
    projects.create_project(server_workspace, name="Labs", template="liver-function", user="ana")
    message = await refused_with_400(jp_fetch, "models", "labs", "versions", method="POST", body=b"PK\x03\x04",
                                     params={"project": "labs", "filename": filename})
    assert "cannot be a file name" in message
    assert list((server_workspace.root / "uploads").iterdir()) == []


async def test_a_mask_png_of_another_size_than_its_slice_gets_400_before_it_is_decoded(jp_fetch, server_workspace,
                                                                                        monkeypatch):
    from PIL import ImageFile

    def refuse_to_decode(self):
        raise AssertionError("the PNG was decoded before its size was checked")

    item = datasets.list_items(server_workspace, volume_dataset(server_workspace).id)[0][0]
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_decode)
    message = await refused_with_400(jp_fetch, "items", str(item.id), "mask", method="PUT",
                                     body=png_declaring(9_000, 9_000),
                                     params={"axis": "axial", "index": "0", "version": "0"})
    assert "the mask slice is 9000×9000 pixels, but the slice it belongs to is 16×12" in message
    assert server_workspace.db["annotations"].count == 0
