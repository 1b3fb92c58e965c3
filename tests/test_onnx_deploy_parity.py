"""An ONNX deployment serves only an export that passed its parity check against PyTorch, unless overridden:
a version never exported is exported and checked by its worker, which refuses a failed export, and an export
report from before verdicts existed is checked again."""

import json

import pytest

from mass_ide import serve
from mass_ide.core import audit
from mass_ide.core.registry import bundle
from mass_ide.core.serving import deployments, export
from mass_ide.core.serving.evaluate import WorkerClient
from mass_ide.core.serving.predictor import Predictor
from mass_ide.core.serving.runtime import load_predictor
from tests.test_serving import labs, rows_of, wait_until  # noqa: F401

REFUSAL = ("the ONNX export failed its parity check against PyTorch: max abs difference {} (tolerance -1); "
           "deploy on the torch runtime, export again, or deploy with override_parity to serve it anyway")


@pytest.fixture
def never_exported(labs):  # noqa: F811
    """(workspace, table, version) of the module's tabular model with its exports and export report removed."""
    *_, version = labs
    for name in (bundle.TORCHSCRIPT_FILE, bundle.ONNX_FILE, bundle.REPORT_FILE):
        (version["folder"] / name).unlink(missing_ok=True)
    return labs


@pytest.fixture
def supervisor(labs):  # noqa: F811
    """A deployment supervisor (what the IDE server runs) whose workers are stopped at the end."""
    found = deployments.DeploymentSupervisor(labs[0])
    yield found
    found.stop_all()


def settled(supervisor, deployment_id: int) -> dict:
    """Tick until the deployment is no longer starting; the deployment as the REST API shows it."""
    def done() -> dict | None:
        supervisor.tick()
        found = deployments.public_deployment(supervisor.ws, deployment_id)
        return found if found["status"] != "starting" else None

    return wait_until(done, timeout=300)


def impossible_tolerance(monkeypatch) -> None:
    """An ONNX tolerance no export meets (a negative largest difference): the real check gives a failed verdict."""
    monkeypatch.setitem(export.TOLERANCES, "onnx", {**export.TOLERANCES["onnx"], "max_abs_diff": -1.0})


def worker_args(version: dict, *extra: str):
    """The worker's arguments for an ONNX deployment of ``version``."""
    return serve.parser().parse_args(["--model-file", str(version["model_file"]), "--runtime", "onnx",
                                      "--onnx-file", str(version["folder"] / bundle.ONNX_FILE), *extra])


def like_pytorch(answers: list[dict], version: dict, records: list[dict]) -> None:
    """``answers`` are eager PyTorch's predictions of ``records`` (probabilities within 1e-4)."""
    for served, eager in zip(answers, Predictor.load(version["model_file"]).predict(records), strict=True):
        assert served["class"] == eager["class"]
        assert served["probabilities"] == pytest.approx(eager["probabilities"], abs=1e-4)


def served_like_pytorch(ws, table, version, deployment_id: int) -> None:
    """The running deployment answers records as eager PyTorch does."""
    live = deployments.get_deployment(ws, deployment_id)
    records = rows_of(ws, table, 3)
    like_pytorch(WorkerClient(port=live["port"], secret=live["secret"]).predict_records(records), version, records)


def test_a_version_never_exported_is_exported_checked_and_served_by_its_onnx_worker(never_exported, supervisor):
    ws, table, version = never_exported
    made = deployments.deploy(ws, version["model"], version["number"], user="ana", runtime="onnx")
    assert "--override-parity" not in deployments.worker_command(made, port=1, folder=ws.root)
    found = settled(supervisor, made["id"])
    assert found["status"] == "running", found["error"]
    report = bundle.read_report(version["folder"])  # the worker's export, with its verdict
    assert report["onnx"]["passed"] is True and (version["folder"] / bundle.ONNX_FILE).is_file()
    served_like_pytorch(ws, table, version, made["id"])
    deployments.undeploy(ws, made["id"], user="ana")


