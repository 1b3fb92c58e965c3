"""Datasets, slices, labels and masks through the REST API."""

import io
import json

import numpy as np
import pytest
from annotation_fixtures import image_dataset, volume_dataset
from PIL import Image
from tornado.httpclient import HTTPClientError

from mass_ide.core.data import datasets

API = "mass-ide/api"


@pytest.fixture
def server_workspace(jp_serverapp):
    """The workspace the running server has open."""
    return jp_serverapp.web_app.settings["mass_ide_workspace"]


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def pixels(body: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(body)) as image:
        return np.asarray(image)


async def error_of(jp_fetch, status, *parts, **kwargs):
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, *parts, **kwargs)
    assert caught.value.code == status, caught.value.response.body
    return json.loads(caught.value.response.body)["message"]


async def test_browse_items_and_render_a_slice(jp_fetch, server_workspace):
    dataset = volume_dataset(server_workspace)
    listed = json.loads((await jp_fetch(API, "projects", dataset.project_id, "datasets")).body)
    assert [d["name"] for d in listed["datasets"]] == ["cases.zip"]
    project = json.loads((await jp_fetch(API, "projects", dataset.project_id)).body)
    assert [d["item_count"] for d in project["datasets"]] == [2]
    page = json.loads((await jp_fetch(API, "datasets", str(dataset.id), "items", params={"limit": "1"})).body)
    assert (page["total"], page["labelled"], len(page["items"])) == (2, 0, 1)
    assert page["items"][0]["annotation"]["version"] == 0
    item_id = str(page["items"][0]["id"])
    response = await jp_fetch(API, "items", item_id, "slice", params={"axis": "coronal", "index": "2", "window": "liver"})
    assert response.headers["Content-Type"] == "image/png" and pixels(response.body).shape == (8, 16)
    message = await error_of(jp_fetch, 400, "items", item_id, "slice", params={"axis": "axial", "index": "99"})
    assert "axial slice 99 is outside 0..7" in message
    assert "no item with id 999" in await error_of(jp_fetch, 404, "items", "999")


async def test_painted_mask_survives_a_reload_and_a_stale_save_gets_409(jp_fetch, server_workspace):
    item_id = str(datasets.list_items(server_workspace, volume_dataset(server_workspace).id)[0][0].id)
    stroke = np.zeros((12, 16), dtype=np.uint8)  # display orientation: rows x columns
    stroke[3:6, 4:9] = 1
    where = {"axis": "axial", "index": "4"}
    saved = await jp_fetch(API, "items", item_id, "mask", method="PUT", body=png(stroke), params={**where, "version": "0"})
    assert json.loads(saved.body)["version"] == 1
    reloaded = await jp_fetch(API, "items", item_id, "mask", params=where)
    assert np.array_equal(pixels(reloaded.body), stroke)
    volumes = json.loads((await jp_fetch(API, "items", item_id, "mask", "volumes")).body)
    assert volumes["classes"][0] == {"value": 1, "name": "liver", "voxels": 15, "ml": pytest.approx(15 * 0.0045)}
    message = await error_of(jp_fetch, 409, "items", item_id, "mask", method="PUT", body=png(stroke),
                             params={**where, "version": "0"})
    assert "load theirs, or keep yours" in message
    assert "not a readable PNG" in await error_of(jp_fetch, 400, "items", item_id, "mask", method="PUT",
                                                  body=b"not a png", params={**where, "version": "1"})


async def test_labels_with_conflicts_freeze_and_csv(jp_fetch, server_workspace):
    dataset = image_dataset(server_workspace)
    item_id = str(datasets.list_items(server_workspace, dataset.id)[0][0].id)
    body = json.dumps({"label": "tumour", "version": 0})
    saved = json.loads((await jp_fetch(API, "items", item_id, "annotation", method="PUT", body=body)).body)
    assert (saved["label"], saved["version"]) == ("tumour", 1) and saved["updated_by"]
    assert "version 1" in await error_of(jp_fetch, 409, "items", item_id, "annotation", method="PUT", body=body)
    bad = json.dumps({"label": "tumour"})
    assert "'version' is a required property" in await error_of(jp_fetch, 400, "items", item_id, "annotation",
                                                                  method="PUT", body=bad)
    version = await jp_fetch(API, "datasets", str(dataset.id), "versions", method="POST", body="")
    assert version.code == 201 and json.loads(version.body)["number"] == 1
    csv_text = (await jp_fetch(API, "datasets", str(dataset.id), "labels.csv")).body.decode()
    assert "img0.png,tumour," in csv_text


