"""The emulator adapter: a deleted stack leaves nothing behind in moto."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.cloudformation.models import Stack

from slipway import emulator_adapter

REGION = "us-east-1"
STACK = "adapter-network"


def _ref(name: str) -> dict:
    return {"Ref": name}


def _attr(name: str, attribute: str) -> dict:
    return {"Fn::GetAtt": [name, attribute]}


# What slipway's network and services stacks hold, in one stack: a VPC with a
# public route to an internet gateway, a NAT gateway, a cluster with a Fargate
# service behind a load balancer, and an exported output.
TEMPLATE = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}},
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": _ref("Vpc"),
                "CidrBlock": "10.9.0.0/24",
                "AvailabilityZone": f"{REGION}a",
            },
        },
        "OtherSubnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": _ref("Vpc"),
                "CidrBlock": "10.9.1.0/24",
                "AvailabilityZone": f"{REGION}b",
            },
        },
        "Gateway": {"Type": "AWS::EC2::InternetGateway"},
        "Attachment": {
            "Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {"VpcId": _ref("Vpc"), "InternetGatewayId": _ref("Gateway")},
        },
        "Routes": {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": _ref("Vpc")},
        },
        "DefaultRoute": {
            "Type": "AWS::EC2::Route",
            "DependsOn": ["Attachment"],
            "Properties": {
                "RouteTableId": _ref("Routes"),
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": _ref("Gateway"),
            },
        },
        "Association": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"RouteTableId": _ref("Routes"), "SubnetId": _ref("Subnet")},
        },
        "NatAddress": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
        "Nat": {
            "Type": "AWS::EC2::NatGateway",
            "Properties": {
                "SubnetId": _ref("Subnet"),
                "AllocationId": _attr("NatAddress", "AllocationId"),
            },
        },
        "Group": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "tasks", "VpcId": _ref("Vpc")},
        },
        "Cluster": {"Type": "AWS::ECS::Cluster"},
        "Task": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {
                "Family": "adapter",
                "Cpu": "256",
                "Memory": "512",
                "NetworkMode": "awsvpc",
                "RequiresCompatibilities": ["FARGATE"],
                "ContainerDefinitions": [
                    {
                        "Name": "web",
                        "Image": "nginx:1",
                        "PortMappings": [{"ContainerPort": 80}],
                    }
                ],
            },
        },
        "Targets": {
            "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
            "Properties": {
                "Port": 80,
                "Protocol": "HTTP",
                "TargetType": "ip",
                "VpcId": _ref("Vpc"),
            },
        },
        "Balancer": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {
                "Subnets": [_ref("Subnet"), _ref("OtherSubnet")],
                "SecurityGroups": [_attr("Group", "GroupId")],
            },
        },
        "Listener": {
            "Type": "AWS::ElasticLoadBalancingV2::Listener",
            "Properties": {
                "LoadBalancerArn": _ref("Balancer"),
                "Port": 80,
                "Protocol": "HTTP",
                "DefaultActions": [
                    {"Type": "forward", "TargetGroupArn": _ref("Targets")}
                ],
            },
        },
        "Service": {
            "Type": "AWS::ECS::Service",
            "DependsOn": ["Listener"],
            "Properties": {
                "Cluster": _ref("Cluster"),
                "TaskDefinition": _ref("Task"),
                "DesiredCount": 1,
                "LaunchType": "FARGATE",
                "NetworkConfiguration": {
                    "AwsvpcConfiguration": {
                        "Subnets": [_ref("Subnet")],
                        "SecurityGroups": [_attr("Group", "GroupId")],
                    }
                },
                "LoadBalancers": [
                    {
                        "ContainerName": "web",
                        "ContainerPort": 80,
                        "TargetGroupArn": _ref("Targets"),
                    }
                ],
            },
        },
    },
    "Outputs": {
        "ClusterName": {
            "Value": _ref("Cluster"),
            "Export": {"Name": "adapter-network:ClusterName"},
        }
    },
}


@pytest.fixture
def adapter():
    """The adapter installed for one test, then moto's own models restored."""
    models = [Stack, *emulator_adapter.DELETERS]
    saved = {model: vars(model).get("delete") for model in models}
    installed = emulator_adapter.install()
    yield installed
    for model, delete in saved.items():
        if delete is None:
            del model.delete
        else:
            model.delete = delete


@pytest.fixture
def aws():
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


def _create_and_delete(aws) -> str:
    cloudformation = aws("cloudformation")
    stack_id = cloudformation.create_stack(
        StackName=STACK, TemplateBody=json.dumps(TEMPLATE)
    )["StackId"]
    cloudformation.delete_stack(StackName=STACK)
    return stack_id


