"""The ``mass-ide`` command line, over the same core as the panels and notebooks."""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from mass_ide.core import audit, projects, registry, runs
from mass_ide.core.audit import now_iso
from mass_ide.core.data.datasets import import_dataset
from mass_ide.core.errors import InvalidInput, MassError
from mass_ide.core.runs import presets, registering, tuning, worker
from mass_ide.core.runs.scheduler import worker_command
from mass_ide.core.samples.demo import seed_demo
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.serving.inputs import REQUEST_MAX_BYTES
from mass_ide.core.templates import list_templates
from mass_ide.core.workspace import Workspace

DEFAULT_WORKSPACE = "mass-workspace"


def _workspace(args: argparse.Namespace) -> Workspace:
    """The workspace named by ``--workspace`` (opened once per command)."""
    if getattr(args, "opened_workspace", None) is None:
        args.opened_workspace = Workspace.open(args.workspace)
    return args.opened_workspace


def _user(args: argparse.Namespace) -> str:
    """Who runs the command, named as the IDE names them (:func:`mass_ide.core.audit.local_user`)."""
    return audit.local_user(_workspace(args).db)


def cmd_lab(args: argparse.Namespace, extra: list[str]) -> int:
    """Start JupyterLab with Mass IDE in ``--root`` (seeding demo projects with ``--demo``)."""
    root = Path(args.root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    workspace_dir = Path(args.workspace)
    if not workspace_dir.is_absolute():
        workspace_dir = root / workspace_dir
    if args.demo:
        workspace = Workspace.open(workspace_dir)
        created = seed_demo(workspace, user=audit.local_user(workspace.db))
        workspace.close()
        print(f"Demo workspace {workspace_dir}: {len(created)} new project(s)")
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={root}",
        f"--MassIDEApp.workspace_dir={workspace_dir}",
        f"--ServerApp.port={args.port}",
        *extra,
    ]
    if os.geteuid() == 0:  # containers and CI machines run as root; Jupyter refuses that unless told
        command.insert(3, "--ServerApp.allow_root=True")
    os.chdir(root)
    os.execv(sys.executable, command)
    return 0  # not reached


def cmd_templates(args: argparse.Namespace) -> int:
    """Print the project templates."""
    templates = [template.to_json() for template in list_templates()]
    if args.json:
        print(json.dumps(templates, indent=2))
    else:
        for template in templates:
            print(f"{template['name']:<20} {template['title']}")
    return 0


def _project_line(project: projects.Project) -> str:
    """One project as a line of text."""
    return f"{project.id:<28} {project.name:<32} {project.template:<20} {project.created_at}"


def cmd_projects_list(args: argparse.Namespace) -> int:
    """Print live projects, newest first."""
    found = projects.list_projects(_workspace(args))
    if args.json:
        print(json.dumps([{**vars(p), "folder": str(p.folder), "notebook": str(p.notebook)} for p in found], indent=2))
    elif not found:
        print("No projects yet. Create one with: mass-ide projects create NAME --template TEMPLATE")
    else:
        for project in found:
            print(_project_line(project))
    return 0


def cmd_projects_create(args: argparse.Namespace) -> int:
    """Create a project from a template."""
    project = projects.create_project(_workspace(args), name=args.name, template=args.template, user=_user(args))
    print(f"Created {project.name!r} (id {project.id}) in {project.folder}")
    return 0


def cmd_projects_delete(args: argparse.Namespace) -> int:
    """Move a project to the trash."""
    destination = projects.trash_project(_workspace(args), args.project_id, user=_user(args))
    print(f"Moved {args.project_id} to {destination} (restore with: mass-ide projects restore {args.project_id})")
    return 0


def cmd_projects_restore(args: argparse.Namespace) -> int:
    """Bring a project back from the trash."""
    project = projects.restore_project(_workspace(args), args.project_id, user=_user(args))
    print(f"Restored {project.name!r} (id {project.id})")
    return 0


