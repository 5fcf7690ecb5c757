"""Who may reach each load balancer, and where each service's grants go."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from stacks.services import ALLOWED_CIDRS_METADATA, ServicesStack
from tests.conftest import BASE_SPEC, make_build_contexts, write_spec

OFFICE = "203.0.113.0/24"


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> cdk.App:
    """dev with the backend narrowed to one office block, synthesized once."""
    import app as slipway_app

    folder = tmp_path_factory.mktemp("project")
    make_build_contexts(folder)
    spec = {**BASE_SPEC, "environments": {**BASE_SPEC["environments"]}}
    spec["environments"]["dev"] = {
        "allowed_cidrs": ["0.0.0.0/0"],
        "services": {"backend": {"allowed_cidrs": [OFFICE]}},
    }
    path = write_spec(folder, spec)
    cdk_app = cdk.App(
        context={"env": "dev", "spec": str(path)},
        outdir=str(tmp_path_factory.mktemp("out")),
    )
    slipway_app.build(cdk_app)
    return cdk_app


@pytest.fixture(scope="module")
def stack(app) -> ServicesStack:
    return next(c for c in app.node.children if isinstance(c, ServicesStack))


@pytest.fixture(scope="module")
def template(stack) -> Template:
    stack.workloads["backend"].add_to_task_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"], resources=["arn:aws:s3:::notes/*"]
        )
    )
    return Template.from_stack(stack)


def test_the_shared_group_admits_every_block_any_service_is_meant_for(template):
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "Shared by the load balancers of every service",
            "SecurityGroupIngress": [
                Match.object_like({"CidrIp": OFFICE, "FromPort": 80}),
                Match.object_like({"CidrIp": "0.0.0.0/0", "FromPort": 80}),
            ],
        },
    )


def test_each_load_balancer_records_the_blocks_its_service_is_meant_for(template):
    balancers = template.find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer")

    meant = sorted(b["Metadata"][ALLOWED_CIDRS_METADATA] for b in balancers.values())

    assert meant == [["0.0.0.0/0"], [OFFICE]]


def test_a_grant_to_one_service_lands_in_a_policy_of_its_own_on_the_shared_role(
    template,
):
    shared = next(
        iter(
            template.find_resources(
                "AWS::IAM::Role",
                {"Properties": {"Description": Match.string_like_regexp("^Shared")}},
            )
        )
    )

    policies = template.find_resources("AWS::IAM::Policy")

    on_shared = [
        p["Properties"]
        for p in policies.values()
        if p["Properties"]["Roles"] == [{"Ref": shared}]
    ]
    assert len(on_shared) == 1
    assert on_shared[0]["PolicyDocument"]["Statement"] == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": "arn:aws:s3:::notes/*",
        }
    ]
