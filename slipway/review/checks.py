"""Findings from the linters: cfn-lint on each template, cdk-nag from its report."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from slipway.review.findings import Finding, Severity
from slipway.review.template import StackTemplate

logger = logging.getLogger(__name__)

CFN_LINT = "cfn-lint"
CDK_NAG = "cdk-nag"
_CFN_LINT_SEVERITY = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "informational": Severity.NOTE,
}
_NAG_SEVERITY = {
    "fatal": Severity.ERROR,
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.NOTE,
}


def cfn_lint(stacks: list[StackTemplate], region: str) -> list[Finding]:
    """cfn-lint's errors, warnings and informational matches for every template."""
    from cfnlint.api import ManualArgs, lint

    findings = []
    for stack in stacks:
        matches = lint(json.dumps(stack.template), config=ManualArgs(regions=[region]))
        logger.debug("cfn-lint: %s: %d matches", stack.name, len(matches))
        for match in matches:
            path = list(match.path or [])
            logical_id = path[1] if len(path) > 1 and path[0] == "Resources" else None
            findings.append(
                Finding(
                    tool=CFN_LINT,
                    rule=match.rule.id,
                    severity=_CFN_LINT_SEVERITY.get(
                        match.rule.severity, Severity.WARNING
                    ),
                    stack=stack.name,
                    logical_id=logical_id,
                    path=stack.path(logical_id),
                    message=match.message,
                )
            )
    return findings


def cdk_nag(report: Mapping, stacks: list[StackTemplate]) -> list[Finding]:
    """The AwsSolutions findings in a synth's validation report, one per resource."""
    by_path = {
        path: (stack.name, logical_id)
        for stack in stacks
        for logical_id in stack.resources
        if (path := stack.path(logical_id))
    }
    findings = []
    for plugin in report.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                path = construct.get("constructPath") or None
                stack_name, logical_id = by_path.get(
                    path, ((path or "").split("/", 1)[0], None)
                )
                findings.append(
                    Finding(
                        tool=CDK_NAG,
                        rule=violation["ruleName"],
                        severity=_NAG_SEVERITY.get(
                            violation.get("severity", "error"), Severity.ERROR
                        ),
                        stack=stack_name,
                        logical_id=logical_id,
                        path=path,
                        message=violation.get("description", ""),
                    )
                )
    return findings
