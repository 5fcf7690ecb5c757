"""The review as Markdown, for a pull-request comment: stable order, no volatile values."""

from __future__ import annotations

from slipway.review.digest import Role, ServiceDigest
from slipway.review.findings import Acknowledgement, Finding
from slipway.review.pricing import CostSection

# Hidden in the rendered comment; CI finds its own comment by it to update it.
MARKER = "<!-- slipway-review -->"


def render(report) -> str:
    """The whole review as one Markdown document."""
    counts = report.counts()
    parts = [
        MARKER,
        f"# Infrastructure review: {report.app} `{report.environment}`",
        "",
        f"Stacks: {', '.join(f'`{s}`' for s in report.stacks)}. Findings: "
        f"{counts['error']} error(s), {counts['warning']} warning(s), "
        f"{counts['note']} note(s); {len(report.acknowledged)} accepted on purpose.",
        "",
        "## Services",
        "",
    ]
    for service in report.services:
        parts += _service(service)
    parts += [
        "## Start-up order",
        "",
        "Arrows point from what waits to what it waits for: a container condition "
        "inside a task, or a service created only once another is stable.",
        "",
        "```mermaid",
        report.graph,
        "```",
        "",
    ]
    parts += _cost(report.cost)
    parts += _findings(list(report.findings))
    parts += _acknowledged(list(report.acknowledged))
    if report.diff is not None:
        parts += _diff(report.diff)
    return "\n".join(parts).rstrip() + "\n"


def _service(service: ServiceDigest) -> list[str]:
    lines = [f"### {service.name}", ""]
    size = f"{service.cpu} CPU units, {service.memory} MiB per task"
    if service.desired_count is not None:
        size += f", {service.desired_count} task(s)"
    lines += [
        f"- **Image:** {service.image_source}",
        f"- **Size:** {size}",
        f"- **Rollout:** circuit breaker {service.circuit_breaker}; "
        f"{service.healthy_percent} healthy during a deploy",
    ]
    if service.created_after:
        after = ", ".join(service.created_after)
        lines.append(f"- **Created after:** {after} is stable")
    balancer = service.load_balancer
    if balancer is not None:
        listeners = "; ".join(
            f"{listener.protocol} {listener.port} ({listener.action})"
            for listener in balancer.listeners
        )
        lines.append(
            f"- **Load balancer:** `{balancer.name}`, {balancer.scheme}; listeners "
            f"{listeners}; forwards to container port {balancer.target_port}"
        )
        reach = "; ".join(
            f"{r.cidr} on {', '.join(map(str, r.ports))} through `{r.security_group}`"
            for r in balancer.reach
        )
        shared = (
            f" (group shared with the load balancer of {', '.join(balancer.shared_with)})"
            if balancer.shared_with
            else ""
        )
        lines.append(f"- **Who can reach it:** {reach or 'nobody'}{shared}")
        reached = {r.cidr for r in balancer.reach}
        if balancer.meant_for is not None and set(balancer.meant_for) != reached:
            lines.append(
                f"- **Meant for:** {', '.join(balancer.meant_for)} only, but the "
                "shared group admits more"
            )
        lines.append(
            f"- **Health check (load balancer):** {balancer.health_check or 'off'}"
            + (
                f"; grace period {service.grace_period} s"
                if service.grace_period is not None
                else ""
            )
        )
    for ingress in service.task_ingress:
        lines.append(f"- **Tasks:** {ingress}")
    if service.service_connect:
        lines.append(f"- **Service Connect:** {service.service_connect}")
    for volume in service.volumes:
        lines.append(f"- **Volume:** {volume}")
    lines += [
        "",
        "| container | image | ports | essential | health check | waits for |",
    ]
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for c in service.containers:
        waits = ", ".join(f"{d} ({condition})" for d, condition in c.depends_on)
        lines.append(
            f"| {c.name} | {_cell(c.image)} | {', '.join(map(str, c.ports)) or '-'} "
            f"| {'yes' if c.essential else 'no'} | {_cell(c.health_check or 'none')} "
            f"| {waits or '-'} |"
        )
    lines.append("")
    if service.variables:
        lines += ["| container | variable | value |", "| --- | --- | --- |"]
        for v in service.variables:
            value = f"secret from {v.value}" if v.secret else f"`{v.value}`"
            lines.append(f"| {v.container} | `{v.name}` | {_cell(value)} |")
        lines.append("")
    else:
        lines += ["No environment variables.", ""]
    lines += _role("Task role", service.task_role, service.name)
    lines += _role("Execution role", service.execution_role, service.name)
    return lines


