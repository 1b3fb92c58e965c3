"""What a project's classes are called: the one place a class's display name is resolved.

Stored values never change (a label stays ``"4"``, a model's class stays
``"positive"``); a configuration may give them clinical words with
``class_names``, e.g. ``{"4": "stage 4 — cirrhosis", "positive": "cirrhosis (stage 4)"}``.
A table whose target is a ``positive_when`` condition trains on the classes
``negative`` and ``positive``; unnamed, they read as the condition says.
"""

from mass_ide.core.data.conditions import parse_condition
from mass_ide.core.errors import InvalidInput

# Mask class colours by value (ITK-SNAP's defaults, which annotators know): the annotation view
# (labextension/src/annotation/slices.ts holds the same table), training reports, the notebook
# annotator and the DICOM SEG's recommended display colours all paint a class the same way.
CLASS_COLOURS: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0), (230, 40, 40), (40, 200, 60), (50, 110, 240), (240, 220, 30),
    (30, 220, 230), (220, 60, 220), (255, 160, 60), (150, 90, 255), (160, 110, 60),
)


def class_colour(value: int) -> tuple[int, int, int]:
    """The RGB colour of mask value ``value`` (background black; the table repeats past its end)."""
    value = int(value)
    return CLASS_COLOURS[0] if value <= 0 else CLASS_COLOURS[(value - 1) % (len(CLASS_COLOURS) - 1) + 1]


def class_names(config: dict) -> dict[str, str]:
    """Display names by stored class value (label classes and training classes alike)."""
    given = config.get("class_names") or {}
    if not isinstance(given, dict) or not all(isinstance(name, str) for name in given.values()):
        raise InvalidInput("'class_names' maps class values to the names shown for them, "
                           "e.g. {\"4\": \"stage 4 — cirrhosis\"}")
    names = {str(value): name for value, name in given.items()}
    if config.get("positive_when"):
        condition = str(config["positive_when"]).strip()
        names.setdefault("positive", f"positive ({condition})")
        names.setdefault("negative", f"negative (not {condition})")
    return names


def class_column(config: dict) -> str | None:
    """The table column a tabular classifier takes its classes from (``target``, or ``positive_when``'s), if any:
    a record with a value there is labelled already."""
    if config.get("task") != "tabular-classification":
        return None
    return config.get("target") or (parse_condition(config["positive_when"]).column
                                    if config.get("positive_when") else None)


def display_name(config: dict, value) -> str:
    """The name shown for a stored class value (the value itself when the configuration names none)."""
    return class_names(config).get(str(value), str(value))


def display_names(config: dict, values: list) -> list[str]:
    """:func:`display_name` of each value, in order."""
    return [display_name(config, value) for value in values]


def training_classes(config: dict, labels: list) -> dict[str, str]:
    """The training class (``positive``/``negative``) each label value becomes under ``positive_when``.

    Empty without a condition: each label then trains as itself. A label the condition
    cannot judge (text against a number) is left out.
    """
    if not config.get("positive_when"):
        return {}
    condition = parse_condition(config["positive_when"])
    mapped = {}
    for label in labels:
        try:
            mapped[str(label)] = "positive" if condition.test(str(label)) else "negative"
        except InvalidInput:
            continue
    return mapped