def cmd_projects_samples(args: argparse.Namespace) -> int:
    """Import the project template's sample data."""
    added = add_sample_data(_workspace(args), args.project_id, user=_user(args))
    for dataset in added:
        print(f"Imported {dataset.name!r}: {dataset.item_count} {dataset.kind} item(s) (dataset {dataset.id})")
    return 0


def cmd_data_import(args: argparse.Namespace) -> int:
    """Import a file or folder into a project (DICOM is de-identified, with the options chosen)."""
    from mass_ide.core.data.deidentify import DeidOptions

    deid = DeidOptions(clean_descriptors=args.clean_descriptors, dates=args.dates)
    dataset = import_dataset(_workspace(args), args.project_id, source=Path(args.source), name=args.name,
                             user=_user(args), deid=deid)
    print(f"Imported {dataset.name!r}: {dataset.item_count} {dataset.kind} item(s) (dataset {dataset.id})")
    if dataset.report.get("deidentification"):
        applied = ", ".join(dataset.report["deidentification"].get("profile_options") or []) or "no option"
        print(f"  de-identified: DICOM PS3.15 Basic Profile, {applied}")
    for warning in dataset.report.get("warnings", []):
        print(f"  warning: {warning}")
    return 0


def _config_overrides(pairs: list[str]) -> dict:
    """``--set epochs=5 --set learning_rate=0.01`` as a dict (values parsed as JSON when they can be)."""
    overrides = {}
    for pair in pairs:
        key, separator, raw = pair.partition("=")
        if not separator or not key:
            raise InvalidInput(f"--set takes KEY=VALUE, not {pair!r}")
        try:
            overrides[key] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key] = raw
    return overrides


def _print_run(run: dict) -> None:
    """A finished run's status and best metric."""
    best = (run["result"] or {}).get("best_metric")
    summary = f", best {best['name']} {best['value']:.4f} at epoch {best['epoch']}" if best else ""
    print(f"Run {run['id']} {run['status']} after {run['epochs_done']} epoch(s){summary}")
    if run["error"]:
        print(run["error"], file=sys.stderr)


def cmd_train(args: argparse.Namespace) -> int:
    """Train in the foreground (several processes with torchrun and DDP); the run lands in the run list."""
    ws, overrides = _workspace(args), _config_overrides(args.set)
    print(f"Training project {args.project_id} on dataset {args.dataset} with {args.nproc} process(es)")
    if args.nproc > 1:
        run = runs.create_run(ws, args.project_id, dataset_id=args.dataset, version=args.version,
                              user=_user(args), overrides=overrides, processes=args.nproc, preset=args.preset)
        runs.update_run(ws, run["id"], status="running", pid=os.getpid(), started_at=now_iso())
        completed = subprocess.run(worker_command(ws, run), check=False)
        if runs.get_run(ws, run["id"])["status"] in runs.ACTIVE:
            runs.update_run(ws, run["id"], status="failed", error=f"torchrun exited with code {completed.returncode}",
                            finished_at=now_iso())
        finished = runs.get_run(ws, run["id"])
    else:
        finished = worker.train_in_process(ws, args.project_id, dataset_id=args.dataset, version=args.version,
                                           user=_user(args), overrides=overrides, preset=args.preset)
    _print_run(finished)
    return 0 if finished["status"] == "completed" else 1


def cmd_tune(args: argparse.Namespace) -> int:
    """Auto-tune in the foreground: trials one after another, then the best configuration; ``--stop``: stop a study.

    A study stopped from elsewhere (the Stop button, ``mass-ide studies stop``) ends here after its current trial.
    """
    if args.stop is not None:
        return _stop_study(args, args.stop)
    if args.project_id is None or args.dataset is None:
        raise InvalidInput("give PROJECT_ID and --dataset to start a study, or --stop STUDY_ID to stop one")
    ws = _workspace(args)
    study = tuning.start_study(ws, args.project_id, dataset_id=args.dataset, trials=args.trials,
                               version=args.version, overrides=_config_overrides(args.set), preset=args.preset,
                               user=_user(args))
    print(f"Study {study['id']}: {args.trials} trial(s) maximising {study['objective']}")
    done = worker.tune_in_process(ws, study["id"], on_trial=_print_run)
    if done["status"] == "stopped":
        print(f"Study {study['id']} was stopped after {len(done['trials'])} trial(s)")
    if done["best_run_id"]:
        print(f"Best: run {done['best_run_id']} with {json.dumps(runs.get_run(ws, done['best_run_id'])['config'])}")
    return 0 if done["best_run_id"] else 1


