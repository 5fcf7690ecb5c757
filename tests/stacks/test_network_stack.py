"""The network stack: a VPC over two availability zones and the ECS cluster."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from tests.conftest import BASE_SPEC, make_build_contexts, synth, write_spec


@pytest.fixture(scope="module")
def networks(tmp_path_factory) -> dict[int, Template]:
    """The network template with no NAT gateway and with one."""
    folder = tmp_path_factory.mktemp("project")
    make_build_contexts(folder)
    spec = {**BASE_SPEC, "environments": {"lean": {"nat_gateways": 0}, "full": {}}}
    path = write_spec(folder, spec)
    return {
        nat: synth(path, env, tmp_path_factory.mktemp(env))[f"shop-{env}-network"]
        for nat, env in ((0, "lean"), (1, "full"))
    }


@pytest.mark.parametrize("nat", [0, 1])
def test_the_vpc_spans_two_availability_zones(networks, nat):
    template = networks[nat]
    public = template.find_resources(
        "AWS::EC2::Subnet", {"Properties": {"MapPublicIpOnLaunch": True}}
    )
    zones = {
        str(subnet["Properties"]["AvailabilityZone"]) for subnet in public.values()
    }

    template.resource_count_is("AWS::EC2::VPC", 1)
    assert len(public) == 2
    assert len(zones) == 2


def test_without_nat_gateways_there_are_only_public_subnets(networks):
    networks[0].resource_count_is("AWS::EC2::NatGateway", 0)
    networks[0].resource_count_is("AWS::EC2::Subnet", 2)


def test_with_a_nat_gateway_tasks_get_private_subnets_with_a_way_out(networks):
    networks[1].resource_count_is("AWS::EC2::NatGateway", 1)
    networks[1].resource_count_is("AWS::EC2::Subnet", 4)
    networks[1].has_resource_properties(
        "AWS::EC2::Route",
        {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": Match.any_value()},
    )


def test_the_cluster_offers_fargate_and_fargate_spot(networks):
    networks[1].resource_count_is("AWS::ECS::Cluster", 1)
    networks[1].has_resource_properties(
        "AWS::ECS::ClusterCapacityProviderAssociations",
        {"CapacityProviders": Match.array_with(["FARGATE", "FARGATE_SPOT"])},
    )


def test_the_cluster_name_is_a_stack_output(networks):
    outputs = networks[1].find_outputs("ClusterName")

    assert len(outputs) == 1
