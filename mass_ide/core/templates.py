"""Project templates: one folder each under ``templates/`` with a ``template.json``.

A template folder holds the notebook and configuration that a new project
starts from. Installed wheels carry the folders inside the package; a source
checkout reads them from the repository's ``templates/``.
"""

import json
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from mass_ide.core.errors import InvalidInput

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Template:
    """What the launcher and the API show about a template."""

    name: str
    title: str
    description: str
    task: str
    modality: str
    notebook: str
    folder: Path

    def to_json(self) -> dict:
        """The public fields, as the REST API returns them."""
        fields = asdict(self)
        del fields["folder"]
        return fields


def templates_dir() -> Path:
    """The folder holding the template folders (installed package first, then the checkout)."""
    for candidate in (_PACKAGE_DIR / "templates", _PACKAGE_DIR.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("no templates/ folder found beside the mass_ide package")


@cache
def _load_all(root: Path) -> tuple[Template, ...]:
    """Read every ``template.json`` under ``root``, ordered by its ``order`` field."""
    loaded = []
    for manifest in sorted(root.glob("*/template.json")):
        spec = json.loads(manifest.read_text(encoding="utf-8"))
        loaded.append(
            (
                spec.pop("order", 99),
                Template(
                    name=manifest.parent.name,
                    title=spec["title"],
                    description=spec["description"],
                    task=spec["task"],
                    modality=spec["modality"],
                    notebook=spec["notebook"],
                    folder=manifest.parent,
                ),
            )
        )
    return tuple(template for _, template in sorted(loaded, key=lambda pair: pair[0]))


def list_templates() -> list[Template]:
    """All templates, in launcher order."""
    return list(_load_all(templates_dir()))


def get_template(name: str) -> Template:
    """The template called ``name``; :class:`InvalidInput` names the valid ones otherwise."""
    templates = list_templates()
    for template in templates:
        if template.name == name:
            return template
    known = ", ".join(t.name for t in templates)
    raise InvalidInput(f"unknown template {name!r}; choose one of: {known}")
