"""Layering rules: the core needs no Jupyter, and loading the extension imports no torch/MONAI."""

import json
import socket
import subprocess
import sys
import textwrap


def run_python(code: str, cwd) -> dict:
    """Run ``code`` in a fresh interpreter and return the JSON it prints last."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_core_imports_and_works_with_jupyter_server_and_tornado_blocked(tmp_path):
    found = run_python(
        """
        import json, sys
        for blocked in ("jupyter_server", "tornado", "torch", "monai"):
            sys.modules[blocked] = None  # any import of these now raises ImportError
        import mass_ide.core
        from mass_ide.core import projects
        from mass_ide.core.workspace import Workspace
        ws = Workspace.open("ws")
        project = projects.create_project(ws, name="No Jupyter", template="liver-function", user="cli")
        print(json.dumps({"id": project.id}))
        """,
        cwd=tmp_path,
    )
    assert found == {"id": "no-jupyter"}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_loading_the_server_extension_imports_no_heavy_library(tmp_path):
    loaded = run_python(
        f"""
        import json, sys
        from jupyter_server.serverapp import ServerApp
        app = ServerApp()
        app.initialize(argv=[
            "--port={free_port()}", "--ServerApp.open_browser=False", "--ServerApp.root_dir=.",
            "--ServerApp.jpserver_extensions=mass_ide=True",
        ])
        print(json.dumps({{
            "loaded": "mass_ide_workspace" in app.web_app.settings,
            "heavy": sorted(m for m in ("torch", "monai", "nibabel", "pydicom", "optuna") if m in sys.modules),
        }}))
        """,
        cwd=tmp_path,
    )
    assert loaded == {"loaded": True, "heavy": []}
    assert (tmp_path / "mass-workspace" / "mass.db").is_file()


STAGES = ("data", "training", "registry", "runs", "serving", "annotation", "samples")  # each imports only earlier ones


def core_imports() -> list[tuple[str, str, str]]:
    """(importing module, imported mass_ide module, where) for every import in mass_ide/core, in functions too."""
    import ast
    from pathlib import Path

    import mass_ide.core

    root = Path(mass_ide.core.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        module = ".".join(("mass_ide", *path.relative_to(root.parent).with_suffix("").parts)).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                     else [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            found += [(module, name, f"{path.name}:{node.lineno}") for name in names if name.startswith("mass_ide")]
    return found


def stage_of(module: str) -> str | None:
    """The stage package a core module belongs to (None for what every stage uses)."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[2] in STAGES else None


def test_each_stage_imports_only_the_stages_before_it_and_the_core_nothing_outside():
    upward, outside = [], []
    for module, imported, where in core_imports():
        if imported == "mass_ide":  # the package version
            continue
        if not imported.startswith("mass_ide.core"):
            outside.append(f"{where} imports {imported}")
            continue
        mine, theirs = stage_of(module), stage_of(imported)
        if theirs is not None and (mine is None or STAGES.index(theirs) > STAGES.index(mine)):
            upward.append(f"{where} ({mine or 'core'}) imports {imported} ({theirs})")
    assert not outside, outside
    assert not upward, upward
