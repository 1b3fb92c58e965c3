"""Names a file system cannot hold, in an upload's ?filename= and a folder upload's paths: refused before a file is made."""

import pytest

from mass_ide.core.data import uploads
from mass_ide.core.data.files import check_file_name
from mass_ide.core.errors import InvalidInput


@pytest.mark.parametrize("name", ["labs.csv", "scan 01 (copy).nii.gz", "Überweisung-Leber.png", "x" * 251 + ".csv",
                                  "ü" * 126 + ".p"])
def test_plain_file_names_are_kept(name):
    assert check_file_name(name) == name


@pytest.mark.parametrize(("name", "words"), [
    ("", ["?filename=NAME"]),
    ("../evil.csv", ["?filename=NAME", "no folders"]),
    ("sub/labs.csv", ["?filename=NAME", "'sub/labs.csv'"]),
    ("C:\\data\\labs.csv", ["?filename=NAME"]),
    (".hidden.csv", ["?filename=NAME", "not starting with '.'"]),
    ("..", ["?filename=NAME"]),
    ("labs\0.csv", ["'labs\\x00.csv'", "contains a NUL byte", "rename the file"]),
    ("labs\n.csv", ["control character", "rename the file"]),
    ("x" * 252 + ".csv", ["name of 256 bytes", "at most 255", "(256 characters)"]),
    ("ü" * 128 + ".p", ["name of 258 bytes", "at most 255"]),
], ids=["empty", "dotdot", "folder", "backslash", "dotfile", "parent", "nul", "newline", "long", "long-utf8"])
def test_unusable_file_names_are_refused_saying_why(name, words):
    with pytest.raises(InvalidInput) as caught:
        check_file_name(name)
    for word in words:
        assert word in str(caught.value), str(caught.value)


@pytest.fixture
def upload(workspace):
    """An open folder upload: (workspace, token, its folder)."""
    token = uploads.open_folder(workspace)
    return workspace, token, uploads.folder_path(workspace, token)


def test_a_folder_upload_takes_plain_paths(upload):
    ws, token, folder = upload
    deep = "/".join(["d"] * 31) + "/IM0001.dcm"
    for relative in ("series/IM0001.dcm", "a//b.dcm", deep):
        target = uploads.file_target(ws, token, relative)
        assert target.parent.is_dir() and folder in target.parents
        target.write_bytes(b"x")
    assert uploads.file_target(ws, token, "series/IM0001.dcm").is_file()  # sending a file again replaces it


@pytest.mark.parametrize(("relative", "words"), [
    ("series/IM\0.dcm", ["'series/IM\\x00.dcm'", "contains a NUL byte"]),
    ("series\t1/IM0001.dcm", ["control character"]),
    ("series/" + "i" * 256, ["name of 256 bytes", "at most 255"]),
    ("/".join(["d"] * 32) + "/IM0001.dcm", ["33 levels deep", "at most 32"]),
    (("d" * 250 + "/") * 5 + "IM0001.dcm", ["1265 bytes long", "at most 1024"]),
], ids=["nul", "tab", "long-name", "deep", "long-path"])
def test_folder_upload_paths_a_file_system_cannot_hold_are_refused_before_a_folder_is_made(upload, relative, words):
    ws, token, folder = upload
    with pytest.raises(InvalidInput) as caught:
        uploads.file_target(ws, token, relative)
    for word in ["the uploaded path", *words, "rename"]:
        assert word in str(caught.value), str(caught.value)
    assert list(folder.iterdir()) == []


def test_a_file_and_a_folder_of_one_name_are_refused_in_either_order(upload):
    ws, token, folder = upload
    uploads.file_target(ws, token, "scan").write_bytes(b"x")
    with pytest.raises(InvalidInput, match="'scan/IM0001.dcm' needs a folder 'scan', but a file of that name"):
        uploads.file_target(ws, token, "scan/IM0001.dcm")
    uploads.file_target(ws, token, "series/a/IM0001.dcm").write_bytes(b"x")
    with pytest.raises(InvalidInput, match="'series/a' is already a folder of files sent before"):
        uploads.file_target(ws, token, "series/a")
    with pytest.raises(InvalidInput, match="needs a folder 'series/a/IM0001.dcm'"):
        uploads.file_target(ws, token, "series/a/IM0001.dcm/b.dcm")
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        "scan", "series", "series/a", "series/a/IM0001.dcm"]
