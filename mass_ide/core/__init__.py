"""The pure-Python core of Mass IDE: no tornado, no jupyter_server, no eager torch.

Everything the panels, the notebooks and the ``mass-ide`` command line do goes
through these modules, over one :class:`~mass_ide.core.workspace.Workspace`.
What every stage uses sits here (workspace, store, audit, errors, projects,
templates); each stage of the pipeline is one package: ``data``, ``annotation``,
``training``, ``runs``, ``registry``, ``serving``, and ``samples``.

Notebooks copied into projects before the stages had packages import the old
flat names (``from mass_ide.core import datasets``, ``mass_ide.core.worker``…);
:data:`MOVED` keeps those names importable as the modules they became, and
:data:`GATHERED` the one whose functions went to two modules.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import types

MOVED = {
    "datasets": "data.datasets", "uploads": "data.uploads", "quality": "data.quality",
    "render": "data.render", "orientation": "data.orientation",
    "annotations": "annotation.labels", "prelabel": "annotation.prelabel", "exports": "annotation.label_files",
    "classes": "data.classes", "volumes": "data.geometry",
    "scheduler": "runs.scheduler", "worker": "runs.worker", "tuning": "runs.tuning", "planning": "runs.planning",
    "presets": "runs.presets", "sample_data": "samples.sample_data", "demo": "samples.demo",
}
GATHERED = {"recipes": ("data.recipes", "annotation.cleaning")}  # old names whose functions now live in two modules


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``mass_ide.core.<old name>`` as the module it moved to (the same module object)."""

    def find_spec(self, fullname, path=None, target=None):
        """A spec for an old flat name of :data:`MOVED`; None for every other module."""
        prefix, _, name = fullname.rpartition(".")
        if prefix != __name__ or name not in MOVED | GATHERED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        """The moved module itself, imported under its new name; for a gathered name, a module of their public names."""
        name = spec.name.rpartition(".")[2]
        if name in MOVED:
            return importlib.import_module(f"{__name__}.{MOVED[name]}")
        gathered = types.ModuleType(spec.name, f"The old {name} module: the public names of {', '.join(GATHERED[name])}.")
        for part in GATHERED[name]:
            module = importlib.import_module(f"{__name__}.{part}")
            gathered.__dict__.update({key: value for key, value in vars(module).items() if not key.startswith("_")})
        return gathered

    def exec_module(self, module):
        """Nothing to run: the new module ran when it was imported."""


sys.meta_path.append(_MovedModules())
