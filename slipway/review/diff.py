"""`--diff`: what `cdk diff` says a deploy would change, and which services roll.

The real CDK CLI compares the environment as deployed with a fresh synth of it.
Its text is digested here: changes that only swap an asset hash are counted but not
shown, and each ECS service whose task definition changes is named with the reasons
(image, environment, sizes...), read from the deployed and the new templates.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from slipway import cdk, emulator, inventory, local
from slipway.errors import SlipwayError
from slipway.review.template import StackTemplate, read_assembly, target
from slipway.spec import Deployment

logger = logging.getLogger(__name__)

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
# Resources that describe the deployment, not the infrastructure.
IGNORED_TYPES = {"AWS::CDK::Metadata"}
_STACK = re.compile(r"^Stack (\S+)")
_CHANGE = re.compile(r"^\[([+\-~])\] (\S+) ?(.*)$")
_PROPERTY = re.compile(r"^ [└├]─ \[([+\-~])\] ([^\s(]+)")
_SECTIONS = {
    "Parameters",
    "Conditions",
    "Resources",
    "Outputs",
    "Other Changes",
    "IAM Statement Changes",
    "Security Group Changes",
}
_ACTIONS = {"+": "add", "-": "remove", "~": "modify"}
# Container settings a reviewer reads as the reason a service rolls, by name.
_CONTAINER_KEYS = {
    "Image": "image",
    "Environment": "environment",
    "Secrets": "secrets",
    "Cpu": "cpu",
    "Memory": "memory",
    "MemoryReservation": "memory reservation",
    "PortMappings": "ports",
    "HealthCheck": "health check",
    "Command": "command",
    "EntryPoint": "entry point",
    "DependsOn": "dependencies",
    "Essential": "essential",
}
_TASK_KEYS = {
    "Cpu": "task cpu",
    "Memory": "task memory",
    "TaskRoleArn": "task role",
    "ExecutionRoleArn": "execution role",
    "Volumes": "volumes",
}


@dataclass(frozen=True)
class Change:
    """One change `cdk diff` lists: a resource, output, parameter or condition."""

    stack: str
    action: str
    kind: str
    name: str
    replace: bool
    properties: tuple[str, ...]


@dataclass(frozen=True)
class Rollout:
    """An ECS service that will start new tasks, and why."""

    service: str
    stack: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DiffDigest:
    """What deploying the reviewed change would do to the deployed environment."""

    deployed: bool
    note: str
    changes: tuple[Change, ...] = ()
    hidden: int = 0
    rollouts: tuple[Rollout, ...] = ()
    text: str = field(default="", repr=False)


def against_deployed(
    *,
    root: Path,
    spec_path: Path,
    deployment: Deployment,
    stacks: list[StackTemplate],
    workdir: Path,
    emulator_state: Path,
) -> DiffDigest:
    """Run `cdk diff` against where `deployment` is deployed, and digest it."""
    env_name = deployment.env_name
    extra_args: list[str] = []
    if deployment.env.emulator:
        running = emulator.running(emulator_state)
        if running is None:
            return DiffDigest(
                deployed=False,
                note=f"The emulator is not running, so {env_name} is not deployed "
                "there: every resource would be new.",
            )
        clients = local.clients_for(running)
        aws_env = running.aws_environment()
        # NOTE: moto's change sets drop outputs; a template diff needs none.
        extra_args.append("--method=template")
        where = "the emulator"
    else:
        session = boto3.Session(region_name=deployment.env.region)
        if session.get_credentials() is None:
            raise SlipwayError(
                f"--diff: environment {env_name} is on AWS and no AWS credentials "
                "were found (allowed: a profile, SSO or role in the environment, or "
                "review without --diff)"
            )
        clients = functools.partial(session.client)
        aws_env = {}
        where = "AWS"

    names = [stack.name for stack in stacks]
    try:
        deployed = [name for name in names if inventory.stack_exists(clients, name)]
    except (BotoCoreError, ClientError) as error:
        raise SlipwayError(
            f"--diff: could not read the stacks of {env_name} on {where}: {error}"
        ) from None
    if not deployed:
        return DiffDigest(
            deployed=False,
            note=f"{env_name} is not deployed on {where} yet: every resource would be "
            "new.",
        )

    output = workdir / "diff.out"
    text = cdk.run(
        [
            "diff",
            "-c",
            f"env={env_name}",
            "-c",
            f"spec={spec_path}",
            "--output",
            str(output),
            "--no-color",
            *extra_args,
        ],
        root=root,
        env=aws_env,
        capture=True,
    )
    logger.debug("cdk diff printed %d lines", len(text.splitlines()))
    changes, hidden = parse(text)
    new = {stack.name: stack.template for stack in read_assembly(output)}
    old = {name: _deployed_template(clients, name) for name in deployed}
    rollouts = rollouts_between(old, new)
    shown = [c for c in changes if c.kind not in IGNORED_TYPES]
    summary = (
        f"Compared with {env_name} as deployed on {where}: {len(shown)} change(s)"
        + (f", {hidden} more that only swap asset hashes" if hidden else "")
        + "."
    )
    return DiffDigest(
        deployed=True,
        note=summary,
        changes=tuple(shown),
        hidden=hidden,
        rollouts=tuple(rollouts),
        text=_without_hash_only(text),
    )


def parse(text: str) -> tuple[list[Change], int]:
    """The changes in `cdk diff` output, and how many only swapped asset hashes."""
    changes: list[Change] = []
    hidden = 0
    for stack, section, header, body in _blocks(text):
        match = _CHANGE.match(header)
        action, kind, rest = match.groups()
        words = rest.split()
        replace = "replace" in words or "replaced" in rest
        if section == "Resources":
            name = words[0] if words else kind
        else:
            singular = (section or "").rstrip("s")
            name = words[0].rstrip(":") if kind == singular and words else kind
            kind = singular
        properties = _properties(body)
        if action == "~" and body and not any(properties.values()):
            hidden += 1
            continue
        changes.append(
            Change(
                stack=stack,
                action=_ACTIONS[action],
                kind=kind,
                name=name,
                replace=replace,
                properties=tuple(name for name, real in properties.items() if real),
            )
        )
    return changes, hidden


def rollouts_between(
    old: Mapping[str, Mapping], new: Mapping[str, Mapping]
) -> list[Rollout]:
    """ECS services whose tasks a deploy from `old` to `new` templates replaces."""
    rollouts = []
    for stack_name, template in sorted(new.items()):
        before = old.get(stack_name)
        if before is None:
            continue
        resources = template.get("Resources", {})
        old_resources = before.get("Resources", {})
        for logical_id, resource in sorted(resources.items()):
            if resource.get("Type") != "AWS::ECS::Service":
                continue
            if logical_id not in old_resources:
                continue
            props = resource.get("Properties", {})
            task_id = target(props.get("TaskDefinition"))
            old_task_id = target(
                old_resources[logical_id].get("Properties", {}).get("TaskDefinition")
            )
            name = _main_container(resource, resources.get(task_id, {}))
            if task_id != old_task_id or old_task_id not in old_resources:
                reasons = ["its task definition is a new resource"]
            else:
                reasons = task_changes(
                    old_resources[old_task_id].get("Properties", {}),
                    resources.get(task_id, {}).get("Properties", {}),
                )
            if reasons:
                rollouts.append(Rollout(name, stack_name, tuple(reasons)))
    return rollouts


def task_changes(old: Mapping, new: Mapping) -> list[str]:
    """Why a task definition differs, in a reviewer's words."""
    reasons = []
    old_containers = {c.get("Name"): c for c in old.get("ContainerDefinitions", [])}
    new_containers = {c.get("Name"): c for c in new.get("ContainerDefinitions", [])}
    for name in sorted(new_containers.keys() - old_containers.keys()):
        reasons.append(f"container {name} added")
    for name in sorted(old_containers.keys() - new_containers.keys()):
        reasons.append(f"container {name} removed")
    for name in [n for n in new_containers if n in old_containers]:
        before, after = old_containers[name], new_containers[name]
        for key in sorted(before.keys() | after.keys()):
            if before.get(key) == after.get(key):
                continue
            reasons.append(f"container {name}: {_container_change(key, before, after)}")
    for key in sorted((old.keys() | new.keys()) - {"ContainerDefinitions"}):
        if old.get(key) != new.get(key):
            what = _TASK_KEYS.get(key, key)
            if key in {"Cpu", "Memory"}:
                reasons.append(f"{what} {old.get(key)} -> {new.get(key)}")
            else:
                reasons.append(f"{what} changed")
    return reasons


