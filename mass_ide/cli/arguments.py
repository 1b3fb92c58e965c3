"""What every ``mass-ide`` command shares: the workspace it opens, who runs it, ``--set`` overrides."""

import argparse
import json
import sys

from mass_ide.core import audit
from mass_ide.core.errors import InvalidInput
from mass_ide.core.workspace import Workspace

DEFAULT_WORKSPACE = "mass-workspace"


def workspace_of(args: argparse.Namespace) -> Workspace:
    """The workspace named by ``--workspace`` (opened once per command)."""
    if getattr(args, "opened_workspace", None) is None:
        args.opened_workspace = Workspace.open(args.workspace)
    return args.opened_workspace


def user_of(args: argparse.Namespace) -> str:
    """Who runs the command, named as the IDE names them (:func:`mass_ide.core.audit.local_user`)."""
    return audit.local_user(workspace_of(args).db)


def command_group(commands, name: str, text: str):
    """A command group over a workspace (``mass-ide NAME --workspace W ACTION``); its actions' subparsers."""
    group = commands.add_parser(name, help=text)
    group.add_argument("--workspace", default=DEFAULT_WORKSPACE, help="workspace folder")
    return group.add_subparsers(dest="action", required=True, metavar="ACTION")


def config_overrides(pairs: list[str]) -> dict:
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


def print_run(run: dict) -> None:
    """A finished run's status and best metric."""
    best = (run["result"] or {}).get("best_metric")
    summary = f", best {best['name']} {best['value']:.4f} at epoch {best['epoch']}" if best else ""
    print(f"Run {run['id']} {run['status']} after {run['epochs_done']} epoch(s){summary}")
    if run["error"]:
        print(run["error"], file=sys.stderr)
