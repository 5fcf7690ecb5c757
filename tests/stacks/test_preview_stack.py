"""A preview's stack: lean copies of its base environment's services, on its network."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from slipway.cost import estimate
from slipway.errors import SlipwayError
from slipway.preview_names import preview_name
from tests.conftest import BASE_SPEC, make_build_contexts, write_spec

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
BRANCH = "feature/ABC-123#7!"
NAME = preview_name(BRANCH)
PREVIEW_STACK = f"shop-staging-preview-{NAME}"
EXPIRES_AT = "2030-01-31T18:00:00Z"

SPEC = copy.deepcopy(BASE_SPEC)
# A base that keeps everything and runs big: the preview must still be lean.
SPEC["environments"]["staging"] = {
    "removal_policy": "retain",
    "log_retention_days": 90,
    "nat_gateways": 1,
    "services": {"backend": {"desired_count": 3, "cpu": 512, "memory": 1024}},
}
SPEC["environments"]["local"]["services"] = {
    "backend": {"image": "shop/backend:local"},
    "frontend": {"image": "shop/frontend:local"},
}
SPEC["previews"] = {
    "base": "staging",
    "repositories": {"backend": f"{ECR}/shop/backend", "frontend": f"{ECR}/shop/web"},
}
PREVIEW_CONTEXT = {
    "preview": BRANCH,
    "pr": "42",
    "image-tag": "0123abc",
    "expires-at": EXPIRES_AT,
}
LEAN_TAGS = {
    "app": "shop",
    "environment": "staging",
    "preview": NAME,
    "branch": "feature/ABC-123_7_",
    "pull-request": "42",
    "expires-at": EXPIRES_AT,
}


def _synth(folder, env_name: str, spec: dict = SPEC, **context) -> dict[str, dict]:
    """The app's templates by stack name, for one environment and context."""
    import app as slipway_app

    make_build_contexts(folder)
    path = write_spec(folder, spec)
    cdk_app = cdk.App(
        context={"env": env_name, "spec": str(path), **context},
        outdir=str(folder / "cdk.out"),
    )
    slipway_app.build(cdk_app)
    return {stack.stack_name: stack.template for stack in cdk_app.synth().stacks}


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, dict]:
    return _synth(tmp_path_factory.mktemp("preview"), "staging", **PREVIEW_CONTEXT)


@pytest.fixture(scope="module")
def preview(templates) -> Template:
    return Template.from_json(templates[PREVIEW_STACK])


def test_a_preview_adds_one_stack_beside_its_base_stacks(templates):
    assert sorted(templates) == sorted(
        ["shop-staging-network", "shop-staging-services", PREVIEW_STACK]
    )


def test_the_network_stack_is_the_same_with_or_without_a_preview(
    templates, tmp_path_factory
):
    without = _synth(tmp_path_factory.mktemp("base"), "staging")

    assert templates["shop-staging-network"] == without["shop-staging-network"]


def test_a_preview_names_its_service_connect_namespace_apart_from_its_base(
    templates, preview
):
    base = Template.from_json(templates["shop-staging-services"])

    base.has_resource_properties(
        "AWS::ServiceDiscovery::HttpNamespace", {"Name": "shop-staging"}
    )
    preview.has_resource_properties(
        "AWS::ServiceDiscovery::HttpNamespace", {"Name": PREVIEW_STACK}
    )


def test_a_preview_has_no_network_or_cluster_of_its_own(preview):
    preview.resource_count_is("AWS::EC2::VPC", 0)
    preview.resource_count_is("AWS::EC2::NatGateway", 0)
    preview.resource_count_is("AWS::ECS::Cluster", 0)
    preview.has_resource_properties(
        "AWS::ECS::Service",
        {
            "Cluster": {
                "Fn::ImportValue": Match.string_like_regexp("^shop-staging-network:")
            }
        },
    )


def test_every_preview_service_runs_one_task_on_fargate_spot(preview):
    services = preview.find_resources("AWS::ECS::Service")

    assert len(services) == 2
    preview.all_resources_properties(
        "AWS::ECS::Service",
        {
            "DesiredCount": 1,
            "CapacityProviderStrategy": [
                {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}
            ],
            "LaunchType": Match.absent(),
        },
    )


def test_every_preview_task_is_the_smallest_fargate_size(preview):
    preview.all_resources_properties(
        "AWS::ECS::TaskDefinition", {"Cpu": "256", "Memory": "512"}
    )


def test_preview_logs_are_kept_a_few_days_and_deleted_with_the_stack(preview):
    preview.resource_count_is("AWS::Logs::LogGroup", 2)
    preview.all_resources(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"RetentionInDays": 3, "Tags": Match.any_value()},
            "DeletionPolicy": "Delete",
        },
    )


def test_every_preview_resource_is_deleted_with_the_stack(templates):
    resources = templates[PREVIEW_STACK]["Resources"]

    kept = {
        logical_id: resource.get("DeletionPolicy")
        for logical_id, resource in resources.items()
        if resource.get("DeletionPolicy", "Delete") != "Delete"
        or resource.get("UpdateReplacePolicy", "Delete") != "Delete"
    }
    assert kept == {}


def test_preview_load_balancers_have_deletion_protection_explicitly_off(preview):
    preview.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 2)
    preview.all_resources_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "deletion_protection.enabled", "Value": "false"}]
            ),
        },
    )


