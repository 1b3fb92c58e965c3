"""Write a benchmark's results: NAME.md for people and NAME.json for machines."""

import json
import platform
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def figure(value: float, *, goal: str, unit: str) -> dict:
    """One figure; ``goal`` is '<= 1.15' or '>= 0.95' and decides ``met``."""
    operator, target = goal.split()
    value = float(value)
    met = value <= float(target) if operator == "<=" else value >= float(target)
    return {"value": round(value, 4), "goal": goal, "unit": unit, "met": bool(met)}


def write_report(name: str, *, title: str, figures: dict[str, dict], table: list[list], notes: str) -> Path:
    """Write ``results/NAME.json`` (the figures) and ``results/NAME.md`` (table + notes)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    header, *rows = table
    lines = [
        f"# {title}",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}.",
        "",
        "| figure | value | goal | met |",
        "| --- | --- | --- | --- |",
        *(f"| `{key}` | {f['value']} {f['unit']} | {f['goal']} | {'yes' if f['met'] else 'NO'} |" for key, f in figures.items()),
        "",
        "| " + " | ".join(map(str, header)) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *("| " + " | ".join(map(str, row)) + " |" for row in rows),
        "",
        notes.strip(),
        "",
    ]
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(lines))
    return path