async def test_decathlon_export_lands_under_the_server_root(jp_fetch, server_workspace, jp_root_dir):
    dataset = volume_dataset(server_workspace)
    item_id = str(datasets.list_items(server_workspace, dataset.id)[0][0].id)
    await jp_fetch(API, "items", item_id, "mask", method="PUT", body=png(np.ones((12, 16))),
                   params={"axis": "axial", "index": "0", "version": "0"})
    exported = json.loads((await jp_fetch(API, "datasets", str(dataset.id), "exports", "msd", method="POST",
                                          body="")).body)
    assert exported["cases"] == 1 and (jp_root_dir / exported["folder"] / "dataset.json").is_file()


@pytest.mark.parametrize("path", ["../outside", "/etc", "missing-folder"])
async def test_import_paths_outside_the_root_or_missing_are_refused(jp_fetch, server_workspace, path):
    project_id = image_dataset(server_workspace).project_id
    message = await error_of(jp_fetch, 400, "projects", project_id, "datasets", method="POST",
                             body=json.dumps({"path": path}), headers={"Content-Type": "application/json"})
    assert repr(path) in message


async def test_upload_needs_a_plain_file_name(jp_fetch, server_workspace):
    project_id = image_dataset(server_workspace).project_id
    message = await error_of(jp_fetch, 400, "projects", project_id, "datasets", method="POST", body=b"a,b\n1,2\n",
                             params={"filename": "../evil.csv"})
    assert "?filename=NAME" in message
    assert list((server_workspace.root / "uploads").iterdir()) == []


async def test_upload_streams_a_csv_into_a_new_dataset(jp_fetch, server_workspace):
    from mass_ide.core import projects

    projects.create_project(server_workspace, name="Labs", template="liver-function", user="ana")
    response = await jp_fetch(API, "projects", "labs", "datasets", method="POST", body=b"bili,stage\n1.2,4\n0.7,2\n",
                              params={"filename": "labs.csv", "name": "March labs"})
    created = json.loads(response.body)
    assert response.code == 201 and response.headers["Location"].endswith(f"/datasets/{created['id']}")
    assert (created["name"], created["kind"], created["item_count"]) == ("March labs", "tabular", 2)
    assert list((server_workspace.root / "uploads").iterdir()) == []


async def test_a_bad_upload_answers_400_naming_the_file_and_leaves_nothing(jp_fetch, server_workspace):
    from mass_ide.core import projects

    project = projects.create_project(server_workspace, name="Seg", template="liver-segmentation", user="ana")
    message = await error_of(jp_fetch, 400, "projects", "seg", "datasets", method="POST", body=b"\x1f\x8bnot really",
                             params={"filename": "scan.nii.gz"})
    assert "scan.nii.gz" in message
    assert list((server_workspace.root / "uploads").iterdir()) == []
    assert [p.name for p in (project.folder / "data").iterdir()] == []
    assert server_workspace.db["datasets"].count == 0


async def test_a_dropped_folder_uploads_file_by_file_and_imports_as_one_dataset(jp_fetch, server_workspace,
                                                                                   tmp_path):
    from dicom_fixtures import write_ct_series

    from mass_ide.core import projects

    projects.create_project(server_workspace, name="Seg", template="liver-segmentation", user="ana")
    series = write_ct_series(tmp_path / "abdomen", count=5)
    opened = await jp_fetch(API, "projects", "seg", "uploads", method="POST", body=b"")
    token = json.loads(opened.body)["id"]
    assert opened.code == 201
    for path in sorted((tmp_path / "abdomen").iterdir()):
        sent = await jp_fetch(API, "projects", "seg", "uploads", token, "files", method="POST",
                              body=path.read_bytes(), params={"path": f"abdomen/{path.name}"})
        assert sent.code == 204
    for bad in ("../escape.dcm", "/etc/passwd", "abdomen/.hidden", "a\\b.dcm", ""):
        message = await error_of(jp_fetch, 400, "projects", "seg", "uploads", token, "files", method="POST",
                                 body=b"x", params={"path": bad})
        assert "not a plain relative path" in message
    response = await jp_fetch(API, "projects", "seg", "uploads", token, method="POST", body=json.dumps({}))
    created = json.loads(response.body)
    assert response.code == 201 and response.headers["Location"].endswith(f"/datasets/{created['id']}")
    assert (created["kind"], created["item_count"], created["name"]) == ("volume", 1, "abdomen")
    [item] = datasets.all_items(server_workspace, created["id"])
    assert item.meta["shape"][2] == len(series.files) == 5  # one volume of the five slices
    assert list((server_workspace.root / "uploads").iterdir()) == []  # the upload folder went with the import
    assert "no upload folder" in await error_of(jp_fetch, 404, "projects", "seg", "uploads", token, method="POST",
                                                body=json.dumps({}))