@pytest.mark.parametrize(
    "kind",
    [
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
    ],
)
def test_load_balancer_and_target_group_names_are_left_to_cloudformation(preview, kind):
    preview.all_resources_properties(kind, {"Name": Match.absent()})


@pytest.mark.parametrize(
    "kind",
    [
        "AWS::ECS::Service",
        "AWS::ECS::TaskDefinition",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::Logs::LogGroup",
        "AWS::EC2::SecurityGroup",
        "AWS::IAM::Role",
    ],
)
def test_every_preview_resource_carries_the_preview_tags(preview, kind):
    preview.all_resources_properties(
        kind,
        {
            "Tags": Match.array_with(
                [
                    {"Key": key, "Value": value}
                    for key, value in sorted(LEAN_TAGS.items())
                ]
            )
        },
    )


@pytest.mark.parametrize(
    ("container", "image"),
    [
        ("backend", f"{ECR}/shop/backend:0123abc"),
        ("frontend", f"{ECR}/shop/web:0123abc"),
    ],
)
def test_with_an_image_tag_each_service_runs_its_pushed_image(
    preview, container, image
):
    preview.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like({"Name": container, "Image": image})
            ]
        },
    )


def test_the_preview_outputs_each_service_url(preview):
    for key in ("BackendUrl", "FrontendUrl"):
        preview.has_output(
            key, {"Value": {"Fn::Join": ["", ["http://", Match.any_value()]]}}
        )


def test_a_preview_costs_spot_prices_and_no_network(templates):
    result = estimate({PREVIEW_STACK: templates[PREVIEW_STACK]}, region="us-east-1")

    items = {line.item: line.quantity for line in result.lines}
    assert "Fargate vCPU, on-demand" not in items
    assert items["Fargate vCPU, Spot"] == pytest.approx(2 * 0.25 * 730)
    assert items["Application load balancers"] == pytest.approx(2 * 730)
    assert "NAT gateways" not in items


def test_on_the_emulator_a_preview_refers_to_the_base_images(tmp_path):
    templates = _synth(tmp_path, "local", preview="main")

    (name,) = [n for n in templates if "-preview-" in n]
    assert name == f"shop-local-preview-{preview_name('main')}"
    Template.from_json(templates[name]).has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like({"Name": "backend", "Image": "shop/backend:local"})
            ]
        },
    )


@pytest.mark.parametrize(
    ("context", "message"),
    [
        pytest.param(
            {"preview": "///"},
            "-c preview: '///' has no letter or digit (allowed: a git branch name "
            "with at least one letter or digit, such as feature/login)",
            id="branch",
        ),
        pytest.param(
            {"preview": "main", "pr": "abc"},
            "-c pr: 'abc' is not a pull request number (allowed: a whole number "
            "from 1, such as 42)",
            id="pull-request",
        ),
        pytest.param(
            {"preview": "main", "image-tag": "-bad"},
            "-c image-tag: '-bad' is not an image tag (allowed: up to 128 letters, "
            "digits, '_', '.' and '-', not starting with '.' or '-', such as a "
            "commit SHA)",
            id="image-tag",
        ),
        pytest.param(
            {"preview": "main", "expires-at": "tomorrow"},
            "-c expires-at: 'tomorrow' is not a time (allowed: UTC as "
            "2030-01-31T18:00:00Z)",
            id="expires-at",
        ),
    ],
)
def test_bad_preview_context_names_the_context_key(tmp_path, context, message):
    with pytest.raises(SlipwayError) as caught:
        _synth(tmp_path, "staging", **context)

    assert str(caught.value) == message


def test_an_image_tag_needs_a_repository_for_every_service(tmp_path):
    spec = copy.deepcopy(SPEC)
    del spec["previews"]["repositories"]["frontend"]

    with pytest.raises(SlipwayError) as caught:
        _synth(tmp_path, "staging", spec, preview="main", **{"image-tag": "abc"})

    assert str(caught.value) == (
        "deploy.yaml: previews.repositories.frontend: is missing (allowed: the image "
        "repository CI pushes this service to, which --image-tag needs for every "
        "service)"
    )


def test_cfn_lint_reports_no_errors_for_the_preview_template(templates, tmp_path):
    path = tmp_path / f"{PREVIEW_STACK}.template.json"
    path.write_text(json.dumps(templates[PREVIEW_STACK]))

    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--format",
            "parseable",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    # parseable lines: FILE:LINE:COL:END_LINE:END_COL:RULE:MESSAGE
    findings = [line.split(":", 6) for line in result.stdout.splitlines()]
    assert [f for f in findings if len(f) == 7 and f[5].startswith("E")] == []
    assert result.returncode in (0, 4, 8, 12), result.stderr


@pytest.mark.parametrize(
    "repository", ["repository/shop/backend", "repository/shop/web"]
)
def test_each_task_may_pull_its_pushed_image_from_the_ecr_repository(
    preview, repository
):
    preview.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": Match.array_with(["ecr:BatchGetImage"]),
                                "Resource": {
                                    "Fn::Join": [
                                        "",
                                        [
                                            "arn:",
                                            {"Ref": "AWS::Partition"},
                                            f":ecr:us-east-1:123456789012:{repository}",
                                        ],
                                    ]
                                },
                            }
                        )
                    ]
                )
            }
        },
    )