def _study_line(study: dict) -> str:
    """A study as one line: id, status, trials done, best run, who started it when."""
    ended = sum(trial["status"] in runs.FINAL for trial in study["trials"])
    best = f"best run {study['best_run_id']}" if study["best_run_id"] else "no best run yet"
    return (f"Study {study['id']}  {study['status']:<9}  {ended} of {study['n_trials']} trial(s) ended  "
            f"{study['objective']}  {best}  {study['created_at']} by {study['created_by']}")


def _stop_study(args: argparse.Namespace, study_id: int) -> int:
    """Stop a study, as the Stop button does."""
    study = tuning.stop_study(_workspace(args), study_id, user=_user(args))
    cancelled = [str(trial["id"]) for trial in study["trials"] if trial["status"] in ("cancelling", "cancelled")]
    print(f"Stopped study {study_id}; cancelled run(s): {', '.join(cancelled) or 'none'}")
    print(_study_line(study))
    return 0


def cmd_studies_list(args: argparse.Namespace) -> int:
    """Print a project's tuning studies, newest first."""
    found = tuning.list_studies(_workspace(args), args.project_id)
    if args.json:
        print(json.dumps(found, indent=2))
    elif not found:
        print(f"No studies yet. Start one with: mass-ide tune {args.project_id} --dataset DATASET")
    for study in [] if args.json else found:
        print(_study_line(study))
    return 0


def cmd_studies_stop(args: argparse.Namespace) -> int:
    """Stop a running study: no more trials; finished ones stay."""
    return _stop_study(args, args.study_id)


def _command_group(commands, name: str, text: str):
    """A command group over a workspace (``mass-ide NAME --workspace W ACTION``); its actions' subparsers."""
    group = commands.add_parser(name, help=text)
    group.add_argument("--workspace", default=DEFAULT_WORKSPACE, help="workspace folder")
    return group.add_subparsers(dest="action", required=True, metavar="ACTION")


def _tuning_parser(commands) -> None:
    """The ``tune`` command and the ``studies`` group: list, stop."""
    tune = commands.add_parser("tune", help="auto-tune hyperparameters with an Optuna study (--stop ID: stop one)")
    tune.add_argument("--workspace", default=DEFAULT_WORKSPACE, help="workspace folder")
    tune.add_argument("project_id", nargs="?")
    tune.add_argument("--dataset", type=int, help="dataset id")
    tune.add_argument("--trials", type=int, default=10)
    tune.add_argument("--version", type=int, help="frozen dataset version (default: freeze one now)")
    tune.add_argument("--preset", choices=presets.PRESETS, default=presets.FULL, help="the configuration trials start "
                                                                                        "from (see train --preset)")
    tune.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="fixed for every trial")
    tune.add_argument("--stop", type=int, metavar="STUDY_ID", help="stop this study instead: no more trials, "
                                                                    "finished ones stay")
    tune.set_defaults(handler=cmd_tune)
    actions = _command_group(commands, "studies", "auto-tune studies: list them, stop one")
    listing = actions.add_parser("list", help="list a project's studies")
    listing.add_argument("project_id")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_studies_list)
    stop = actions.add_parser("stop", help="stop a running study: no more trials, the running one is cancelled")
    stop.add_argument("study_id", type=int)
    stop.set_defaults(handler=cmd_studies_stop)


def _version_line(version: dict) -> str:
    """A model version as one line: number, aliases, source and headline metric."""
    aliases = f" [{', '.join(version['aliases'])}]" if version["aliases"] else ""
    source = f"run {version['run_id']}" if version["run_id"] else "imported"
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in list(version["metrics"].items())[:2] if isinstance(v, float))
    deleted = f" (deleted {version['deleted_at']})" if version["deleted_at"] else ""
    return f"  v{version['number']}{aliases}  {source}  {version['created_at']}  {metrics}{deleted}"


