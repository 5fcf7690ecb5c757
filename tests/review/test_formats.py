"""The JSON report matches the schema shipped with slipway; the SARIF log matches
the official SARIF 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from slipway.review import sarif
from slipway.review.diff import Change, DiffDigest, Rollout
from tests.conftest import REPO

SCHEMAS = REPO / "slipway" / "review" / "schemas"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_the_json_report_validates_against_the_shipped_schema(shipped_review, env):
    schema = _schema("review.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)

    jsonschema.Draft202012Validator(schema).validate(shipped_review(env).to_dict())


def test_a_report_with_a_diff_validates_too(shipped_review):
    from dataclasses import replace

    report = replace(
        shipped_review("dev"),
        diff=DiffDigest(
            deployed=True,
            note="Compared with dev as deployed on AWS: 1 change(s).",
            changes=(
                Change(
                    "slipway-dev-services",
                    "modify",
                    "AWS::ECS::TaskDefinition",
                    "Frontend/TaskDefinition",
                    True,
                    ("ContainerDefinitions",),
                ),
            ),
            rollouts=(
                Rollout(
                    "frontend",
                    "slipway-dev-services",
                    ("container frontend: image a -> b",),
                ),
            ),
        ),
    )

    jsonschema.Draft202012Validator(_schema("review.schema.json")).validate(
        report.to_dict()
    )


def test_the_json_schema_refuses_a_finding_of_unknown_severity(shipped_review):
    data = shipped_review("prod").to_dict()
    data["findings"][0]["severity"] = "fatal"

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_schema("review.schema.json")).validate(data)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_sarif_log_validates_against_the_sarif_2_1_0_schema(shipped_review, env):
    schema = _schema("sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator.check_schema(schema)

    log = sarif.render(shipped_review(env), spec_path=REPO / "deploy.yaml", root=REPO)

    jsonschema.Draft4Validator(schema).validate(log)
    assert log["version"] == "2.1.0"


def test_each_sarif_result_points_at_the_spec_block_that_made_the_resource(
    shipped_review,
):
    log = sarif.render(
        shipped_review("prod"), spec_path=REPO / "deploy.yaml", root=REPO
    )
    lines = (REPO / "deploy.yaml").read_text().splitlines()

    located = {
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: lines[
            result["locations"][0]["physicalLocation"]["region"]["startLine"] - 1
        ]
        for result in log["runs"][0]["results"]
    }

    assert located["slipway-prod-services/BackendEndpoint/LoadBalancer/Resource"] == (
        "  backend:"
    )
    assert located["slipway-prod-network/Vpc/Resource"] == "  prod:"
    assert {r["artifactLocation"]["uri"] for r in _physical(log)} == {"deploy.yaml"}


def test_sarif_levels_and_rules_follow_the_findings(shipped_review):
    report = shipped_review("prod")
    log = sarif.render(report, spec_path=REPO / "deploy.yaml", root=REPO)
    run = log["runs"][0]

    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert [
        (rules[r["ruleIndex"]], r["ruleId"], r["level"]) for r in run["results"]
    ] == [(f.rule, f.rule, f.severity.value) for f in report.findings]
    assert "slipway-open-twin" in rules


def _physical(log: dict) -> list[dict]:
    return [
        location["physicalLocation"]
        for result in log["runs"][0]["results"]
        for location in result["locations"]
    ]


def test_the_schemas_ship_with_the_package():
    assert {p.name for p in Path(SCHEMAS).glob("*.json")} == {
        "review.schema.json",
        "sarif-schema-2.1.0.json",
    }