def test_the_worker_exports_on_start_and_refuses_a_failed_export_unless_overridden(never_exported, monkeypatch):
    *_, version = never_exported
    impossible_tolerance(monkeypatch)  # in this process: the worker's own start, in-process
    with pytest.raises(SystemExit) as refused:
        serve.build_service(worker_args(version))
    report = bundle.read_report(version["folder"])  # exported on start: the real check failed
    assert report["onnx"]["passed"] is False and report["onnx"]["tolerance"]["max_abs_diff"] == -1
    worst = f"{report['onnx']['max_abs_diff']:.3g}"
    assert str(refused.value) == REFUSAL.format(worst) + " (mass-ide serve: --override-parity)"
    service = serve.build_service(worker_args(version, "--override-parity"))
    assert service.info()["runtime"] == "onnx"
    service.close()


def test_a_failed_export_fails_the_deployment_with_why_and_an_override_serves_it(never_exported, supervisor,
                                                                                  monkeypatch):
    ws, table, version = never_exported
    name, number = version["model"], version["number"]
    made = deployments.deploy(ws, name, number, user="ana", runtime="onnx")  # never exported: let through
    with monkeypatch.context() as patch:  # ...and exported with a failed verdict before its worker starts
        impossible_tolerance(patch)
        report = export.export_bundle(version["folder"])
    assert report["onnx"]["passed"] is False
    sentence = REFUSAL.format(f"{report['onnx']['max_abs_diff']:.3g}")
    found = settled(supervisor, made["id"])
    assert found["status"] == "failed" and found["error"].startswith("the worker exited with code 1\n")
    assert sentence in found["error"]
    assert sentence in deployments.log_tail(ws, made["id"])

    overridden = deployments.deploy(ws, name, number, user="ana", runtime="onnx", override_parity=True)
    row = ws.db["deployments"].get(overridden["id"])
    assert row["override_parity"] == sentence.split(";")[0]  # the failed verdict the user agreed to serve
    assert deployments.worker_command(overridden, port=1, folder=ws.root)[-1] == "--override-parity"
    [event] = audit.events(ws.db, target=f"deployment:{overridden['id']}")
    assert event["detail"]["override_parity"] == row["override_parity"]
    found = settled(supervisor, overridden["id"])
    assert found["status"] == "running", found["error"]
    assert "serving anyway, as overridden: the ONNX export failed" in deployments.log_tail(ws, overridden["id"])
    served_like_pytorch(ws, table, version, overridden["id"])
    deployments.undeploy(ws, overridden["id"], user="ana")


def test_overriding_before_any_export_is_recorded_and_torch_needs_no_override(never_exported):
    ws, _, version = never_exported
    name, number = version["model"], version["number"]
    made = deployments.deploy(ws, name, number, user="ana", runtime="onnx", override_parity=True)
    assert ws.db["deployments"].get(made["id"])["override_parity"] == deployments.UNCHECKED_OVERRIDE
    assert "--override-parity" in deployments.worker_command(made, port=1, folder=ws.root)
    plain = deployments.deploy(ws, name, number, user="ana", override_parity=True)  # PyTorch: nothing overridden
    assert ws.db["deployments"].get(plain["id"])["override_parity"] is None
    assert "override_parity" not in audit.events(ws.db, target=f"deployment:{plain['id']}")[0]["detail"]
    for found in (made, plain):
        deployments.undeploy(ws, found["id"], user="ana")


def test_an_export_report_without_a_verdict_is_exported_and_checked_again(never_exported):
    ws, table, version = never_exported
    report = export.export_bundle(version["folder"])
    old = {**report, "onnx": {k: v for k, v in report["onnx"].items() if k not in ("passed", "tolerance")}}
    (version["folder"] / bundle.REPORT_FILE).write_text(json.dumps(old), encoding="utf-8")  # before verdicts
    (version["folder"] / bundle.ONNX_FILE).write_bytes(b"not the graph this report checked")
    assert export.parity_failure(old, "onnx") is None and not export.has_verdict(old, "onnx")
    predictor = load_predictor(version["model_file"], runtime="onnx", onnx_file=version["folder"] / bundle.ONNX_FILE)
    assert bundle.read_report(version["folder"])["onnx"]["passed"] is True
    like_pytorch(predictor.predict(rows_of(ws, table, 2)), version, rows_of(ws, table, 2))
