"""Training presets: "full" is a project's ``config.json`` as it is, "quick" its ``presets.quick`` changes.

A template's ``config.json`` carries a ``presets`` block of settings that the quick
preset changes (fewer epochs, a smaller crop…), merged one level deep like any
override. The default is full where the server has a CUDA GPU, quick otherwise.
"""

from functools import cache

from mass_ide.core.errors import InvalidInput

QUICK, FULL = "quick", "full"
PRESETS = (QUICK, FULL)
PRESETS_KEY = "presets"


@cache
def cuda_available() -> bool:
    """Whether torch sees a CUDA GPU here (torch imported on first call, the answer kept)."""
    import torch

    return bool(torch.cuda.is_available())


def default_preset(config: dict) -> str:
    """Full on a CUDA GPU, else quick (full when the configuration defines no quick preset)."""
    return FULL if cuda_available() or QUICK not in preset_changes(config) else QUICK


def preset_changes(config: dict) -> dict[str, dict]:
    """What each preset changes in ``config`` (a ``config.json`` with its ``presets`` block): full changes nothing."""
    block = config.get(PRESETS_KEY) or {}
    if not isinstance(block, dict) or not all(isinstance(block.get(name, {}), dict) for name in PRESETS):
        raise InvalidInput(f"the {PRESETS_KEY!r} block of config.json maps a preset name to the settings it changes")
    return {name: dict(block[name]) for name in PRESETS if name in block} | {FULL: {}}


def changes(config: dict, preset: str | None = None) -> dict:
    """What ``preset`` changes in ``config`` (``None``: full, nothing); InvalidInput for one it does not define."""
    defined = preset_changes(config)
    if (preset or FULL) not in defined:
        known = ", ".join(name for name in PRESETS if name in defined)
        raise InvalidInput(f"unknown preset {preset!r}; this project's config.json defines: {known}")
    return defined[preset or FULL]


def resolve(config: dict, preset: str | None = None) -> dict:
    """The configuration ``preset`` trains with: ``config`` without its presets block, the preset's changes merged
    one level deep (``None``: full)."""
    base = {key: value for key, value in config.items() if key != PRESETS_KEY}
    return {**base, **changes(config, preset)}
