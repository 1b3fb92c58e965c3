"""``mass-ide templates``, ``projects`` and ``data``: templates, projects and importing data."""

import argparse
import json
from pathlib import Path

from mass_ide.cli.arguments import command_group, user_of, workspace_of
from mass_ide.core import projects
from mass_ide.core.data.datasets import import_dataset
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.templates import list_templates


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
    found = projects.list_projects(workspace_of(args))
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
    project = projects.create_project(workspace_of(args), name=args.name, template=args.template, user=user_of(args))
    print(f"Created {project.name!r} (id {project.id}) in {project.folder}")
    return 0


def cmd_projects_delete(args: argparse.Namespace) -> int:
    """Move a project to the trash."""
    destination = projects.trash_project(workspace_of(args), args.project_id, user=user_of(args))
    print(f"Moved {args.project_id} to {destination} (restore with: mass-ide projects restore {args.project_id})")
    return 0


def cmd_projects_restore(args: argparse.Namespace) -> int:
    """Bring a project back from the trash."""
    project = projects.restore_project(workspace_of(args), args.project_id, user=user_of(args))
    print(f"Restored {project.name!r} (id {project.id})")
    return 0


def cmd_projects_samples(args: argparse.Namespace) -> int:
    """Import the project template's sample data."""
    added = add_sample_data(workspace_of(args), args.project_id, user=user_of(args))
    for dataset in added:
        print(f"Imported {dataset.name!r}: {dataset.item_count} {dataset.kind} item(s) (dataset {dataset.id})")
    return 0


def cmd_data_import(args: argparse.Namespace) -> int:
    """Import a file or folder into a project (DICOM is de-identified, with the options chosen)."""
    from mass_ide.core.data.deidentify import DeidOptions

    deid = DeidOptions(clean_descriptors=args.clean_descriptors, dates=args.dates)
    dataset = import_dataset(workspace_of(args), args.project_id, source=Path(args.source), name=args.name,
                             user=user_of(args), deid=deid)
    print(f"Imported {dataset.name!r}: {dataset.item_count} {dataset.kind} item(s) (dataset {dataset.id})")
    if dataset.report.get("deidentification"):
        applied = ", ".join(dataset.report["deidentification"].get("profile_options") or []) or "no option"
        print(f"  de-identified: DICOM PS3.15 Basic Profile, {applied}")
    for warning in dataset.report.get("warnings", []):
        print(f"  warning: {warning}")
    return 0


def add_commands(commands) -> None:
    """The ``templates`` command and the ``projects`` and ``data`` groups."""
    templates = commands.add_parser("templates", help="list the project templates")
    templates.add_argument("--json", action="store_true")
    templates.set_defaults(handler=cmd_templates)

    actions = command_group(commands, "projects", "list, create, delete or restore projects")
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

    data_actions = command_group(commands, "data", "import data into a project")
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
