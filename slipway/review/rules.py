"""slipway's own rules, run on synthesized templates.

They read what CloudFormation will deploy, not the spec, so they also catch what a
stack changed by hand introduces, including what the spec validation refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from slipway.review.findings import Finding, Severity
from slipway.review.template import WORLD, StackTemplate, is_literal, target
from slipway.spec import looks_secret
from stacks.services import ALLOWED_CIDRS_METADATA

TOOL = "slipway"
PREVIEW_TAG = "preview"
_RETAIN = {"Retain", "RetainExceptOnCreate"}


@dataclass(frozen=True)
class Rule:
    """A rule: its ID, what it guards against, and the check itself."""

    id: str
    summary: str
    check: Callable[[StackTemplate], Iterator[tuple[Severity, str | None, str]]]


def check(stacks: list[StackTemplate]) -> list[Finding]:
    """Every finding of every slipway rule on every stack."""
    findings = []
    for stack in stacks:
        for rule in RULES:
            for severity, logical_id, message in rule.check(stack):
                findings.append(
                    Finding(
                        tool=TOOL,
                        rule=rule.id,
                        severity=severity,
                        stack=stack.name,
                        logical_id=logical_id,
                        path=stack.path(logical_id),
                        message=message,
                    )
                )
    return findings


def is_preview(stack: StackTemplate) -> bool:
    """A preview stack carries a `preview` tag (as the key, or as a value)."""
    return any(
        key.lower() == PREVIEW_TAG or str(value).lower() == PREVIEW_TAG
        for key, value in stack.tags.items()
    )


def _circuit_breaker(stack: StackTemplate):
    for logical_id, service in stack.of_type("AWS::ECS::Service").items():
        props = service.get("Properties", {})
        controller = props.get("DeploymentController", {}).get("Type", "ECS")
        if controller != "ECS":
            continue
        breaker = props.get("DeploymentConfiguration", {}).get(
            "DeploymentCircuitBreaker", {}
        )
        name = stack.label(logical_id)
        if breaker.get("Enable") is not True:
            yield (
                Severity.ERROR,
                logical_id,
                f"ECS service {name} has no deployment circuit breaker: a rollout "
                "whose tasks never get healthy keeps retrying while CloudFormation "
                "waits (allowed: DeploymentCircuitBreaker with Enable and Rollback "
                "true)",
            )
        elif breaker.get("Rollback") is not True:
            yield (
                Severity.WARNING,
                logical_id,
                f"ECS service {name} stops a failed rollout but does not roll it "
                "back, leaving the service on the failed task definition (allowed: "
                "DeploymentCircuitBreaker Rollback true)",
            )


def _health_check(stack: StackTemplate):
    for logical_id, service in stack.of_type("AWS::ECS::Service").items():
        props = service.get("Properties", {})
        checked_by_target_group = any(
            stack.properties(group).get("HealthCheckEnabled", True) is not False
            for balancer in props.get("LoadBalancers", [])
            if (group := target(balancer.get("TargetGroupArn"))) in stack.resources
        )
        task = stack.properties(target(props.get("TaskDefinition")) or "")
        checked_in_task = any(
            "HealthCheck" in container
            for container in task.get("ContainerDefinitions", [])
            if container.get("Essential", True)
        )
        if not (checked_by_target_group or checked_in_task):
            yield (
                Severity.ERROR,
                logical_id,
                f"ECS service {stack.label(logical_id)} has no health check: no "
                "target group checks it and no essential container has a "
                "HealthCheck, so a task that stopped answering stays in service "
                "(allowed: a load balancer target group with its health check on, or "
                "a container HealthCheck)",
            )


def _healthy_dependency(stack: StackTemplate):
    for logical_id, task in stack.of_type("AWS::ECS::TaskDefinition").items():
        containers = task.get("Properties", {}).get("ContainerDefinitions", [])
        checked = {c.get("Name"): "HealthCheck" in c for c in containers}
        for container in containers:
            for dependency in container.get("DependsOn", []):
                name = dependency.get("ContainerName")
                if dependency.get("Condition") == "HEALTHY" and not checked.get(name):
                    yield (
                        Severity.ERROR,
                        logical_id,
                        f"container {container.get('Name')} of "
                        f"{stack.label(logical_id)} waits for {name} to be HEALTHY, "
                        f"but {name} has no health check, so it never becomes "
                        f"healthy (allowed: a HealthCheck on {name}, or the "
                        "condition START, COMPLETE or SUCCESS)",
                    )


def _open_twin(stack: StackTemplate):
    balancers = stack.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
    admitted = admitted_cidrs(stack)
    for logical_id, balancer in balancers.items():
        meant = balancer.get("Metadata", {}).get(ALLOWED_CIDRS_METADATA)
        if meant is None or WORLD & set(meant):
            continue
        for group in security_groups(balancer):
            opened = sorted(WORLD & set(admitted.get(group, {})))
            if not opened:
                continue
            twins = sorted(
                stack.label(other)
                for other, twin in balancers.items()
                if other != logical_id
                and group in security_groups(twin)
                and WORLD
                & set(twin.get("Metadata", {}).get(ALLOWED_CIDRS_METADATA, []))
            )
            ports = ", ".join(map(str, sorted(admitted[group][opened[0]])))
            yield (
                Severity.ERROR,
                logical_id,
                f"load balancer {stack.label(logical_id)} is meant for "
                f"{', '.join(meant)} but is open to {', '.join(opened)} on port "
                f"{ports}: its security group {stack.label(group)} is shared with "
                f"{', '.join(twins) or 'another load balancer'}, which admits the "
                "world (allowed: the same allowed_cidrs for every service sharing "
                "the group)",
            )


def _plain_secret(stack: StackTemplate):
    for logical_id, task in stack.of_type("AWS::ECS::TaskDefinition").items():
        for container in task.get("Properties", {}).get("ContainerDefinitions", []):
            for variable in container.get("Environment", []):
                name, value = variable.get("Name", ""), variable.get("Value")
                if looks_secret(name) and is_literal(value):
                    yield (
                        Severity.ERROR,
                        logical_id,
                        f"container {container.get('Name')} of "
                        f"{stack.label(logical_id)} has a plain value "
                        f"({len(str(value))} characters, not shown) under the "
                        f"secret-looking name {name}: anyone who may describe the "
                        "task definition reads it (allowed: a Secrets entry from SSM "
                        "Parameter Store or Secrets Manager)",
                    )


def _log_retention(stack: StackTemplate):
    for logical_id, group in stack.of_type("AWS::Logs::LogGroup").items():
        if "RetentionInDays" not in group.get("Properties", {}):
            yield (
                Severity.WARNING,
                logical_id,
                f"log group {stack.label(logical_id)} keeps its logs forever and "
                "its cost grows without bound (allowed: RetentionInDays, such as "
                "log_retention_days in deploy.yaml)",
            )


def _preview_protection(stack: StackTemplate):
    if not is_preview(stack):
        return
    if stack.termination_protection:
        yield (
            Severity.ERROR,
            None,
            f"preview stack {stack.name} has termination protection, so destroying "
            "the preview fails (allowed: no termination protection on a preview)",
        )
    for logical_id, resource in sorted(stack.resources.items()):
        props = resource.get("Properties", {})
        attributes = {
            a.get("Key"): str(a.get("Value")).lower()
            for a in props.get("LoadBalancerAttributes", [])
        }
        protected = attributes.get("deletion_protection.enabled") == "true" or any(
            str(props.get(key)).lower() == "true"
            for key in ("DeletionProtection", "DeletionProtectionEnabled")
        )
        if protected:
            yield (
                Severity.ERROR,
                logical_id,
                f"{stack.label(logical_id)} in preview stack {stack.name} has "
                "deletion protection, so destroying the preview fails (allowed: "
                "removal_policy destroy for preview environments)",
            )
        kept = sorted(
            {resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")}
            & _RETAIN
        )
        if kept:
            yield (
                Severity.WARNING,
                logical_id,
                f"{stack.label(logical_id)} in preview stack {stack.name} is kept "
                f"({kept[0]}) when the preview is destroyed and is left behind "
                "(allowed: removal_policy destroy for preview environments)",
            )


def security_groups(balancer: Mapping) -> list[str]:
    """The logical IDs of the security groups on a load balancer."""
    groups = balancer.get("Properties", {}).get("SecurityGroups", [])
    return [group for value in groups if (group := target(value))]


def admitted_cidrs(stack: StackTemplate) -> dict[str, dict[str, set[int]]]:
    """Per security group: each CIDR block it admits and on which ports."""
    admitted: dict[str, dict[str, set[int]]] = {}

    def add(group: str | None, rule: Mapping) -> None:
        cidr = rule.get("CidrIp") or rule.get("CidrIpv6")
        if group is None or cidr is None:
            return
        ports = admitted.setdefault(group, {}).setdefault(cidr, set())
        low, high = rule.get("FromPort", 0), rule.get("ToPort", 65535)
        ports.update({low} if low == high else {low, high})

    for logical_id, group in stack.of_type("AWS::EC2::SecurityGroup").items():
        for rule in group.get("Properties", {}).get("SecurityGroupIngress", []):
            add(logical_id, rule)
    for ingress in stack.of_type("AWS::EC2::SecurityGroupIngress").values():
        props = ingress.get("Properties", {})
        add(target(props.get("GroupId")), props)
    return admitted


RULES = (
    Rule(
        "slipway-circuit-breaker",
        "An ECS service rolls back a failed rollout with the deployment circuit "
        "breaker.",
        _circuit_breaker,
    ),
    Rule(
        "slipway-health-check",
        "An ECS service is health-checked by its target group or its containers.",
        _health_check,
    ),
    Rule(
        "slipway-healthy-dependency",
        "A container waits for HEALTHY only on a container that has a health check.",
        _healthy_dependency,
    ),
    Rule(
        "slipway-open-twin",
        "A load balancer meant for a few CIDR blocks is not opened to the world by a "
        "security group it shares with another.",
        _open_twin,
    ),
    Rule(
        "slipway-plain-secret",
        "No plain value sits under a secret-looking environment variable name.",
        _plain_secret,
    ),
    Rule(
        "slipway-log-retention",
        "Every log group has a retention period.",
        _log_retention,
    ),
    Rule(
        "slipway-preview-protection",
        "Nothing in a preview stack blocks or survives its destruction.",
        _preview_protection,
    ),
)
