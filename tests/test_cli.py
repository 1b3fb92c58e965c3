"""The mass-ide command line, and that the README documents every command."""

import argparse
import json
from pathlib import Path

import pytest

from mass_ide import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def run(capsys, *argv):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_projects_create_list_delete_restore(tmp_path, capsys):
    ws = ["projects", "--workspace", str(tmp_path / "ws")]
    code, out, _ = run(capsys, *ws, "list")
    assert code == 0 and "No projects yet" in out
    code, out, _ = run(capsys, *ws, "create", "Liver study", "--template", "liver-function")
    assert code == 0 and "(id liver-study)" in out
    code, out, _ = run(capsys, *ws, "list", "--json")
    assert [p["name"] for p in json.loads(out)] == ["Liver study"]
    code, out, _ = run(capsys, *ws, "delete", "liver-study")
    assert code == 0 and "mass-ide projects restore liver-study" in out
    code, out, _ = run(capsys, *ws, "restore", "liver-study")
    assert code == 0 and "Restored 'Liver study'" in out


def test_user_errors_print_a_message_and_exit_1(tmp_path, capsys):
    ws = ["projects", "--workspace", str(tmp_path / "ws")]
    code, _, err = run(capsys, *ws, "create", "X", "--template", "nope")
    assert code == 1 and "unknown template 'nope'" in err
    code, _, err = run(capsys, *ws, "delete", "ghost")
    assert code == 1 and "no project with id 'ghost'" in err


def test_templates_command(capsys):
    code, out, _ = run(capsys, "templates", "--json")
    assert [t["name"] for t in json.loads(out)] == ["liver-function", "liver-segmentation", "cancer-prediction"]


def test_lab_seeds_the_demo_and_execs_jupyterlab(tmp_path, capsys, monkeypatch):
    launched = {}
    monkeypatch.setattr(cli.os, "execv", lambda exe, argv: launched.update(argv=argv))
    monkeypatch.chdir(tmp_path)
    cli.main(["lab", "--root", "demo", "--demo", "--port", "9999", "--no-browser"])
    workspace = tmp_path / "demo" / "mass-workspace"
    assert len(list((workspace / "projects").iterdir())) == 3
    assert launched["argv"][1:3] == ["-m", "jupyterlab"]
    assert f"--MassIDEApp.workspace_dir={workspace}" in launched["argv"]
    assert launched["argv"][-2:] == ["--ServerApp.port=9999", "--no-browser"]


def command_lines(parser: argparse.ArgumentParser, prefix: str = "mass-ide") -> list[str]:
    """Every leaf command of the parser, e.g. 'mass-ide projects create'."""
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        return [prefix]
    return [line for name, sub in actions[0].choices.items() for line in command_lines(sub, f"{prefix} {name}")]


@pytest.mark.parametrize("command", command_lines(cli.build_parser()))
def test_readme_documents_every_command(command):
    assert command in README.read_text(encoding="utf-8")


def test_train_and_tune_from_the_command_line(tmp_path, capsys):
    ws = ["--workspace", str(tmp_path / "ws")]
    run(capsys, "projects", *ws, "create", "Labs", "--template", "liver-function")
    code, out, _ = run(capsys, "projects", *ws, "samples", "labs")
    assert code == 0 and "418 tabular item(s) (dataset 1)" in out
    code, out, _ = run(capsys, "train", *ws, "labs", "--dataset", "1", "--preset", "quick")
    assert code == 0 and "Run 1 completed after 20 epoch(s), best val/auc" in out  # quick: 20 epochs for a table
    code, out, _ = run(capsys, "tune", *ws, "labs", "--dataset", "1", "--trials", "2", "--set", "epochs=1")
    assert code == 0 and "Run 3 completed" in out and "Best: run" in out
    code, _, err = run(capsys, "train", *ws, "labs", "--dataset", "1", "--set", "epochs")
    assert code == 1 and "--set takes KEY=VALUE" in err


def test_a_foreground_tune_stopped_from_elsewhere_ends_and_studies_lists_it(tmp_path, capsys):
    import threading
    import time

    from mass_ide.core import runs
    from mass_ide.core.workspace import Workspace

    ws = ["--workspace", str(tmp_path / "ws")]
    run(capsys, "projects", *ws, "create", "Labs", "--template", "liver-function")
    run(capsys, "projects", *ws, "samples", "labs")
    code, out, _ = run(capsys, "studies", *ws, "list", "labs")
    assert code == 0 and "No studies yet" in out
    ended = []
    tuner = threading.Thread(target=lambda: ended.append(cli.main(
        ["tune", *ws, "labs", "--dataset", "1", "--trials", "3", "--set", "epochs=200"])))
    tuner.start()
    try:
        workspace = Workspace.open(tmp_path / "ws")
        deadline = time.monotonic() + 600  # a last resort: the loop ends when the first trial has trained an epoch
        while workspace.db["runs"].count == 0 or runs.get_run(workspace, 1)["epochs_done"] < 1:
            assert time.monotonic() < deadline, "the first trial never trained"
            time.sleep(0.05)
        code, out, _ = run(capsys, "studies", *ws, "stop", "1")
    finally:
        tuner.join(600)
    assert code == 0 and "Stopped study 1; cancelled run(s): 1" in out
    assert ended == [1] and not tuner.is_alive()  # no trial completed, so no best configuration: exit 1
    assert [r["status"] for r in runs.list_runs(workspace, "labs")] == ["cancelled"]  # and no trial after it
    code, _, err = run(capsys, "tune", *ws, "--stop", "1")
    assert code == 1 and "study 1 is already stopped; only a running study can be stopped" in err
    code, _, err = run(capsys, "studies", *ws, "stop", "9")
    assert code == 1 and "no tuning study with id 9" in err
    code, out, _ = run(capsys, "studies", *ws, "list", "labs")
    assert code == 0 and out.startswith("Study 1  stopped    1 of 3 trial(s) ended  val/auc  no best run yet")
    code, _, err = run(capsys, "tune", *ws)
    assert code == 1 and "give PROJECT_ID and --dataset to start a study, or --stop STUDY_ID" in err
    workspace.close()