def cmd_models_list(args: argparse.Namespace) -> int:
    """Print registered models with their versions."""
    ws = _workspace(args)
    found = [registry.get_model(ws, model["name"]) for model in registry.list_models(ws, args.project)]
    if args.json:
        print(json.dumps(found, indent=2))
    elif not found:
        print("No models yet. A completed run registers itself, or: mass-ide models register RUN")
    for model in [] if args.json else found:
        print(f"{model['name']} ({model['task']}, project {model['project_id']})")
        for version in model["versions"]:
            print(_version_line(version))
    return 0


def cmd_models_show(args: argparse.Namespace) -> int:
    """Print a version's model card."""
    print(registry.get_version(_workspace(args), args.name, args.version)["card"])
    return 0


def _print_version(verb: str, version: dict) -> None:
    """One line about a version that just changed."""
    print(f"{verb} {version['model']} version {version['number']} ({version['folder']})")


def cmd_models_register(args: argparse.Namespace) -> int:
    """Register a completed run's best checkpoint as a model version."""
    _print_version("Registered", registering.register_run(_workspace(args), args.run, user=_user(args),
                                                       name=args.name))
    return 0


def cmd_models_alias(args: argparse.Namespace) -> int:
    """Point an alias at a version."""
    version = registry.set_alias(_workspace(args), args.name, args.version, args.alias, user=_user(args))
    print(f"{args.name}@{args.alias} is now version {version['number']}")
    return 0


def cmd_models_delete(args: argparse.Namespace) -> int:
    """Soft-delete a version."""
    version = registry.delete_version(_workspace(args), args.name, args.version, user=_user(args))
    print(f"Deleted {args.name} version {version['number']} "
          f"(restore with: mass-ide models restore {args.name} {version['number']})")
    return 0


def cmd_models_restore(args: argparse.Namespace) -> int:
    """Bring back a soft-deleted version."""
    _print_version("Restored", registry.restore_version(_workspace(args), args.name, args.version,
                                                        user=_user(args)))
    return 0


def cmd_models_import(args: argparse.Namespace) -> int:
    """Register a model file from disk (weights only; files that need code to load are refused)."""
    _print_version("Imported", registry.import_model_file(_workspace(args), Path(args.file), name=args.name,
                                                          project_id=args.project, user=_user(args)))
    return 0


def _models_parser(commands) -> None:
    """The ``models`` command group: list, show, register, alias, delete, restore, import."""
    actions = _command_group(commands, "models", "the model registry: versions, aliases, import")
    listing = actions.add_parser("list", help="list models and their versions")
    listing.add_argument("--project", help="only this project's models")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_models_list)
    show = actions.add_parser("show", help="print a version's model card")
    show.add_argument("name")
    show.add_argument("version", nargs="?", default="latest", help="a number, latest or @alias (default: latest)")
    show.set_defaults(handler=cmd_models_show)
    register = actions.add_parser("register", help="register a completed run's best checkpoint")
    register.add_argument("run", type=int)
    register.add_argument("--name", help="model name (default: the project's name as a slug)")
    register.set_defaults(handler=cmd_models_register)
    alias = actions.add_parser("alias", help="point an alias (staging, production…) at a version")
    alias.add_argument("name")
    alias.add_argument("version")
    alias.add_argument("alias")
    alias.set_defaults(handler=cmd_models_alias)
    for action, handler, text in (("delete", cmd_models_delete, "soft-delete a version (restorable)"),
                                  ("restore", cmd_models_restore, "bring back a deleted version")):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("name")
        sub.add_argument("version")
        sub.set_defaults(handler=handler)
    importing = actions.add_parser("import", help="register a model file (.pt, weights only; pickles are refused)")
    importing.add_argument("file")
    importing.add_argument("--name", required=True, help="model name")
    importing.add_argument("--project", help="the project of a new model")
    importing.set_defaults(handler=cmd_models_import)


