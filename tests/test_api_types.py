"""The frontend's API types (labextension/src/apiTypes.ts) are generated from the OpenAPI document."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LABEXTENSION = ROOT / "labextension"
COMMITTED = LABEXTENSION / "src" / "apiTypes.ts"
GENERATOR = LABEXTENSION / "scripts" / "apiTypes.mjs"
OPENAPI_TYPESCRIPT = LABEXTENSION / "node_modules" / ".bin" / "openapi-typescript"


def test_generated_api_types_are_current(tmp_path):
    """Regenerating the types from `python -m mass_ide.server.openapi` gives the committed file."""
    if not OPENAPI_TYPESCRIPT.exists():
        pytest.skip(f"{OPENAPI_TYPESCRIPT.relative_to(ROOT)} is missing: run `jlpm install` in labextension/")
    node = shutil.which("node")
    assert node, "Node.js is needed to generate the API types (openapi-typescript)"
    fresh = tmp_path / "apiTypes.ts"
    env = {**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([node, str(GENERATOR), str(fresh)], cwd=LABEXTENSION, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"generating the API types failed:\n{done.stderr}"
    assert fresh.read_text() == COMMITTED.read_text(), (
        "labextension/src/apiTypes.ts is stale (mass_ide/server/schemas.py or the route table changed): "
        "run `jlpm build:api` in labextension/ and commit the result"
    )


def test_generated_types_are_in_the_repository():
    """The types are committed, with a header that says how to regenerate them."""
    header = COMMITTED.read_text().splitlines()[:3]
    assert any("jlpm build:api" in line for line in header)
