"""Registry benchmarks: what registering a model version costs.

- ``registration_share_tabular``: liver-function runs (the template's MLP on the PBC table,
  10 epochs) trained in process; right after each, its registration is timed. Median
  registration time ÷ median run time: the share auto-registration adds to a short run,
  where it is largest (reading the checkpoint weights-only, building the network for its
  signature, writing the bundle and model card, one SQLite transaction).
- ``register_seconds_unet``: seconds to register the liver-segmentation template's 3D
  U-Net (its default channels) from a finished run: median over runs of different seeds.

Runs and registrations alternate (train, register, train, register…), each run with its
own seed so that its weights, and so its bundle, are new.
"""

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.report import figure, write_report
from benchmarks.training import workspace_with

REPEATS = 3
TABULAR = {"epochs": 10, "device": "cpu"}
UNET = {"epochs": 1, "spacing_mm": [6.0, 6.0, 8.0], "roi_size": [32, 32, 32], "samples_per_case": 1,
        "cache": "none", "device": "cpu"}


def train_then_register(template: str, root: Path, overrides: dict) -> dict:
    """Seconds of REPEATS runs of ``template`` (+1 warm-up) and of registering each right after."""
    from mass_ide.core.runs import registering
    from mass_ide.core.runs.worker import train_in_process

    ws, project_id, datasets = workspace_with(root, template)
    times = {"run": [], "register": []}
    for seed in range(REPEATS + 1):
        started = time.perf_counter()
        run = train_in_process(ws, project_id, dataset_id=datasets[0].id, user="bench",
                               overrides={**overrides, "seed": seed, "register": False})
        trained = time.perf_counter()
        assert run["status"] == "completed", run["error"]
        registering.register_run(ws, run["id"], user="bench")
        if seed:  # the first round warms caches
            times["run"].append(trained - started)
            times["register"].append(time.perf_counter() - trained)
    return times


def main() -> None:
    """Measure and write ``results/registry.md`` and ``results/registry.json``."""
    with tempfile.TemporaryDirectory() as scratch:
        tabular = train_then_register("liver-function", Path(scratch) / "tabular", TABULAR)
        unet = train_then_register("liver-segmentation", Path(scratch) / "unet", UNET)
    median = {f"{name}/{part}": statistics.median(found[part])
              for name, found in (("tabular", tabular), ("unet", unet)) for part in ("run", "register")}
    figures = {
        "registration_share_tabular": figure(median["tabular/register"] / median["tabular/run"], goal="<= 0.10",
                                             unit="ratio"),
        "register_seconds_unet": figure(median["unet/register"], goal="<= 5", unit="s"),
    }
    rows = [(f"liver-function run, {TABULAR['epochs']} epochs", tabular["run"], median["tabular/run"]),
            ("registering it", tabular["register"], median["tabular/register"]),
            (f"liver-segmentation 3D U-Net run, {UNET['epochs']} epoch", unet["run"], median["unet/run"]),
            ("registering it", unet["register"], median["unet/register"])]
    table = [["measurement", "each (s)", "median (s)"],
             *[[label, ", ".join(f"{t:.3f}" for t in each), f"{middle:.3f}"] for label, each, middle in rows]]
    notes = ("Runs train in this process on the CPU; each is registered right after it, after one warm-up "
             "round. Registration reads best.pt with torch.load(weights_only=True), builds the network "
             "to derive the signature, writes models/model.pt, configs/metadata.json and docs/README.md into "
             "the content-addressed bundle folder and records the version in SQLite.")
    print(write_report("registry", title="Model registry", figures=figures, table=table, notes=notes))


if __name__ == "__main__":
    main()
