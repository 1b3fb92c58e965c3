"""``mass-ide models``, ``serve`` and ``export``: the registry, standalone serving and export."""

import argparse
import json
from pathlib import Path

from mass_ide.cli.arguments import DEFAULT_WORKSPACE, command_group, user_of, workspace_of
from mass_ide.core import registry
from mass_ide.core.runs import registering
from mass_ide.core.serving.inputs import REQUEST_MAX_BYTES


def _version_line(version: dict) -> str:
    """A model version as one line: number, aliases, source and headline metric."""
    aliases = f" [{', '.join(version['aliases'])}]" if version["aliases"] else ""
    source = f"run {version['run_id']}" if version["run_id"] else "imported"
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in list(version["metrics"].items())[:2] if isinstance(v, float))
    deleted = f" (deleted {version['deleted_at']})" if version["deleted_at"] else ""
    return f"  v{version['number']}{aliases}  {source}  {version['created_at']}  {metrics}{deleted}"


def cmd_models_list(args: argparse.Namespace) -> int:
    """Print registered models with their versions."""
    ws = workspace_of(args)
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
    print(registry.get_version(workspace_of(args), args.name, args.version)["card"])
    return 0


def _print_version(verb: str, version: dict) -> None:
    """One line about a version that just changed."""
    print(f"{verb} {version['model']} version {version['number']} ({version['folder']})")


def cmd_models_register(args: argparse.Namespace) -> int:
    """Register a completed run's best checkpoint as a model version."""
    _print_version("Registered", registering.register_run(workspace_of(args), args.run, user=user_of(args),
                                                       name=args.name))
    return 0


def cmd_models_alias(args: argparse.Namespace) -> int:
    """Point an alias at a version."""
    version = registry.set_alias(workspace_of(args), args.name, args.version, args.alias, user=user_of(args))
    print(f"{args.name}@{args.alias} is now version {version['number']}")
    return 0


def cmd_models_delete(args: argparse.Namespace) -> int:
    """Soft-delete a version."""
    version = registry.delete_version(workspace_of(args), args.name, args.version, user=user_of(args))
    print(f"Deleted {args.name} version {version['number']} "
          f"(restore with: mass-ide models restore {args.name} {version['number']})")
    return 0


def cmd_models_restore(args: argparse.Namespace) -> int:
    """Bring back a soft-deleted version."""
    _print_version("Restored", registry.restore_version(workspace_of(args), args.name, args.version,
                                                        user=user_of(args)))
    return 0


def cmd_models_import(args: argparse.Namespace) -> int:
    """Register a model file from disk (weights only; files that need code to load are refused)."""
    _print_version("Imported", registry.import_model_file(workspace_of(args), Path(args.file), name=args.name,
                                                          project_id=args.project, user=user_of(args)))
    return 0


def _models_parser(commands) -> None:
    """The ``models`` command group: list, show, register, alias, delete, restore, import."""
    actions = command_group(commands, "models", "the model registry: versions, aliases, import")
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
    version = registry.get_version(workspace_of(args), name, ref)
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
        ws = workspace_of(args)
        report = export_version(ws, registry.get_version(ws, name, number), user=user_of(args))
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


def add_commands(commands) -> None:
    """The ``models`` group and the ``serve`` and ``export`` commands."""
    _models_parser(commands)
    _serving_parser(commands)
