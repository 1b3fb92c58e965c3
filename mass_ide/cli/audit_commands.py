"""``mass-ide audit``: check the audit log's hash chain, and export it for an auditor."""

import argparse
import json
import sys

from mass_ide.cli.arguments import command_group, workspace_of
from mass_ide.core import audit


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Walk the chain; 0 when every row follows from the ones before it, 1 naming the first that does not."""
    checked = audit.verify(workspace_of(args).db)
    if checked["ok"]:
        print(f"the audit log's {checked['rows']} rows are intact; its head (note it elsewhere to pin the log "
              f"up to now): {checked['head']}")
        return 0
    print(f"mass-ide: the audit log was changed after the fact: row {checked['broken_at']} does not follow from the "
          f"rows before it (it was edited, or a row before it was removed or inserted); the {checked['rows'] - 1} "
          f"rows before it are intact up to {checked['head']}", file=sys.stderr)
    return 1


def cmd_audit_export(args: argparse.Namespace) -> int:
    """The chosen rows as JSON lines, each with its chain hash, then a line with the whole chain's verdict."""
    db = workspace_of(args).db
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115 - stdout or a file
    try:
        for row in audit.export(db, since=args.since, until=args.until, user=args.user, project=args.project):
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        out.write(json.dumps({"chain": audit.verify(db)}, sort_keys=True) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def add_commands(commands) -> None:
    """Register ``mass-ide audit verify|export``."""
    actions = command_group(commands, "audit", "check and export the audit log")
    verify = actions.add_parser("verify", help="check that no audit row was changed, removed or inserted")
    verify.set_defaults(handler=cmd_audit_verify)
    export = actions.add_parser("export", help="the audit rows of a period, project or user, with their chain")
    export.add_argument("--since", help="from this date or time (ISO, e.g. 2026-12-01)")
    export.add_argument("--until", help="up to this date or time, included")
    export.add_argument("--user", help="only this user's rows")
    export.add_argument("--project", help="only this project's rows (its datasets, runs, models, deployments)")
    export.add_argument("--output", help="write to this file (default: standard output)")
    export.set_defaults(handler=cmd_audit_export)