async def test_a_folder_upload_can_be_discarded_and_an_empty_one_is_refused(jp_fetch, server_workspace):
    from mass_ide.core import projects

    projects.create_project(server_workspace, name="Seg", template="liver-segmentation", user="ana")
    token = json.loads((await jp_fetch(API, "projects", "seg", "uploads", method="POST", body=b"")).body)["id"]
    message = await error_of(jp_fetch, 400, "projects", "seg", "uploads", token, method="POST", body=json.dumps({}))
    assert "upload folder is empty" in message
    token = json.loads((await jp_fetch(API, "projects", "seg", "uploads", method="POST", body=b"")).body)["id"]
    await jp_fetch(API, "projects", "seg", "uploads", token, "files", method="POST", body=b"a,b\n1,2\n",
                   params={"path": "table.csv"})
    assert (await jp_fetch(API, "projects", "seg", "uploads", token, method="DELETE")).code == 204
    assert list((server_workspace.root / "uploads").iterdir()) == []
    await error_of(jp_fetch, 404, "projects", "seg", "uploads", token, method="DELETE")
    await error_of(jp_fetch, 404, "projects", "nope", "uploads", method="POST", body=b"")


async def test_import_a_folder_under_the_server_root(jp_fetch, server_workspace, jp_root_dir):
    from mass_ide.core import projects

    projects.create_project(server_workspace, name="Img", template="cancer-prediction", user="ana")
    for label in ("tumour", "no_tumour"):
        (jp_root_dir / "incoming" / label).mkdir(parents=True)
        Image.new("L", (8, 8), 10).save(jp_root_dir / "incoming" / label / "a.png")
    response = await jp_fetch(API, "projects", "img", "datasets", method="POST",
                              body=json.dumps({"path": "incoming"}), headers={"Content-Type": "application/json"})
    assert json.loads(response.body)["item_count"] == 2
    assert (jp_root_dir / "incoming" / "tumour" / "a.png").is_file()  # the source is left alone