def _role(title: str, role: Role | None, service: str) -> list[str]:
    if role is None:
        return [f"{title}: none.", ""]
    others = [s for s in role.shared_with if s != service]
    shared = f", shared with {', '.join(others)}" if others else ""
    lines = [f"{title} `{role.name}`{shared}:", ""]
    groups = {"own": [], "borrowed": {}, "unattributed": []}
    for statement in role.statements:
        if statement.granted_for == service:
            groups["own"].append(statement)
        elif statement.granted_for is not None:
            groups["borrowed"].setdefault(statement.granted_for, []).append(statement)
        else:
            groups["unattributed"].append(statement)
    if not role.statements and not role.managed_policies:
        lines.append("- no permissions")
    for statement in groups["own"]:
        lines.append(f"- {_statement(statement)}")
    for other, statements in sorted(groups["borrowed"].items()):
        for statement in statements:
            lines.append(
                f"- {_statement(statement)}: **held only because {other} needs it**"
            )
    for statement in groups["unattributed"]:
        suffix = " (granted to the shared role, for no service in particular)"
        lines.append(f"- {_statement(statement)}{suffix if others else ''}")
    for arn in role.managed_policies:
        lines.append(f"- managed policy `{arn}`")
    lines.append("")
    return lines


def _statement(statement) -> str:
    actions = ", ".join(f"`{a}`" for a in statement.actions)
    resources = ", ".join(f"`{r}`" for r in statement.resources)
    return f"{statement.effect} {actions} on {resources}"


def _cost(cost: CostSection) -> list[str]:
    estimate = cost.estimate
    lines = [
        "## Cost",
        "",
        f"Monthly estimate for {estimate.region}, prices as of {estimate.as_of}.",
        "",
        "| item | quantity | unit | unit price | monthly |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for line in estimate.lines:
        lines.append(
            f"| {_cell(line.item)} | {line.quantity:g} | {_cell(line.unit)} | "
            f"{line.unit_price:.4f} | {line.monthly:.2f} |"
        )
    lines += [f"| **total** | | | | **{estimate.total:.2f}** |", ""]
    if cost.note:
        lines += [cost.note, ""]
    return lines


def _findings(findings: list[Finding]) -> list[str]:
    lines = ["## Findings", ""]
    if not findings:
        return [
            *lines,
            "None: slipway's rules, cfn-lint and cdk-nag found nothing.",
            "",
        ]
    lines += [
        "| severity | tool | rule | stack | resource | message |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in findings:
        lines.append(
            f"| {f.severity.value} | {f.tool} | `{f.rule}` | {f.stack} | "
            f"{_resource(f.logical_id, f.path)} | {_cell(f.message)} |"
        )
    return [*lines, ""]


def _acknowledged(accepted: list[Acknowledgement]) -> list[str]:
    if not accepted:
        return []
    lines = [
        "## Accepted on purpose",
        "",
        "cdk-nag findings acknowledged in `slipway/review/suppressions.py`, with the "
        "risk accepted and why.",
        "",
        "| rule | stack | resource | reason |",
        "| --- | --- | --- | --- |",
    ]
    for a in accepted:
        lines.append(
            f"| `{a.rule}` | {a.stack} | {_resource(a.logical_id, a.path)} | "
            f"{_cell(a.reason)} |"
        )
    return [*lines, ""]


def _diff(diff) -> list[str]:
    lines = ["## Against the deployed environment", "", diff.note, ""]
    if not diff.deployed:
        return lines
    if diff.rollouts:
        lines += ["Services that will roll out new tasks:", ""]
        for rollout in diff.rollouts:
            lines.append(f"- **{rollout.service}**: {'; '.join(rollout.reasons)}")
    else:
        lines.append("No service will roll out new tasks.")
    lines.append("")
    if diff.changes:
        lines += ["| stack | change | type | resource | properties |"]
        lines.append("| --- | --- | --- | --- | --- |")
        for c in diff.changes:
            action = f"{c.action} (replace)" if c.replace else c.action
            lines.append(
                f"| {c.stack} | {action} | {c.kind} | `{c.name}` | "
                f"{', '.join(c.properties) or '-'} |"
            )
        lines.append("")
    if diff.text:
        lines += [
            "<details><summary>cdk diff, without hash-only changes</summary>",
            "",
            "```text",
            diff.text,
            "```",
            "",
            "</details>",
            "",
        ]
    return lines


def _resource(logical_id: str | None, path: str | None) -> str:
    if logical_id is None and path is None:
        return "(the stack)"
    shown = f"`{logical_id}`" if logical_id else ""
    return f"{shown} at `{path}`" if path else shown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
