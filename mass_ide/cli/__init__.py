"""The ``mass-ide`` command line, over the same core as the panels and notebooks.

One module per group of commands: :mod:`~mass_ide.cli.project_commands` (templates, projects, data),
:mod:`~mass_ide.cli.run_commands` (train, tune, studies) and :mod:`~mass_ide.cli.model_commands`
(models, serve, export); ``lab`` and the parser are here.
"""

import argparse
import os
import sys
from pathlib import Path

from mass_ide.cli import audit_commands, model_commands, project_commands, run_commands
from mass_ide.cli.arguments import DEFAULT_WORKSPACE
from mass_ide.core import audit
from mass_ide.core.errors import MassError
from mass_ide.core.samples.demo import seed_demo
from mass_ide.core.workspace import Workspace


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

    project_commands.add_commands(commands)
    run_commands.add_commands(commands)
    model_commands.add_commands(commands)
    audit_commands.add_commands(commands)
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