def _container_change(key: str, before: Mapping, after: Mapping) -> str:
    label = _CONTAINER_KEYS.get(key, key)
    old, new = before.get(key), after.get(key)
    if key == "Image":
        if isinstance(old, str) and isinstance(new, str):
            return f"image {old} -> {new}"
        return "image rebuilt from changed sources"
    if key in {"Environment", "Secrets"}:
        old_items = {v.get("Name"): v for v in old or []}
        new_items = {v.get("Name"): v for v in new or []}
        parts = [f"{n} added" for n in sorted(new_items.keys() - old_items.keys())]
        parts += [f"{n} removed" for n in sorted(old_items.keys() - new_items.keys())]
        parts += [
            f"{n} changed"
            for n in sorted(old_items.keys() & new_items.keys())
            if old_items[n] != new_items[n]
        ]
        return f"{label}: {', '.join(parts)}"
    if key in {"Cpu", "Memory", "MemoryReservation"}:
        return f"{label} {old} -> {new}"
    return f"{label} changed"


def _main_container(service: Mapping, task: Mapping) -> str:
    for balancer in service.get("Properties", {}).get("LoadBalancers", []):
        if "ContainerName" in balancer:
            return balancer["ContainerName"]
    containers = task.get("Properties", {}).get("ContainerDefinitions", [])
    return containers[0].get("Name", "?") if containers else "?"


