"""Run :func:`~mass_ide.core.training.train` in a process of its own, under ``torchrun`` or alone.

    torchrun --nproc_per_node=2 -m mass_ide.core.training.ddp_entry \\
        --config CONFIG.json --data DATA.json --run-dir DIR [--resume CHECKPOINT]

``DATA.json`` is written by :meth:`TrainingData.save`. Rank 0 appends metrics
to ``DIR/metrics.jsonl`` (one JSON object per line: ``{"name", "value", "step",
"epoch"}``; epoch summaries have ``"name": "epoch"``), log lines to
``DIR/train.log`` and standard output, and writes ``DIR/result.json`` at the end.
Creating the file ``DIR/STOP`` stops the run cleanly (status "cancelled").
"""

import argparse
import json
import os
import sys
from pathlib import Path

from mass_ide.core.training.api import RunCallbacks, TrainingData

STOP_FILE = "STOP"


class FileCallbacks(RunCallbacks):
    """Callbacks that append to ``metrics.jsonl`` and ``train.log`` in the run folder."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.metrics = (self.run_dir / "metrics.jsonl").open("a", encoding="utf-8")
        self.log = (self.run_dir / "train.log").open("a", encoding="utf-8")
        super().__init__(on_metric=self.write_metric, on_epoch=self.write_epoch, on_log=self.write_log)

    def write_metric(self, name: str, value: float, *, step: int, epoch: int) -> None:
        self.metrics.write(json.dumps({"name": name, "value": value, "step": step, "epoch": epoch}) + "\n")
        self.metrics.flush()

    def write_epoch(self, epoch: int, epochs: int, metrics: dict) -> None:
        self.metrics.write(json.dumps({"name": "epoch", "epoch": epoch, "epochs": epochs, "metrics": metrics}) + "\n")
        self.metrics.flush()

    def write_log(self, line: str) -> None:
        print(line, flush=True)
        self.log.write(line + "\n")
        self.log.flush()

    def close(self) -> None:
        self.metrics.close()
        self.log.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mass_ide.core.training.ddp_entry",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, type=Path, help="the run's config (JSON)")
    parser.add_argument("--data", required=True, type=Path, help="TrainingData written by TrainingData.save")
    parser.add_argument("--run-dir", required=True, type=Path, help="where checkpoints, metrics and the report go")
    parser.add_argument("--resume", type=Path, default=None, help="a checkpoint of an interrupted run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Train once; rank 0 writes ``result.json``. Returns the exit status."""
    from mass_ide.core.training.engine import train

    args = parse_args(argv)
    config = json.loads(args.config.read_text(encoding="utf-8"))
    data = TrainingData.load(args.data)
    lead = int(os.environ.get("RANK", "0")) == 0
    callbacks = FileCallbacks(args.run_dir) if lead else RunCallbacks()
    stop_file = args.run_dir / STOP_FILE
    try:
        result = train(config, data, run_dir=args.run_dir, callbacks=callbacks, resume_from=args.resume,
                       should_stop=stop_file.exists)
    finally:
        if lead:
            callbacks.close()
    if lead:
        (args.run_dir / "result.json").write_text(json.dumps(result.to_json(), indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
