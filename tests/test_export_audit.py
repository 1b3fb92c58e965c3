"""Exporting a model version is audited the same way from the Models panel's route, a notebook and the command
line: one core function (`serving.export.export_version`) writes the formats and the audit entry."""

from mass_ide import cli
from mass_ide.core import audit
from mass_ide.core.serving.export import export_version


def exports_of(ws, model: str) -> list[dict]:
    """The audit entries of the exports of ``model``, newest first."""
    return [event for event in audit.events(ws.db, target=f"model:{model}") if event["action"] == "model.export"]


def test_export_from_a_notebook_and_from_the_command_line_is_audited(trained_labs, tmp_path, capsys):
    ws, _, version = trained_labs.copy(tmp_path / "ws")
    try:
        report = export_version(ws, version, user="ana")
        assert (report["model"], report["version"]) == (version["model"], version["number"])
        assert report["bundle"] == version["folder"].relative_to(ws.root).as_posix()
        assert report["torchscript"]["passed"] and report["onnx"]["passed"]
        [entry] = exports_of(ws, version["model"])
        assert entry["user"] == "ana" and entry["detail"]["version"] == version["number"]
        assert entry["detail"]["onnx"]["passed"] is True

        assert cli.main(["export", "--workspace", str(ws.root), f"{version['model']}:{version['number']}"]) == 0
        assert capsys.readouterr().out.count("parity passed") == 2
        newest, _ = exports_of(ws, version["model"])
        assert newest["user"] == audit.local_user(ws.db) and newest["detail"]["torchscript"]["passed"] is True
    finally:
        ws.close()
