"""Preview environments brought up, listed, torn down and collected when expired."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import boto3
from botocore.exceptions import ClientError, WaiterError

from slipway import cdk, cost, emulator, inventory, local, preview_names
from slipway.errors import SlipwayError
from slipway.preview import (
    EXPIRES_AT_FORMAT,
    TAG_APP,
    TAG_BRANCH,
    TAG_EXPIRES_AT,
    TAG_PREVIEW,
    TAG_PULL_REQUEST,
    Preview,
    format_expires_at,
)
from slipway.spec import Spec

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


class TargetKind(StrEnum):
    """Where previews live."""

    EMULATOR = "emulator"
    AWS = "aws"


# Inactive ECS services and task definitions stay listed for a while after their
# deletion, on AWS as on the emulator, and cost nothing.
_GONE_ECS_STATUSES = {"INACTIVE", "DELETE_IN_PROGRESS", "DRAINING"}


@dataclass(frozen=True)
class Target:
    """Where previews live: the emulator or an AWS account, and how to reach it."""

    kind: TargetKind
    clients: inventory.Clients
    region: str
    # What the CDK CLI needs on top of the process environment to reach the target.
    cdk_environment: dict[str, str] = field(default_factory=dict)

    @property
    def emulated(self) -> bool:
        return self.kind == TargetKind.EMULATOR


@dataclass(frozen=True)
class DeployedPreview:
    """What `up` made: the stack, the URLs and what the preview costs a month."""

    preview: Preview
    urls: dict[str, str]
    estimate: cost.Estimate


@dataclass(frozen=True)
class ListedPreview:
    """A preview stack found in the target, as its tags describe it."""

    name: str
    stack_name: str
    status: str
    branch: str
    pull_request: str | None
    expires_at: datetime | None
    deployed_at: datetime


@dataclass(frozen=True)
class Teardown:
    """What `down` found: whether the preview existed, and what outlived it."""

    stack_name: str
    existed: bool
    leftovers: list[inventory.Item]
    failure: str | None = None


@dataclass(frozen=True)
class Collection:
    """What `gc` decided for each preview at one moment."""

    now: datetime
    expired: list[ListedPreview]
    kept: list[ListedPreview]
    teardowns: list[Teardown]


def emulator_target(state: Path, port: int | None, progress: Progress) -> Target:
    """The local emulator, started first if it does not run."""
    running, started = emulator.start(state, port)
    progress(
        f"emulator {'started' if started else 'already running'} at {running.endpoint}"
    )
    return running_emulator_target(running)


def running_emulator_target(running: emulator.Emulator) -> Target:
    """An emulator that runs already, as a place previews live."""
    return Target(
        kind=TargetKind.EMULATOR,
        clients=local.clients_for(running),
        region=emulator.REGION,
        cdk_environment=running.aws_environment(),
    )


def aws_target(region: str | None, *, env_name: str) -> Target:
    """The AWS account of the ambient credentials (environment, profile or role)."""
    session = boto3.Session(region_name=region) if region else boto3.Session()
    if session.region_name is None:
        raise SlipwayError(
            f"--target aws: no region (allowed: environments.{env_name}.region in "
            "the spec, AWS_REGION or AWS_DEFAULT_REGION)"
        )
    return Target(
        kind=TargetKind.AWS,
        clients=session.client,
        region=session.region_name,
        cdk_environment={
            "AWS_REGION": session.region_name,
            "AWS_DEFAULT_REGION": session.region_name,
        },
    )


def up(
    *,
    target: Target,
    root: Path,
    spec: Spec,
    spec_path: Path,
    preview: Preview,
    output: Path,
    progress: Progress,
) -> DeployedPreview:
    """Deploy the preview's stack (and the base network, if it is missing)."""
    if target.emulated:
        local.bootstrap(
            target.clients,
            root=root,
            env=target.cdk_environment,
            cwd=output.parent,
            progress=progress,
        )
        if inventory.stack_exists(target.clients, preview.stack_name):
            # NOTE: moto's stack updates lose resources it cannot update and
            # register broken task definitions, so on the emulator a preview
            # deployed again is replaced. On AWS it is updated in place.
            progress(f"replacing {preview.stack_name}: the emulator cannot update it")
            down(
                target=target,
                app=preview.app,
                env_name=preview.env_name,
                name=preview.name,
            )
    progress(f"deploying {preview.stack_name}")
    arguments = [
        "deploy",
        preview.stack_name,
        *_context(spec_path, preview),
        "--output",
        str(output),
        "--require-approval=never",
        "--progress=events",
    ]
    if target.emulated:
        # NOTE: with change sets the emulator drops stack outputs and exports.
        arguments.append("--method=direct")
    cdk.run(arguments, root=root, env=target.cdk_environment)

    outputs = inventory.stack_outputs(target.clients, preview.stack_name)
    urls = local.service_urls(spec, outputs)
    template = json.loads(
        (output / f"{preview.stack_name}.template.json").read_text(encoding="utf-8")
    )
    return DeployedPreview(
        preview=preview,
        urls=urls,
        estimate=cost.estimate({preview.stack_name: template}, region=target.region),
    )


def down(*, target: Target, app: str, env_name: str, name: str) -> Teardown:
    """Delete the preview's stack, then look for anything still tagged with it."""
    stack_name = preview_names.stack_name(app, env_name, name)
    if not inventory.stack_exists(target.clients, stack_name):
        return Teardown(stack_name=stack_name, existed=False, leftovers=[])
    owned = inventory.resources(target.clients, [stack_name])
    cloudformation = target.clients("cloudformation")
    cloudformation.delete_stack(StackName=stack_name)
    failure = None
    try:
        cloudformation.get_waiter("stack_delete_complete").wait(
            StackName=stack_name, WaiterConfig=_waiter_config(target)
        )
    except WaiterError as error:
        failure = _stack_failure(target, stack_name) or str(error)
    leftovers = [
        *tagged_leftovers(target.clients, app, name),
        *inventory.describe(target.clients, owned),
    ]
    return Teardown(
        stack_name=stack_name, existed=True, leftovers=leftovers, failure=failure
    )


