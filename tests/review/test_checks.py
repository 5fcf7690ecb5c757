"""cfn-lint and cdk-nag findings, and the cdk-nag findings slipway accepts."""

from __future__ import annotations

import pytest

from slipway.review import checks
from slipway.review.findings import Severity
from slipway.review.template import StackTemplate

PATH = "shop-dev-services/Backend/Logs/Resource"


def _logs(retention) -> StackTemplate:
    return StackTemplate(
        name="shop-dev-services",
        template={
            "Resources": {
                "BackendLogs": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {"RetentionInDays": retention},
                    "Metadata": {"aws:cdk:path": PATH},
                }
            }
        },
    )


def test_cfn_lint_reports_an_invalid_value_on_its_resource_and_path():
    (finding,) = checks.cfn_lint([_logs(13)], "us-east-1")

    assert (finding.tool, finding.rule, finding.severity) == (
        "cfn-lint",
        "E3030",
        Severity.ERROR,
    )
    assert (finding.stack, finding.logical_id, finding.path) == (
        "shop-dev-services",
        "BackendLogs",
        PATH,
    )
    assert finding.message.startswith("13 is not one of [1, 3, 5, 7, 14")


def test_cfn_lint_finds_nothing_in_a_valid_template():
    assert checks.cfn_lint([_logs(14)], "us-east-1") == []


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("error", Severity.ERROR), ("warning", Severity.WARNING), ("info", Severity.NOTE)],
)
def test_cdk_nag_violations_become_one_finding_per_resource(severity, expected):
    report = {
        "pluginReports": [
            {
                "pluginName": "AwsSolutions",
                "violations": [
                    {
                        "ruleName": "AwsSolutions-CW1",
                        "description": "The log group is not encrypted.",
                        "severity": severity,
                        "violatingConstructs": [{"constructPath": PATH}],
                    }
                ],
            }
        ]
    }

    (finding,) = checks.cdk_nag(report, [_logs(14)])

    assert finding.severity is expected
    assert (finding.rule, finding.logical_id, finding.path) == (
        "AwsSolutions-CW1",
        "BackendLogs",
        PATH,
    )


def test_dev_accepts_its_cdk_nag_findings_each_with_a_risk_and_a_reason(
    shipped_review,
):
    report = shipped_review("dev")

    assert [f for f in report.findings if f.tool == "cdk-nag"] == []
    assert sorted({a.rule for a in report.acknowledged}) == [
        "AwsSolutions-EC23",
        "AwsSolutions-ECS2",
        "AwsSolutions-ECS4",
        "AwsSolutions-ELB2",
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-VPC7",
    ]
    for accepted in report.acknowledged:
        assert accepted.reason.startswith("Risk accepted: ")
        assert " Acceptable because " in accepted.reason


def test_prod_keeps_the_findings_accepted_only_in_disposable_environments(
    shipped_review,
):
    report = shipped_review("prod")

    nag = sorted((f.rule, f.path) for f in report.findings if f.tool == "cdk-nag")
    assert nag == [
        ("AwsSolutions-ECS4", "slipway-prod-network/Cluster/Resource"),
        (
            "AwsSolutions-ELB2",
            "slipway-prod-services/BackendEndpoint/LoadBalancer/Resource",
        ),
        (
            "AwsSolutions-ELB2",
            "slipway-prod-services/FrontendEndpoint/LoadBalancer/Resource",
        ),
        ("AwsSolutions-VPC7", "slipway-prod-network/Vpc/Resource"),
    ]
    assert {"AwsSolutions-ECS4", "AwsSolutions-ELB2", "AwsSolutions-VPC7"}.isdisjoint(
        a.rule for a in report.acknowledged
    )


def test_api_url_is_accepted_as_plain_configuration(shipped_review):
    (frontend,) = [
        a
        for a in shipped_review("dev").acknowledged
        if a.rule == "AwsSolutions-ECS2" and "/Frontend/" in a.path
    ]

    assert "frontend's environment variables (API_URL)" in frontend.reason


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_cfn_lint_finds_nothing_in_the_shipped_spec(shipped_review, env):
    assert [f for f in shipped_review(env).findings if f.tool == "cfn-lint"] == []
