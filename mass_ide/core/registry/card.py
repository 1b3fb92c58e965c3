"""The model card (``docs/README.md`` of a bundle) and the headline metrics a version records."""

import json

CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "roc_auc", "sensitivity", "specificity")


def key_metrics(result: dict | None) -> dict:
    """A run result's headline figures by name: its best validation metric and the report's key values."""
    result = result or {}
    report, best = result.get("report") or {}, result.get("best_metric")
    metrics = {best["name"]: best["value"]} if best else {}
    if report.get("kind") == "classification":
        metrics.update({name: report.get(name) for name in CLASSIFICATION_METRICS})
    elif report.get("kind") == "segmentation":
        metrics["mean_dice"] = report.get("mean_dice")
        metrics.update({f"dice/{name}": value for name, value in (report.get("dice") or {}).items()})
        metrics.update(_mean_distances(report.get("cases") or []))
    if report:
        metrics["validation_cases"] = report.get("case_count")
    return metrics


def _mean_distances(cases: list[dict]) -> dict:
    """Mean 95% Hausdorff distance per class over the cases where it is defined (``hd95_mm/liver``…)."""
    means = {}
    for unit in ("hd95_mm", "hd95_voxels"):
        names = {name for case in cases for name in case.get(unit, {})}
        for name in sorted(names):
            values = [case[unit][name] for case in cases if case.get(unit, {}).get(name) is not None]
            means[f"{unit}/{name}"] = round(sum(values) / len(values), 4) if values else None
    return means


def _value(value: object) -> str:
    """A metric or setting for the model card."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return "—" if value is None else str(value)


def _class_names(signature: dict) -> list[str]:
    """The class names a model outputs, in order."""
    classes = signature["outputs"]["classes"]
    return list(classes.values()) if isinstance(classes, dict) else list(classes)


def _input_lines(signature: dict) -> list[str]:
    """What the model takes, as markdown lines."""
    inputs = signature["inputs"]
    if inputs["kind"] == "table":
        lines = ["| column | unit | training range |", "| --- | --- | --- |"]
        return lines + [f"| {c['name']} | {c['unit'] or '—'} | {_value(c['min'])} … {_value(c['max'])} |"
                        for c in inputs["columns"]]
    if inputs["kind"] == "volume":
        return [f"A {inputs['spatial_dims']}D CT volume ({', '.join(inputs['formats'])})."]
    size = f"{inputs['size'][0]} × {inputs['size'][1]} pixels, " if inputs.get("size") else ""
    return [f"An image ({size}{inputs['channels']} channel(s); {', '.join(inputs['formats'])})."]


def model_card(*, name: str, number: int, intended_use: str, signature: dict, metrics: dict, lineage: dict,
               data: dict, packages: dict) -> str:
    """The generated model card (``docs/README.md``), in markdown.

    ``data``: ``dataset`` (name), ``items`` (in the frozen version), ``trained_on`` and
    ``validated_on`` (case counts) and ``source`` ('run' or the imported file's name).
    """
    config = lineage.get("config") or {}
    trained = (f"trained on {data['trained_on']} cases from {data['dataset']} (version {lineage['dataset_version']})"
               if data.get("trained_on") is not None else f"imported from {data['source']}; its training data is not "
               "recorded in this workspace")
    settings = [f"| {key} | {_value(json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value)} |"
                for key, value in sorted(config.items())]
    lines = [
        f"# {name} — version {number}", "",
        "## Intended use", "", intended_use, "",
        "**Not validated for clinical use.** A research model: it must not guide the care of a patient.", "",
        "## Task", "", f"{signature['task']}; classes: {', '.join(_class_names(signature))}.", "",
        "### Input", "", *_input_lines(signature), "",
        "## Data", "",
        (f"- dataset: {data.get('dataset') or '—'} (id {_value(lineage['dataset_id'])}, version "
         f"{_value(lineage['dataset_version'])}; the version freezes the items and their labels)"),
        f"- digest: `{_value(lineage['dataset_digest'])}`",
        f"- items in the version: {_value(data.get('items'))}",
        f"- training cases: {_value(data.get('trained_on'))}; validation cases: {_value(data.get('validated_on'))}",
        "", "## Training configuration", "", "| setting | value |", "| --- | --- |", *settings, "",
        "## Metrics (best checkpoint on the validation split)", "", "| metric | value |", "| --- | --- |",
        *[f"| {key} | {_value(value)} |" for key, value in metrics.items()], "",
        "## Limitations", "",
        f"- {trained[0].upper()}{trained[1:]}; not validated for clinical use.",
        ("- Validation figures come from a held-out split of the same dataset, not an external test set; "
         "expect lower performance on data from other sites, scanners or populations."),
        "- Inputs outside the training ranges above are extrapolation.", "",
        "## Lineage", "",
        f"- run: {_value(lineage['run_id'])}", f"- registered by {lineage['created_by']} at {lineage['created_at']}",
        f"- Mass IDE version: {lineage['package_version']}", "",
        "## Package versions", "", *[f"- {package}: {version}" for package, version in packages.items()], "",
    ]
    return "\n".join(lines)