def list_previews(*, target: Target, app: str, env_name: str) -> list[ListedPreview]:
    """Every preview stack of `app` on `env_name`, known by its name and its tags.

    A stack is a preview only when its name has the preview prefix and its
    `preview` and `app` tags agree with that name: a stack that merely looks like
    one is never listed, so never collected.
    """
    prefix = preview_names.stack_prefix(app, env_name)
    found = []
    pages = target.clients("cloudformation").get_paginator("describe_stacks")
    for page in pages.paginate():
        for stack in page["Stacks"]:
            stack_name = stack["StackName"]
            if not stack_name.startswith(prefix):
                continue
            if stack["StackStatus"] == "DELETE_COMPLETE":
                continue
            tags = {tag["Key"]: tag["Value"] for tag in stack.get("Tags", [])}
            name = stack_name.removeprefix(prefix)
            if tags.get(TAG_PREVIEW) != name or tags.get(TAG_APP) != app:
                logger.debug("%s: not a preview (tags %s)", stack_name, tags)
                continue
            found.append(
                ListedPreview(
                    name=name,
                    stack_name=stack_name,
                    status=stack["StackStatus"],
                    branch=tags.get(TAG_BRANCH, ""),
                    pull_request=tags.get(TAG_PULL_REQUEST),
                    expires_at=_expires_at(tags.get(TAG_EXPIRES_AT)),
                    deployed_at=stack.get("LastUpdatedTime") or stack["CreationTime"],
                )
            )
    return sorted(found, key=lambda listed: listed.stack_name)


def gc(
    *,
    target: Target,
    app: str,
    env_name: str,
    now: datetime,
    max_age: timedelta,
    dry_run: bool,
    progress: Progress,
) -> Collection:
    """Destroy the previews that have expired at `now`; with `dry_run`, none."""
    expired, kept = [], []
    for listed in list_previews(target=target, app=app, env_name=env_name):
        (expired if has_expired(listed, now, max_age) else kept).append(listed)
    teardowns = []
    if not dry_run:
        for listed in expired:
            progress(f"destroying {listed.stack_name}")
            teardowns.append(
                down(target=target, app=app, env_name=env_name, name=listed.name)
            )
    return Collection(now=now, expired=expired, kept=kept, teardowns=teardowns)


def has_expired(listed: ListedPreview, now: datetime, max_age: timedelta) -> bool:
    """Past its expires-at, or not deployed again for longer than `max_age`.

    A preview whose expires-at is missing or unreadable expires by age alone.
    """
    if listed.expires_at is not None and listed.expires_at <= now:
        return True
    return listed.deployed_at + max_age <= now


def tagged_leftovers(
    clients: inventory.Clients, app: str, name: str
) -> list[inventory.Item]:
    """Resources that still carry the preview's tags, by the resource groups
    tagging API (which the emulator answers for EC2, ECS, ELB and Logs, not IAM)."""
    tagging = clients("resourcegroupstaggingapi")
    filters = [
        {"Key": TAG_APP, "Values": [app]},
        {"Key": TAG_PREVIEW, "Values": [name]},
    ]
    items = []
    for page in tagging.get_paginator("get_resources").paginate(TagFilters=filters):
        for resource in page["ResourceTagMappingList"]:
            arn = resource["ResourceARN"]
            if _ecs_gone(clients, arn):
                continue
            items.append(inventory.Item("tagged resource", arn, "still tagged"))
    return items


def _context(spec_path: Path, preview: Preview) -> Iterator[str]:
    yield from ("-c", f"env={preview.env_name}", "-c", f"spec={spec_path}")
    yield from ("-c", f"preview={preview.branch}")
    yield from ("-c", f"expires-at={format_expires_at(preview.expires_at)}")
    if preview.pull_request is not None:
        yield from ("-c", f"pr={preview.pull_request}")
    if preview.image_tag is not None:
        yield from ("-c", f"image-tag={preview.image_tag}")


def _waiter_config(target: Target) -> dict[str, int]:
    if target.emulated:
        return {"Delay": 1, "MaxAttempts": 120}
    return {"Delay": 10, "MaxAttempts": 180}


def _stack_failure(target: Target, stack_name: str) -> str | None:
    try:
        events = target.clients("cloudformation").describe_stack_events(
            StackName=stack_name
        )["StackEvents"]
    except ClientError:
        return None
    for event in events:
        if event.get("ResourceStatus", "").endswith("FAILED"):
            return f"{event['LogicalResourceId']}: {event.get('ResourceStatusReason')}"
    return None


def _expires_at(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, EXPIRES_AT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _ecs_gone(clients: inventory.Clients, arn: str) -> bool:
    """Whether an ECS service or task definition ARN names something inactive."""
    resource = arn.split(":", 5)[-1]
    ecs = clients("ecs")
    try:
        if resource.startswith("task-definition/"):
            task = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            return task.get("status") in _GONE_ECS_STATUSES
        if resource.startswith("service/"):
            cluster = resource.split("/")[1]
            found = ecs.describe_services(cluster=cluster, services=[arn])["services"]
            return all(s["status"] in _GONE_ECS_STATUSES for s in found)
    except ClientError:
        return True
    return False
