"""The server starts Mass IDE's DICOM node from its settings, and GET pacs/node reports it."""

import asyncio
import json
import subprocess
import time

import pytest
from dicom_fixtures import write_ct_series
from pacs_fixtures import free_port

API = "mass-ide/api"
PORT = free_port()


@pytest.fixture
def jp_server_config():
    """Mass IDE listening as a DICOM node for the Liver project's inbox, accepting the AE title SCANNER."""
    return {"ServerApp": {"jpserver_extensions": {"mass_ide": True}},
            "MassIDEApp": {"dicom_node_port": PORT, "dicom_node_ae_title": "MASSTEST",
                           "dicom_node_allowed_callers": ["SCANNER"], "dicom_node_project": "liver",
                           "dicom_node_settle_seconds": 1.0}}


async def node_status(jp_fetch) -> dict:
    return json.loads((await jp_fetch(API, "pacs", "node")).body)


async def test_the_node_listens_from_the_settings_and_reports_what_it_imported(jp_fetch, tmp_path):
    await jp_fetch(API, "projects", method="POST", body=json.dumps({"name": "Liver",
                                                                    "template": "liver-segmentation"}))
    shown = await node_status(jp_fetch)
    assert shown["enabled"] and shown["listening"] and shown["message"] is None, shown
    assert (shown["ae_title"], shown["port"], shown["allowed_callers"], shown["project"]) == (
        "MASSTEST", PORT, ["SCANNER"], "liver")
    series = write_ct_series(tmp_path / "ct", count=4, shape=(32, 32), seed=21)
    sent = await asyncio.to_thread(subprocess.run, ["storescu", "-aet", "SCANNER", "-aec", "MASSTEST", "127.0.0.1",
                                                    str(PORT), *map(str, series.files)], capture_output=True,
                                   text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr
    deadline = time.monotonic() + 60
    while (shown := await node_status(jp_fetch))["series"][:1] == [] or shown["series"][0]["state"] in (
            "receiving", "importing"):
        assert time.monotonic() < deadline, shown
        await asyncio.sleep(0.1)
    [received] = shown["series"]
    assert received["state"] == "imported" and received["instances"] == 4, received
    assert received["callers"] == ["SCANNER"]
    assert series.uid not in json.dumps(shown)
    dataset = json.loads((await jp_fetch(API, "datasets", str(received["dataset_id"]))).body)
    assert dataset["name"] == "PACS inbox" and dataset["item_count"] == 1
