"""Notebooks copied into projects before the core had one package per stage import the old flat module names
(``from mass_ide.core import datasets``, ``from mass_ide.core.worker import train_in_process``); they keep working."""

import importlib

from mass_ide.core import GATHERED, MOVED


def test_each_old_flat_name_is_the_module_it_became():
    for old, new in MOVED.items():
        assert importlib.import_module(f"mass_ide.core.{old}") is importlib.import_module(f"mass_ide.core.{new}")


def test_an_old_name_split_in_two_modules_offers_the_public_names_of_both():
    for old, parts in GATHERED.items():
        gathered = importlib.import_module(f"mass_ide.core.{old}")
        for part in parts:
            module = importlib.import_module(f"mass_ide.core.{part}")
            public = [name for name in vars(module) if not name.startswith("_")]
            assert public and all(getattr(gathered, name) is getattr(module, name) for name in public)


def test_an_old_notebooks_imports_give_the_new_modules_and_functions():
    from mass_ide.core.sample_data import add_sample_data
    from mass_ide.core.worker import train_in_process

    from mass_ide.core import (  # as old template notebooks wrote
        annotations,
        datasets,
        quality,
        recipes,
        render,
    )
    from mass_ide.core.annotation import labels
    from mass_ide.core.data import datasets as moved_datasets
    from mass_ide.core.runs.worker import train_in_process as moved_train
    from mass_ide.core.samples.sample_data import add_sample_data as moved_add

    assert datasets is moved_datasets and annotations is labels
    assert (add_sample_data, train_in_process) == (moved_add, moved_train)
    assert quality.__name__ == "mass_ide.core.data.quality" and recipes.read_table and recipes.apply_recipe and render.encode_png


def test_no_flat_module_is_left_beside_the_stage_packages():
    from pathlib import Path

    import mass_ide.core

    folder = Path(mass_ide.core.__file__).parent
    flat = sorted(path.stem for path in folder.glob("*.py") if path.stem != "__init__")
    assert flat == ["audit", "errors", "processes", "projects", "store", "team", "templates", "workspace"]
    assert not set(MOVED | GATHERED) & {path.stem for path in folder.glob("*.py")}