def _deployed_template(clients, stack_name: str) -> Mapping:
    body = clients("cloudformation").get_template(StackName=stack_name)["TemplateBody"]
    return json.loads(body) if isinstance(body, str) else body


def _blocks(text: str):
    """(stack, section, change line, detail lines) for every change in the output."""
    stack = section = None
    header: str | None = None
    body: list[str] = []
    for line in text.splitlines():
        if (match := _STACK.match(line)) is not None:
            if header:
                yield stack, section, header, body
            stack, section, header, body = match.group(1), None, None, []
        elif line.strip() in _SECTIONS:
            if header:
                yield stack, section, header, body
            section, header, body = line.strip(), None, []
        elif _CHANGE.match(line) and section not in {None, "IAM Statement Changes"}:
            if header:
                yield stack, section, header, body
            header, body = line, []
        elif header is not None and line.startswith(" "):
            body.append(line)
        elif header is not None and not line.strip():
            yield stack, section, header, body
            header, body = None, []
    if header:
        yield stack, section, header, body


def _properties(body: list[str]) -> dict[str, bool]:
    """Each changed property, and whether it changed more than an asset hash."""
    found: dict[str, list[str]] = {}
    current = None
    for line in body:
        if (match := _PROPERTY.match(line)) is not None:
            current = match.group(2)
            found[current] = []
        elif current is not None:
            found[current].append(line)
    return {name: not _hash_only(lines) for name, lines in found.items()}


def _hash_only(lines: list[str]) -> bool:
    removed = sorted(_masked(line) for line in lines if "[-]" in line)
    added = sorted(_masked(line) for line in lines if "[+]" in line)
    has_hash = any(ASSET_HASH.search(line) for line in lines)
    return bool(removed) and has_hash and removed == added


def _masked(line: str) -> str:
    text = line.replace("[-]", "").replace("[+]", "").strip()
    return ASSET_HASH.sub("<hash>", text).replace("(replaced)", "").strip()


def _without_hash_only(text: str) -> str:
    """The CLI's text with the blocks of hash-only changes left out."""
    kept: list[str] = []
    skipping = False
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _CHANGE.match(line):
            body = []
            for following in lines[i + 1 :]:
                if not following.startswith(" "):
                    break
                body.append(following)
            properties = _properties(body)
            skipping = (
                line.startswith("[~]") and bool(body) and not any(properties.values())
            )
        elif not line.startswith(" "):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept).strip()