def _is_bundle_folder(path: Path) -> bool:
    """Whether ``path`` is a MONAI bundle folder (rather than a model of the workspace's registry)."""
    return path.is_dir() and (path / "models" / "model.pt").is_file()


def _model_source(args: argparse.Namespace) -> tuple[Path, str, int | None]:
    """(bundle folder, model name, version) of ``MODEL``: a bundle folder, or NAME[:VERSION|@ALIAS] in the workspace."""
    from mass_ide.core.registry.bundle import bundle_identity
    from mass_ide.core.serving.export import split_model_reference

    path = Path(args.model)
    if _is_bundle_folder(path):
        return (path.resolve(), *bundle_identity(path))
    name, ref = split_model_reference(args.model)
    version = registry.get_version(_workspace(args), name, ref)
    return version["folder"], version["model"], version["number"]


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve one model version as a standalone prediction server with an API key."""
    from mass_ide import serve
    from mass_ide.core.registry.bundle import ONNX_FILE

    folder, name, number = _model_source(args)
    argv = ["--model-file", str(folder / "models" / "model.pt"), "--onnx-file", str(folder / ONNX_FILE),
            "--runtime", args.runtime, "--name", name, "--host", args.host, "--port", str(args.port),
            "--api-key-file", args.api_key_file, "--max-batch", str(args.max_batch),
            "--max-body-bytes", str(args.max_body_bytes),
            *(["--audit-log", args.audit_log] if args.audit_log else []),
            *(["--override-parity"] if args.override_parity else [])]
    print(f"Serving {name} version {number} ({args.runtime}) on http://{args.host}:{args.port}/predict", flush=True)
    return serve.main(argv + (["--version", str(number)] if number is not None else []))


def cmd_export(args: argparse.Namespace) -> int:
    """Export a version to TorchScript and ONNX in its bundle folder, with the parity check (audited for a model
    of the workspace)."""
    from mass_ide.core.serving.export import export_bundle, export_version

    folder, name, number = _model_source(args)
    if _is_bundle_folder(Path(args.model)):
        report = export_bundle(folder)  # a bundle folder outside the registry: no audit log to write to
    else:
        ws = _workspace(args)
        report = export_version(ws, registry.get_version(ws, name, number), user=_user(args))
    for kind in ("torchscript", "onnx"):
        print(f"{kind:<12} {folder / report[kind]['file']}  {_parity_line(report[kind])}")
    print(f"MONAI bundle: {folder}")
    return 0


def _parity_line(entry: dict) -> str:
    """A format's parity verdict in one line: passed or failed against its tolerance, or why it was not exported."""
    if entry.get("error"):
        return f"not exported: {entry['error']}"
    tolerance = entry["tolerance"]
    dice = f", mask Dice {entry['dice']:.4f} (at least {tolerance['dice']:g})" if entry.get("dice") is not None else ""
    verdict = "passed" if entry["passed"] else "FAILED"
    worst = "not finite" if entry["max_abs_diff"] is None else f"{entry['max_abs_diff']:.2e}"
    return f"parity {verdict}: max |difference| to PyTorch {worst} (at most {tolerance['max_abs_diff']:g}){dice}"


