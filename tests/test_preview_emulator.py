"""End to end: previews of two branches on the emulator, with the real CDK CLI."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from slipway import cdk, cli, emulator, inventory, local, preview_lifecycle
from slipway.preview import make_preview
from slipway.preview_names import preview_name, tag_value
from slipway.spec import load_spec
from tests.conftest import REPO, free_port

APP = "slipway"
ENV = "local"
NETWORK = "slipway-local-network"
FIRST = "feature/ABC-123_long-name"
SECOND = "Feature/abc-123-long-name"
THIRD = "release/1.2.3"
# Tag values cannot hold '#', '(', ')' or '!': the branch tag then names no branch.
UNTAGGABLE = "fix/#42 (wip)!"
IMAGE_TAG = "0123abc"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway"
# Stacks that look like previews in one way only: gc must leave them alone.
DECOYS = {
    # The preview prefix, but no preview tag.
    "slipway-local-preview-decoy-00000000": {"expires-at": "2000-01-01T00:00:00Z"},
    # Preview tags, but not the preview prefix.
    "slipway-local-tools": {
        "app": APP,
        "preview": "tools",
        "expires-at": "2000-01-01T00:00:00Z",
    },
}
DECOY_TEMPLATE = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}}


@dataclass(frozen=True)
class Snapshot:
    """The emulator right after both previews came up."""

    first: preview_lifecycle.DeployedPreview
    second_output: str
    second_markdown: str
    second_urls: dict[str, str]
    listed: list[preview_lifecycle.ListedPreview]
    stacks: list[str]
    balancers: list[str]
    services: dict[str, list[str]]
    images: list[str]


@pytest.fixture(scope="module")
def spec():
    return load_spec(REPO / "deploy.yaml")


@pytest.fixture(scope="module")
def target(state):
    return preview_lifecycle.emulator_target(state, free_port(), lambda _: None)


@pytest.fixture(scope="module")
def project_state(state):
    """The CLI's state folder pointed at this module's emulator."""
    patch = pytest.MonkeyPatch()
    patch.setattr(emulator, "state_dir", lambda root: state)
    yield state
    patch.undo()


def _up(target, state, spec, branch: str, **options):
    loaded, path = spec
    preview = make_preview(
        app=APP,
        env_name=ENV,
        branch=branch,
        expires_at=options.pop("expires_at", datetime.now(UTC) + timedelta(days=3)),
        **options,
    )
    return preview_lifecycle.up(
        target=target,
        root=REPO,
        spec=loaded,
        spec_path=path.resolve(),
        preview=preview,
        output=state / "cdk.out" / preview.name,
        progress=lambda _: None,
    )


def _stacks(clients) -> list[str]:
    pages = clients("cloudformation").get_paginator("describe_stacks").paginate()
    return sorted(
        stack["StackName"]
        for page in pages
        for stack in page["Stacks"]
        if stack["StackStatus"] != "DELETE_COMPLETE"
    )


def _active_services(clients) -> dict[str, list[str]]:
    ecs = clients("ecs")
    found = {}
    for cluster in ecs.list_clusters()["clusterArns"]:
        arns = ecs.list_services(cluster=cluster)["serviceArns"]
        described = (
            ecs.describe_services(cluster=cluster, services=arns)["services"]
            if arns
            else []
        )
        active = [s["serviceName"] for s in described if s["status"] == "ACTIVE"]
        if active:
            found[cluster] = sorted(active)
    return found


@pytest.fixture(scope="module")
def snapshot(target, state, spec, project_state) -> Snapshot:
    first = _up(target, state, spec, FIRST, pull_request=7, image_tag=IMAGE_TAG)
    # The second comes up through the command line, as CI runs it.
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = cli.main(
            [
                "preview",
                "up",
                "--branch",
                SECOND,
                "--pr",
                "8",
                "--markdown",
                str(state / "preview.md"),
            ]
        )
    assert status == 0, printed.getvalue()
    clients = target.clients
    ecs = clients("ecs")
    images = sorted(
        container["image"]
        for arn in ecs.list_task_definitions()["taskDefinitionArns"]
        for container in ecs.describe_task_definition(taskDefinition=arn)[
            "taskDefinition"
        ]["containerDefinitions"]
    )
    return Snapshot(
        first=first,
        second_output=printed.getvalue(),
        second_markdown=(state / "preview.md").read_text(),
        second_urls=inventory.stack_outputs(
            clients, f"slipway-local-preview-{preview_name(SECOND)}"
        ),
        listed=preview_lifecycle.list_previews(target=target, app=APP, env_name=ENV),
        stacks=_stacks(clients),
        balancers=sorted(
            b["DNSName"]
            for b in clients("elbv2").describe_load_balancers()["LoadBalancers"]
        ),
        services=_active_services(clients),
        images=images,
    )


@pytest.fixture(scope="module")
def redeployed(snapshot, target, state, spec):
    """The first preview deployed again, a day later in its life, with a new image."""
    expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=4)
    deployed = _up(
        target, state, spec, FIRST, expires_at=expires_at, image_tag="4567def"
    )
    return deployed, expires_at


@pytest.fixture(scope="module")
def first_down(redeployed, target):
    return preview_lifecycle.down(
        target=target, app=APP, env_name=ENV, name=preview_name(FIRST)
    )


def test_both_previews_exist_under_distinct_names(snapshot):
    names = [listed.name for listed in snapshot.listed]

    assert sorted(names) == sorted([preview_name(FIRST), preview_name(SECOND)])
    assert {listed.branch for listed in snapshot.listed} == {FIRST, SECOND}
    assert {listed.pull_request for listed in snapshot.listed} == {"7", "8"}


def test_both_previews_share_the_one_network_stack_and_cluster(snapshot):
    assert snapshot.stacks == sorted(
        [
            "CDKToolkit",
            NETWORK,
            f"slipway-local-preview-{preview_name(FIRST)}",
            f"slipway-local-preview-{preview_name(SECOND)}",
        ]
    )
    ((cluster, services),) = snapshot.services.items()
    assert cluster.split("/")[-1].startswith(NETWORK)
    assert len(services) == 4


def test_each_preview_has_load_balancers_of_its_own(snapshot):
    assert len(snapshot.balancers) == 4
    assert len(set(snapshot.balancers)) == 4
    assert set(snapshot.first.urls.values()) <= {
        f"http://{name}" for name in snapshot.balancers
    }


def test_with_an_image_tag_the_preview_refers_to_the_pushed_images(snapshot):
    assert f"{ECR}/backend:{IMAGE_TAG}" in snapshot.images
    assert f"{ECR}/frontend:{IMAGE_TAG}" in snapshot.images
    # The other preview had no image tag: it keeps the emulator's references.
    assert "slipway/backend:local" in snapshot.images


def test_up_prints_the_urls_and_the_monthly_cost(snapshot):
    output = snapshot.second_output

    assert "backend: http://" in output
    assert "frontend: http://" in output
    assert "Fargate vCPU, Spot" in output
    total = snapshot.first.estimate.total
    assert f"${total:,.2f}" in output


def test_up_writes_the_urls_and_the_cost_as_markdown_for_the_pull_request(snapshot):
    markdown = snapshot.second_markdown

    assert markdown.startswith(f"### Preview `{preview_name(SECOND)}`")
    assert f"| backend | {snapshot.second_urls['BackendUrl']} |" in markdown
    assert f"| frontend | {snapshot.second_urls['FrontendUrl']} |" in markdown
    assert f"**${snapshot.first.estimate.total:,.2f}**" in markdown


def test_the_preview_cost_counts_spot_tasks_and_two_load_balancers(snapshot):
    lines = {line.item: line for line in snapshot.first.estimate.lines}

    assert lines["Fargate vCPU, Spot"].quantity == pytest.approx(2 * 0.25 * 730)
    assert lines["Application load balancers"].quantity == pytest.approx(2 * 730)
    assert "Fargate vCPU, on-demand" not in lines


def test_the_cdk_cli_names_the_same_stack_from_the_branch(spec, target):
    _, path = spec

    listed = cdk.run(
        [
            "list",
            "-c",
            f"env={ENV}",
            "-c",
            f"spec={path.resolve()}",
            "-c",
            f"preview={FIRST}",
        ],
        root=REPO,
        env=target.cdk_environment,
        capture=True,
    )

    assert f"slipway-local-preview-{preview_name(FIRST)}" in listed.split()


def test_deploying_a_preview_again_moves_its_expiry_and_its_images(redeployed, target):
    deployed, expires_at = redeployed
    ecs = target.clients("ecs")

    listed = preview_lifecycle.list_previews(target=target, app=APP, env_name=ENV)
    images = {
        container["image"]
        for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]
        for container in ecs.describe_task_definition(taskDefinition=arn)[
            "taskDefinition"
        ]["containerDefinitions"]
    }
    (first,) = [p for p in listed if p.branch == FIRST]
    assert len(listed) == 2
    assert first.expires_at == expires_at
    assert f"{ECR}/backend:4567def" in images
    assert f"{ECR}/backend:{IMAGE_TAG}" not in images
    assert set(deployed.urls) == {"backend", "frontend"}


def test_taking_one_preview_down_leaves_nothing_of_it(first_down, target):
    assert first_down.existed
    assert first_down.failure is None
    assert first_down.leftovers == []
    assert not inventory.stack_exists(target.clients, first_down.stack_name)


def test_taking_one_preview_down_leaves_the_other_intact(first_down, target, snapshot):
    clients = target.clients
    second = f"slipway-local-preview-{preview_name(SECOND)}"

    assert inventory.stack_exists(clients, second)
    assert inventory.stack_exists(clients, NETWORK)
    ((_, services),) = _active_services(clients).items()
    assert len(services) == 2
    urls = inventory.stack_outputs(clients, second)
    balancers = {
        f"http://{b['DNSName']}"
        for b in clients("elbv2").describe_load_balancers()["LoadBalancers"]
    }
    assert balancers == {urls["BackendUrl"], urls["FrontendUrl"]}


def test_taking_the_same_preview_down_twice_is_fine(first_down, target):
    again = preview_lifecycle.down(
        target=target, app=APP, env_name=ENV, name=preview_name(FIRST)
    )

    assert not again.existed
    assert again.leftovers == []


def test_down_of_a_preview_that_does_not_exist_says_so_and_exits_0(
    first_down, project_state, capsys
):
    status = cli.main(["preview", "down", "--branch", FIRST])

    output = " ".join(capsys.readouterr().out.split())
    assert status == 0
    assert f"No preview of {FIRST} exists" in output
    assert "nothing to destroy" in output


@pytest.fixture(scope="module")
def collected(first_down, target, state, spec):
    """gc an hour after a short-lived third preview expired, decoys around."""
    now = datetime.now(UTC)
    _up(target, state, spec, THIRD, expires_at=now + timedelta(minutes=1))
    cloudformation = target.clients("cloudformation")
    for name, tags in DECOYS.items():
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=json.dumps(DECOY_TEMPLATE),
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
    later = now + timedelta(hours=1)
    arguments = dict(
        target=target, app=APP, env_name=ENV, now=later, max_age=timedelta(days=7)
    )
    dry = preview_lifecycle.gc(**arguments, dry_run=True, progress=lambda _: None)
    after_dry = _stacks(target.clients)
    real = preview_lifecycle.gc(**arguments, dry_run=False, progress=lambda _: None)
    return dry, after_dry, real, _stacks(target.clients)


def test_gc_dry_run_lists_the_expired_preview_and_destroys_nothing(collected):
    dry, after_dry, _, _ = collected

    assert [listed.name for listed in dry.expired] == [preview_name(THIRD)]
    assert dry.teardowns == []
    assert f"slipway-local-preview-{preview_name(THIRD)}" in after_dry


def test_gc_destroys_only_the_expired_preview(collected):
    _, _, real, remaining = collected

    assert [listed.name for listed in real.expired] == [preview_name(THIRD)]
    assert [listed.name for listed in real.kept] == [preview_name(SECOND)]
    assert [t.leftovers for t in real.teardowns] == [[]]
    assert f"slipway-local-preview-{preview_name(THIRD)}" not in remaining
    assert f"slipway-local-preview-{preview_name(SECOND)}" in remaining


def test_gc_leaves_every_stack_that_is_not_a_preview_alone(collected):
    _, _, _, remaining = collected

    for name in ["CDKToolkit", NETWORK, *DECOYS]:
        assert name in remaining


def test_gc_also_collects_a_preview_not_deployed_for_longer_than_max_age(
    collected, target
):
    later = datetime.now(UTC) + timedelta(days=4)

    result = preview_lifecycle.gc(
        target=target,
        app=APP,
        env_name=ENV,
        now=later,
        max_age=timedelta(days=1),
        dry_run=True,
        progress=lambda _: None,
    )

    assert [listed.name for listed in result.expired] == [preview_name(SECOND)]


@pytest.fixture(scope="module")
def untaggable(collected, target, project_state):
    """A preview whose branch tag lost characters, listed and taken down by name."""
    name = preview_name(UNTAGGABLE)
    tags = {"app": APP, "preview": name, "branch": tag_value(UNTAGGABLE)}
    target.clients("cloudformation").create_stack(
        StackName=f"slipway-local-preview-{name}",
        TemplateBody=json.dumps(DECOY_TEMPLATE),
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    listing = io.StringIO()
    # Wide enough that the table folds no cell.
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(listing):
        patch.setenv("COLUMNS", "200")
        listed = cli.main(["preview", "list"])
    taking_down = io.StringIO()
    with contextlib.redirect_stdout(taking_down):
        taken_down = cli.main(["preview", "down", "--name", name])
    return (
        name,
        (listed, " ".join(listing.getvalue().split())),
        (taken_down, " ".join(taking_down.getvalue().split())),
    )


def test_list_marks_a_branch_it_cannot_name_exactly_and_says_to_use_its_name(
    untaggable,
):
    _, (status, output), _ = untaggable

    assert status == 0
    assert f"{tag_value(UNTAGGABLE)} (as tagged)" in output
    assert f"{SECOND} (as tagged)" not in output
    assert "take its preview down by name: `slipway preview down --name PREVIEW`" in (
        output
    )


def test_down_by_name_destroys_the_preview_list_shows(untaggable, target):
    name, _, (status, output) = untaggable

    assert status == 0
    assert f"Destroyed slipway-local-preview-{name}" in output
    assert not inventory.stack_exists(target.clients, f"slipway-local-preview-{name}")


def test_environment_down_destroys_the_previews_on_it_first(
    untaggable, state, spec, target
):
    loaded, path = spec
    progress = []

    destroyed = local.down(
        root=REPO,
        state=state,
        spec=loaded,
        spec_path=path.resolve(),
        env_name=ENV,
        progress=progress.append,
    )

    second = f"slipway-local-preview-{preview_name(SECOND)}"
    assert destroyed.previews == [second]
    assert destroyed.leftovers == []
    assert progress[0] == f"destroying preview {second}"
    assert progress[1].startswith("destroying slipway-local-services")
    assert emulator.running(state) is None
