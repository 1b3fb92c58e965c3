"""A small model file whose metadata asks for a huge network is refused before anything is built."""

import io
import json
import subprocess
import sys

import pytest
import torch
from tornado.httpclient import HTTPClientError

from mass_ide.core import projects
from mass_ide.core.errors import InvalidInput
from mass_ide.core.registry.model_file import (
    MAX_LAYER_LIST,
    MODEL_FORMAT,
    network_bytes,
    read_model_file,
)

HUGE_HIDDEN = [20_000, 20_000]  # an MLP of 1.5 GiB of weights, described in a file of a few hundred bytes
MEASURE = """
import resource, sys
from mass_ide.core.errors import InvalidInput
from mass_ide.core.registry.model_file import read_model_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_model_file(sys.argv[1])
except InvalidInput as error:
    print(error)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
"""


def model_file_bytes(hidden: list[int]) -> bytes:
    """A weights-only model file of a table model with a tiny tensor whose metadata asks for ``hidden`` widths."""
    state = {"format": MODEL_FORMAT, "model": {"0.weight": torch.zeros(2, 2)},
             "meta": {"task": "tabular-classification", "classes": ["a", "b"],
                      "config": {"model": {"hidden": hidden}},
                      "preprocessing": {"features": ["bili", "albumin"], "indicators": []}}}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def test_the_size_is_counted_from_the_metadata_and_a_huge_network_is_refused_without_memory(tmp_path):
    meta = {"task": "tabular-classification", "classes": ["a", "b"], "config": {"model": {"hidden": HUGE_HIDDEN}},
            "preprocessing": {"features": ["bili", "albumin"], "indicators": []}}
    assert network_bytes(meta) == 4 * (2 * 20_000 + 20_000 + 20_000 * 20_000 + 20_000 + 20_000 * 2 + 2)
    path = tmp_path / "huge.pt"
    path.write_bytes(model_file_bytes(HUGE_HIDDEN))
    measured = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True)
    message, grown = measured.stdout.strip().splitlines()
    assert message.startswith("huge.pt: its metadata asks for a network of 1.5 GiB, over the limit of 512.0 MiB")
    assert int(grown) < 256 * 1024**2  # the peak memory of the process did not take the network's 1.5 GiB
    path.write_bytes(model_file_bytes([8] * (MAX_LAYER_LIST + 1)))  # many small layers: refused before building
    with pytest.raises(InvalidInput, match=f"of {MAX_LAYER_LIST + 1} layers; a Mass IDE model has at most"):
        read_model_file(path)


async def test_the_import_route_answers_400_naming_the_file_and_the_limit(jp_fetch, jp_serverapp):
    workspace = jp_serverapp.web_app.settings["mass_ide_workspace"]
    projects.create_project(workspace, name="Labs", template="liver-function", user="ana")
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("mass-ide/api", "models", "huge", "versions", method="POST", body=model_file_bytes(HUGE_HIDDEN),
                       params={"project": "labs", "filename": "huge.pt"})
    message = json.loads(refused.value.response.body)["message"]
    assert refused.value.code == 400 and "huge.pt" in message and "over the limit of 512.0 MiB" in message
    assert workspace.db.execute("SELECT count(*) FROM models WHERE name = 'huge'").fetchone()[0] == 0