def _serving_parser(commands) -> None:
    """The ``serve`` and ``export`` commands."""
    model_help = "a model NAME, NAME:VERSION or NAME@ALIAS in the workspace, or a bundle folder"
    serve = commands.add_parser("serve", help="serve a model version over REST outside the IDE (API-key auth)")
    serve.add_argument("--workspace", default=DEFAULT_WORKSPACE, help="workspace folder")
    serve.add_argument("model", help=model_help)
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)")
    serve.add_argument("--api-key-file", required=True, help="a file holding the API key clients send")
    serve.add_argument("--runtime", default="torch", choices=["torch", "onnx"])
    serve.add_argument("--override-parity", action="store_true",
                       help="serve on ONNX even when its export failed the parity check against PyTorch")
    serve.add_argument("--max-batch", type=int, default=32, help="inputs per forward pass (1: no dynamic batching)")
    serve.add_argument("--audit-log", help="a JSON-lines file getting every prediction: time, version, input "
                                           "SHA-256, output")
    serve.add_argument("--max-body-bytes", type=int, default=REQUEST_MAX_BYTES,
                       help="the largest request body read (default 1 GiB); larger ones get 413 before they are read")
    serve.set_defaults(handler=cmd_serve)
    export = commands.add_parser("export", help="export a version to TorchScript and ONNX (MONAI bundle folder)")
    export.add_argument("--workspace", default=DEFAULT_WORKSPACE, help="workspace folder")
    export.add_argument("model", help=model_help)
    export.set_defaults(handler=cmd_export)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="mass-ide", description="Mass IDE: medical AI from raw data to a deployed model.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = commands.add_parser("lab", help="start JupyterLab with Mass IDE (other arguments go to jupyter lab)")
    lab.add_argument("--root", default=".", help="the Jupyter server's root folder (default: here)")
    lab.add_argument("--workspace", default=DEFAULT_WORKSPACE, help="workspace folder, relative to --root")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--demo", action="store_true", help="create one demo project per template in an empty workspace")
    lab.set_defaults(handler=cmd_lab)

    templates = commands.add_parser("templates", help="list the project templates")
    templates.add_argument("--json", action="store_true")
    templates.set_defaults(handler=cmd_templates)

    actions = _command_group(commands, "projects", "list, create, delete or restore projects")
    listing = actions.add_parser("list", help="list projects")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_projects_list)
    create = actions.add_parser("create", help="create a project from a template")
    create.add_argument("name")
    create.add_argument("--template", required=True, help="template name, see: mass-ide templates")
    create.set_defaults(handler=cmd_projects_create)
    delete = actions.add_parser("delete", help="move a project to the trash")
    delete.add_argument("project_id")
    delete.set_defaults(handler=cmd_projects_delete)
    restore = actions.add_parser("restore", help="bring a project back from the trash")
    restore.add_argument("project_id")
    restore.set_defaults(handler=cmd_projects_restore)
    sample = actions.add_parser("samples", help="import the project template's sample data")
    sample.add_argument("project_id")
    sample.set_defaults(handler=cmd_projects_samples)

    data_actions = _command_group(commands, "data", "import data into a project")
    importing = data_actions.add_parser("import", help="import a CSV/TSV/TXT, images, NIfTI or DICOM (file, folder or zip)")
    importing.add_argument("project_id")
    importing.add_argument("source")
    importing.add_argument("--name", help="dataset name (default: the file or folder name)")
    importing.add_argument("--clean-descriptors", action="store_true",
                           help="DICOM: keep descriptions cleaned to imaging words (PS3.15 Clean Descriptors Option) "
                                "instead of removing them")
    importing.add_argument("--dates", choices=("remove", "shift"), default="remove",
                           help="DICOM: remove dates (default), or shift them by one offset per patient (PS3.15 "
                                "Retain Longitudinal Temporal Information with Modified Dates Option)")
    importing.set_defaults(handler=cmd_data_import)
    train = commands.add_parser("train", help="train a project's model on a dataset (torchrun with --nproc N)")
    train.add_argument("--workspace", default=DEFAULT_WORKSPACE, help="workspace folder")
    train.add_argument("project_id")
    train.add_argument("--dataset", type=int, required=True, help="dataset id")
    train.add_argument("--version", type=int, help="frozen dataset version (default: freeze one now)")
    train.add_argument("--nproc", type=int, default=1, help="processes: more than 1 trains with torchrun (DDP)")
    train.add_argument("--preset", choices=presets.PRESETS, default=presets.FULL,
                       help="quick: the template's settings that finish in minutes on a CPU; full: config.json as it is")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override the preset's configuration")
    train.set_defaults(handler=cmd_train)

    _tuning_parser(commands)
    _models_parser(commands)
    _serving_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; user errors print a message and exit 1."""
    args, extra = build_parser().parse_known_args(argv)
    try:
        if args.handler is cmd_lab:
            return cmd_lab(args, extra)
        if extra:
            build_parser().error(f"unrecognized arguments: {' '.join(extra)}")
        return args.handler(args)
    except MassError as error:
        print(f"mass-ide: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