def _what_remains(aws) -> dict[str, list[str]]:
    """Everything of the stack that any describe call still returns."""
    ec2, ecs, elbv2 = aws("ec2"), aws("ecs"), aws("elbv2")
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]
    clusters = ecs.list_clusters()["clusterArns"]
    described = ecs.describe_clusters(clusters=clusters)["clusters"] if clusters else []
    services = [
        service["serviceName"]
        for cluster in described
        for arn in [ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]]
        if arn
        for service in ecs.describe_services(
            cluster=cluster["clusterArn"], services=arn
        )["services"]
        if service["status"] == "ACTIVE"
    ]
    return {
        "vpcs": vpcs,
        "route tables": [
            t["RouteTableId"]
            for t in ec2.describe_route_tables(
                Filters=[{"Name": "vpc-id", "Values": vpcs}]
            )["RouteTables"]
        ]
        if vpcs
        else [],
        "internet gateways": [
            g["InternetGatewayId"]
            for g in ec2.describe_internet_gateways()["InternetGateways"]
        ],
        "nat gateways": [
            g["NatGatewayId"]
            for g in ec2.describe_nat_gateways()["NatGateways"]
            if g["State"] != "deleted"
        ],
        "elastic ips": [a["PublicIp"] for a in ec2.describe_addresses()["Addresses"]],
        "clusters": [c["clusterName"] for c in described if c["status"] == "ACTIVE"],
        "ecs services": services,
        "task definitions": [
            arn
            for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]
        ],
        "target groups": [
            g["TargetGroupName"] for g in elbv2.describe_target_groups()["TargetGroups"]
        ],
        "load balancers": [
            b["LoadBalancerName"]
            for b in elbv2.describe_load_balancers()["LoadBalancers"]
        ],
    }


NOTHING = {
    "vpcs": [],
    "route tables": [],
    "internet gateways": [],
    "nat gateways": [],
    "elastic ips": [],
    "clusters": [],
    "ecs services": [],
    "task definitions": [],
    "target groups": [],
    "load balancers": [],
}


def test_the_adapter_fills_every_gap_it_names(adapter):
    assert adapter == [
        "Stack outputs",
        *(model.__name__ for model in emulator_adapter.DELETERS),
        *(f"{model.__name__} attributes" for model in emulator_adapter.ATTRIBUTES),
    ]


def test_with_the_adapter_deleting_the_stack_leaves_nothing_behind(adapter, aws):
    _create_and_delete(aws)

    assert _what_remains(aws) == NOTHING
    (stack,) = aws("cloudformation").list_stacks()["StackSummaries"]
    assert stack["StackStatus"] == "DELETE_COMPLETE"


def test_reading_a_deleted_stack_does_not_create_its_outputs_again(adapter, aws):
    stack_id = _create_and_delete(aws)

    (deleted,) = aws("cloudformation").describe_stacks(StackName=stack_id)["Stacks"]

    assert deleted["StackStatus"] == "DELETE_COMPLETE"
    assert _what_remains(aws)["clusters"] == []


def test_installing_twice_changes_nothing_more(adapter):
    assert emulator_adapter.install() == []


def test_without_the_adapter_moto_cannot_delete_a_stack_that_owns_a_vpc(aws):
    # NOTE: the day this fails, moto deletes these itself and the adapter can go.
    with pytest.raises(ClientError, match="has dependencies and cannot be deleted"):
        _create_and_delete(aws)

    remains = _what_remains(aws)
    assert remains["vpcs"]
    assert remains["route tables"]


NETWORK_RESOURCES = {
    "Vpc",
    "Subnet",
    "OtherSubnet",
    "Gateway",
    "Attachment",
    "Routes",
    "DefaultRoute",
    "Association",
    "NatAddress",
    "Nat",
}


def _services_template(vpc: str, subnets: list[str]) -> dict:
    """TEMPLATE without its network, on a VPC made outside the stack."""
    text = json.dumps(
        {
            name: resource
            for name, resource in TEMPLATE["Resources"].items()
            if name not in NETWORK_RESOURCES
        }
    )
    text = text.replace(json.dumps(_ref("Vpc")), json.dumps(vpc))
    text = text.replace(json.dumps(_ref("Subnet")), json.dumps(subnets[0]))
    text = text.replace(json.dumps(_ref("OtherSubnet")), json.dumps(subnets[1]))
    return {"Resources": json.loads(text)}


def _services_stack_left_behind(aws) -> dict[str, list[str]]:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.8.{i}.0/24", AvailabilityZone=f"{REGION}{zone}"
        )["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    cloudformation = aws("cloudformation")
    cloudformation.create_stack(
        StackName="adapter-services",
        TemplateBody=json.dumps(_services_template(vpc, subnets)),
    )
    cloudformation.delete_stack(StackName="adapter-services")
    remains = _what_remains(aws)
    return {
        kind: remains[kind]
        for kind in ("ecs services", "target groups", "clusters", "task definitions")
        if remains[kind]
    }


def test_without_the_adapter_moto_leaves_target_groups_and_services_behind(aws):
    # NOTE: the day this fails, moto deletes these itself and the adapter can go.
    left = _services_stack_left_behind(aws)

    assert {"ecs services", "target groups"} <= set(left)


def test_with_the_adapter_a_services_stack_leaves_nothing_behind(adapter, aws):
    assert _services_stack_left_behind(aws) == {}
