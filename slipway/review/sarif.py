"""The findings as SARIF 2.1.0, for GitHub code scanning.

Synthesized templates are not in the repository, so each result points at the
place in deploy.yaml that made the resource: the service's block, or the
environment's; the construct path names the resource itself.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from slipway.naming import pascal_case
from slipway.review import rules

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(report, *, spec_path: Path, root: Path) -> dict:
    """A SARIF log with one run holding every finding of the report."""
    lines = _key_lines(spec_path)
    try:
        uri = spec_path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        uri = spec_path.name
    descriptions = {rule.id: rule.summary for rule in rules.RULES}
    rule_ids = sorted({*descriptions, *(f.rule for f in report.findings)})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    services = [s.name for s in report.services]
    results = []
    for finding in report.findings:
        key = _spec_key(finding.path, services, report.environment)
        where = f"{finding.stack}/{finding.logical_id or '(stack)'}"
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "level": finding.severity.value,
                "message": {"text": f"{where}: {finding.message}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {"startLine": lines.get(key, 1)},
                        },
                        "logicalLocations": [
                            {
                                "fullyQualifiedName": finding.path or where,
                                "kind": "resource",
                            }
                        ],
                    }
                ],
                "partialFingerprints": {
                    "slipwayFinding/v1": hashlib.sha256(
                        "|".join(
                            [finding.rule, finding.stack, finding.path or where]
                        ).encode()
                    ).hexdigest()
                },
                "properties": {"tool": finding.tool, "stack": finding.stack},
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "slipway review",
                        "rules": [
                            {
                                "id": rule_id,
                                "shortDescription": {
                                    "text": descriptions.get(rule_id, rule_id)
                                },
                            }
                            for rule_id in rule_ids
                        ],
                    }
                },
                "automationDetails": {"id": f"slipway-review/{report.environment}/"},
                "results": results,
            }
        ],
    }


def _spec_key(path: str | None, services: list[str], env_name: str) -> str:
    """The deploy.yaml block a resource comes from, by its construct path."""
    parts = (path or "").split("/")
    for name in services:
        own = pascal_case(name)
        if {own, f"{own}Endpoint", f"{own}TaskRole"} & set(parts):
            return f"services.{name}"
    return f"environments.{env_name}"


def _key_lines(spec_path: Path) -> dict[str, int]:
    """The line of each `services.NAME` and `environments.NAME` key in the spec."""
    try:
        document = yaml.compose(spec_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    found: dict[str, int] = {}
    if not isinstance(document, yaml.MappingNode):
        return found
    for key, value in document.value:
        if key.value in {"services", "environments"} and isinstance(
            value, yaml.MappingNode
        ):
            for name, _ in value.value:
                found[f"{key.value}.{name.value}"] = name.start_mark.line + 1
    return found
