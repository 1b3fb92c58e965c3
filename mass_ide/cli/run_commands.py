"""``mass-ide train``, ``tune`` and ``studies``: training runs and auto-tuning in the foreground."""

import argparse
import json
import os

from mass_ide.cli.arguments import (
    DEFAULT_WORKSPACE,
    command_group,
    config_overrides,
    print_run,
    user_of,
    workspace_of,
)
from mass_ide.core import processes, runs
from mass_ide.core.audit import now_iso
from mass_ide.core.errors import InvalidInput
from mass_ide.core.runs import presets, tuning, worker
from mass_ide.core.runs.scheduler import worker_command
from mass_ide.core.workspace import Workspace


def _train_under_torchrun(ws: Workspace, run: dict) -> int:
    """Run the run's worker under torchrun, its output on our terminal, until it ends; its exit code.

    torchrun and its workers have their own process group, so a Ctrl-C reaches only this command,
    which then stops them (SIGTERM, SIGKILL after a grace period) before it ends.
    """
    torchrun = processes.start(worker_command(ws, run))
    try:
        return torchrun.wait()
    except KeyboardInterrupt:
        torchrun.stop()
        raise


def cmd_train(args: argparse.Namespace) -> int:
    """Train in the foreground (several processes with torchrun and DDP); the run lands in the run list."""
    ws, overrides = workspace_of(args), config_overrides(args.set)
    print(f"Training project {args.project_id} on dataset {args.dataset} with {args.nproc} process(es)")
    if args.nproc > 1:
        run = runs.create_run(ws, args.project_id, dataset_id=args.dataset, version=args.version,
                              user=user_of(args), overrides=overrides, processes=args.nproc, preset=args.preset)
        runs.update_run(ws, run["id"], status="running", pid=os.getpid(), started_at=now_iso())
        code = _train_under_torchrun(ws, run)
        if runs.get_run(ws, run["id"])["status"] in runs.ACTIVE:
            runs.update_run(ws, run["id"], status="failed", error=f"torchrun exited with code {code}",
                            finished_at=now_iso())
        finished = runs.get_run(ws, run["id"])
    else:
        finished = worker.train_in_process(ws, args.project_id, dataset_id=args.dataset, version=args.version,
                                           user=user_of(args), overrides=overrides, preset=args.preset)
    print_run(finished)
    return 0 if finished["status"] == "completed" else 1


def cmd_tune(args: argparse.Namespace) -> int:
    """Auto-tune in the foreground: trials one after another, then the best configuration; ``--stop``: stop a study.

    A study stopped from elsewhere (the Stop button, ``mass-ide studies stop``) ends here after its current trial.
    """
    if args.stop is not None:
        return _stop_study(args, args.stop)
    if args.project_id is None or args.dataset is None:
        raise InvalidInput("give PROJECT_ID and --dataset to start a study, or --stop STUDY_ID to stop one")
    ws = workspace_of(args)
    study = tuning.start_study(ws, args.project_id, dataset_id=args.dataset, trials=args.trials,
                               version=args.version, overrides=config_overrides(args.set), preset=args.preset,
                               user=user_of(args))
    print(f"Study {study['id']}: {args.trials} trial(s) maximising {study['objective']}")
    done = worker.tune_in_process(ws, study["id"], on_trial=print_run)
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
    study = tuning.stop_study(workspace_of(args), study_id, user=user_of(args))
    cancelled = [str(trial["id"]) for trial in study["trials"] if trial["status"] in ("cancelling", "cancelled")]
    print(f"Stopped study {study_id}; cancelled run(s): {', '.join(cancelled) or 'none'}")
    print(_study_line(study))
    return 0


def cmd_studies_list(args: argparse.Namespace) -> int:
    """Print a project's tuning studies, newest first."""
    found = tuning.list_studies(workspace_of(args), args.project_id)
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


def add_commands(commands) -> None:
    """The ``train`` and ``tune`` commands and the ``studies`` group: list, stop."""
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
    actions = command_group(commands, "studies", "auto-tune studies: list them, stop one")
    listing = actions.add_parser("list", help="list a project's studies")
    listing.add_argument("project_id")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_studies_list)
    stop = actions.add_parser("stop", help="stop a running study: no more trials, the running one is cancelled")
    stop.add_argument("study_id", type=int)
    stop.set_defaults(handler=cmd_studies_stop)