def zipped(folder, name: str) -> bytes:
    """The files under ``folder`` as a zip, each under ``name/``."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{name}/{path.relative_to(folder)}")
    return buffer.getvalue()


def assert_no_marker(*texts: str) -> None:
    from dicom_fixtures import MARKER_WORDS

    for text in texts:
        assert not any(word.lower() in text.lower() for word in MARKER_WORDS), text[:300]


async def test_dicom_options_chosen_per_import_by_body_query_and_folder_body(jp_fetch, server_workspace, jp_root_dir,
                                                                            tmp_path):
    from dicom_fixtures import MARKED_FREE_TEXT, write_ct_series

    from mass_ide.core import projects
    from mass_ide.core.data.deidentify import CLEAN_DESCRIPTORS, MODIFIED_DATES

    projects.create_project(server_workspace, name="Seg", template="liver-segmentation", user="ana")
    write_ct_series(jp_root_dir / "incoming" / "ct", count=2, description=MARKED_FREE_TEXT["SeriesDescription"],
                    extra=MARKED_FREE_TEXT)
    options = {"clean_descriptors": True, "dates": "shift"}
    by_path = await jp_fetch(API, "projects", "seg", "datasets", method="POST",
                             body=json.dumps({"path": "incoming", "deidentification": options}),
                             headers={"Content-Type": "application/json"})
    by_upload = await jp_fetch(API, "projects", "seg", "datasets", method="POST",
                               body=zipped(jp_root_dir / "incoming", "upload"),
                               params={"filename": "ct.zip", "clean_descriptors": "1", "dates": "shift"})
    token = json.loads((await jp_fetch(API, "projects", "seg", "uploads", method="POST", body=b"")).body)["id"]
    for path in sorted((jp_root_dir / "incoming" / "ct").iterdir()):
        await jp_fetch(API, "projects", "seg", "uploads", token, "files", method="POST", body=path.read_bytes(),
                       params={"path": f"ct/{path.name}"})
    by_folder = await jp_fetch(API, "projects", "seg", "uploads", token, method="POST",
                               body=json.dumps({"deidentification": {"dates": "shift"}}))
    plain = await jp_fetch(API, "projects", "seg", "datasets", method="POST", body=json.dumps({"path": "incoming"}),
                           headers={"Content-Type": "application/json"})
    reports = [json.loads(response.body)["report"]["deidentification"]
               for response in (by_path, by_upload, by_folder, plain)]
    assert [report["options"] for report in reports] == [options, options, {"clean_descriptors": False,
                                                                            "dates": "shift"},
                                                         {"clean_descriptors": False, "dates": "remove"}]
    assert [report["profile_options"] for report in reports] == [[CLEAN_DESCRIPTORS, MODIFIED_DATES]] * 2 + [
        [MODIFIED_DATES], []]
    created = [json.loads(response.body)["id"] for response in (by_path, by_upload, by_folder, plain)]
    summaries = [datasets.all_items(server_workspace, dataset_id)[0].meta["dicom"] for dataset_id in created]
    assert [summary.get("series_description") for summary in summaries] == ["ABDOMEN VENOUS"] * 2 + [None, None]
    assert summaries[0]["study_date"] == summaries[2]["study_date"] != "20240229"  # one shift per patient
    assert "study_date" not in summaries[3]
    item = json.loads((await jp_fetch(API, "datasets", str(created[0]), "items")).body)
    assert_no_marker(*(response.body.decode() for response in (by_path, by_upload, by_folder, plain)),
                     json.dumps(item), "\n".join(server_workspace.db.conn.iterdump()))


@pytest.mark.parametrize(("where", "given", "words"), [
    ("body", {"dates": "keep"}, ["deidentification/dates", "'keep' is not one of ['remove', 'shift']"]),
    ("body", {"clean": True}, ["deidentification", "'clean' was unexpected"]),
    ("query", {"dates": "keep"}, ["dates must be one of remove, shift", "'keep'"]),
    ("query", {"clean_descriptors": "maybe"}, ["clean_descriptors must be true or false", "'maybe'"]),
    ("folder", {"dates": "later"}, ["'later' is not one of ['remove', 'shift']"]),
])
async def test_unknown_deidentification_options_get_400_naming_the_choices(jp_fetch, server_workspace, jp_root_dir,
                                                                          where, given, words):
    from mass_ide.core import projects

    projects.create_project(server_workspace, name="Labs", template="liver-function", user="ana")
    (jp_root_dir / "labs.csv").write_text("bili,stage\n1.2,4\n")
    if where == "body":
        message = await error_of(jp_fetch, 400, "projects", "labs", "datasets", method="POST",
                                 body=json.dumps({"path": "labs.csv", "deidentification": given}),
                                 headers={"Content-Type": "application/json"})
    elif where == "query":
        message = await error_of(jp_fetch, 400, "projects", "labs", "datasets", method="POST", body=b"a,b\n1,2\n",
                                 params={"filename": "labs.csv", **given})
    else:
        token = json.loads((await jp_fetch(API, "projects", "labs", "uploads", method="POST", body=b"")).body)["id"]
        message = await error_of(jp_fetch, 400, "projects", "labs", "uploads", token, method="POST",
                                 body=json.dumps({"deidentification": given}))
    assert all(word in message for word in words), message
    assert server_workspace.db["datasets"].count == 0
    left = [path.name for path in (server_workspace.root / "uploads").iterdir()]
    assert left == ([f"folder-{token}"] if where == "folder" else [])  # a folder upload stays, to import with right options


async def test_a_refused_dicom_upload_never_quotes_the_header(jp_fetch, server_workspace, tmp_path):
    from dicom_fixtures import MARKED, write_ct_series

    from mass_ide.core import projects

    projects.create_project(server_workspace, name="Seg", template="liver-segmentation", user="ana")
    write_ct_series(tmp_path / "mixed", count=2, number=2, description=MARKED["SeriesDescription"], prefix="A",
                    extra=MARKED)
    write_ct_series(tmp_path / "mixed", count=2, number=5, description="VENOUS Quimby", prefix="B", seed=3)
    message = await error_of(jp_fetch, 400, "projects", "seg", "datasets", method="POST",
                             body=zipped(tmp_path / "mixed", "mixed"),
                             params={"filename": "mixed.zip", "clean_descriptors": "1"})
    assert "mixes 2 DICOM series" in message and "series 2 (CT)" in message
    assert_no_marker(message)
    assert server_workspace.db["datasets"].count == 0
