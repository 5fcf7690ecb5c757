"""What a deployment created, read back from the AWS APIs rather than the template."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

# Makes a boto3 client by service name, already pointed at the right endpoint.
Clients = Callable[[str], Any]
# Physical resource IDs by CloudFormation resource type.
Resources = dict[str, list[str]]


@dataclass(frozen=True)
class Item:
    """One thing that exists: its kind, its name and a short description."""

    kind: str
    name: str
    detail: str


def stack_outputs(clients: Clients, stack_name: str) -> dict[str, str]:
    """A stack's outputs by key; empty when the stack does not exist."""
    stack = _stack(clients, stack_name)
    outputs = stack.get("Outputs", []) if stack else []
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def stack_exists(clients: Clients, stack_name: str) -> bool:
    return _stack(clients, stack_name) is not None


def resources(clients: Clients, stack_names: list[str]) -> Resources:
    """The physical IDs of what the named stacks own, by resource type."""
    found: Resources = {}
    for stack_name in stack_names:
        if not stack_exists(clients, stack_name):
            continue
        pages = clients("cloudformation").get_paginator("list_stack_resources")
        for page in pages.paginate(StackName=stack_name):
            for resource in page["StackResourceSummaries"]:
                found.setdefault(resource["ResourceType"], []).append(
                    resource.get("PhysicalResourceId", "")
                )
    return found


def collect(clients: Clients, stack_names: list[str]) -> list[Item]:
    """The named stacks and everything they own, as the owning services see it."""
    items = [
        Item("stack", name, stack["StackStatus"])
        for name in stack_names
        if (stack := _stack(clients, name))
    ]
    return items + describe(clients, resources(clients, stack_names))


def describe(clients: Clients, found: Resources) -> list[Item]:
    """Those of the given resources that still exist, each described."""
    items: list[Item] = []
    for kind, describer in _DESCRIBERS.items():
        for physical_id in found.get(kind, []):
            items.extend(_quietly(describer, clients, physical_id))
    return items


def _stack(clients: Clients, stack_name: str) -> dict | None:
    try:
        stacks = clients("cloudformation").describe_stacks(StackName=stack_name)
    except ClientError:
        return None
    stack = stacks["Stacks"][0]
    return None if stack["StackStatus"] == "DELETE_COMPLETE" else stack


def _quietly(describer, clients: Clients, physical_id: str) -> Iterator[Item]:
    """What a describer yields, or nothing when the resource is gone."""
    try:
        yield from describer(clients, physical_id)
    except ClientError:
        return


def _vpc(clients: Clients, vpc_id: str) -> Iterator[Item]:
    ec2 = clients("ec2")
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    zones = sorted({s["AvailabilityZone"] for s in subnets["Subnets"]})
    yield Item(
        "vpc",
        vpc_id,
        f"{vpc['CidrBlock']}, {len(subnets['Subnets'])} subnets in {', '.join(zones)}",
    )


def _security_group(clients: Clients, group_id: str) -> Iterator[Item]:
    (group,) = clients("ec2").describe_security_groups(GroupIds=[group_id])[
        "SecurityGroups"
    ]
    rules = []
    for permission in group.get("IpPermissions", []):
        port = permission.get("FromPort", "all")
        sources = [r["CidrIp"] for r in permission.get("IpRanges", [])]
        sources += [p["GroupId"] for p in permission.get("UserIdGroupPairs", [])]
        rules.append(f"{port} from {', '.join(sources) or 'nobody'}")
    yield Item("security group", group_id, "in: " + ("; ".join(rules) or "nothing"))


def _cluster(clients: Clients, name: str) -> Iterator[Item]:
    for cluster in clients("ecs").describe_clusters(clusters=[name])["clusters"]:
        if cluster["status"] == "ACTIVE":
            yield Item("ecs cluster", cluster["clusterName"], "Fargate")


def _service(clients: Clients, arn: str) -> Iterator[Item]:
    cluster = arn.split("/")[-2]
    found = clients("ecs").describe_services(cluster=cluster, services=[arn])
    for service in found["services"]:
        if service["status"] != "ACTIVE":
            continue
        family = service["taskDefinition"].split("/")[-1]
        yield Item(
            "ecs service",
            service["serviceName"],
            f"desired {service['desiredCount']}, task definition {family}",
        )


def _task_definition(clients: Clients, arn: str) -> Iterator[Item]:
    task = clients("ecs").describe_task_definition(taskDefinition=arn)
    task = task["taskDefinition"]
    if task.get("status") != "ACTIVE":
        return
    containers = ", ".join(c["name"] for c in task["containerDefinitions"])
    yield Item(
        "task definition",
        arn.split("/")[-1],
        f"memory {task.get('memory')} MiB, containers: {containers}",
    )


def _load_balancer(clients: Clients, arn: str) -> Iterator[Item]:
    found = clients("elbv2").describe_load_balancers(LoadBalancerArns=[arn])
    for balancer in found["LoadBalancers"]:
        groups = ", ".join(balancer["SecurityGroups"])
        yield Item("load balancer", balancer["DNSName"], f"security groups {groups}")


def _target_group(clients: Clients, arn: str) -> Iterator[Item]:
    found = clients("elbv2").describe_target_groups(TargetGroupArns=[arn])
    for group in found["TargetGroups"]:
        yield Item(
            "target group",
            group["TargetGroupName"],
            f"{group['Protocol']} {group['Port']}, health check "
            f"{group.get('HealthCheckPath', '/')}",
        )


def _log_group(clients: Clients, name: str) -> Iterator[Item]:
    found = clients("logs").describe_log_groups(logGroupNamePrefix=name)
    for group in found["logGroups"]:
        if group["logGroupName"] != name:
            continue
        retention = group.get("retentionInDays")
        yield Item(
            "log group", name, f"kept {retention} days" if retention else "kept forever"
        )


def _file_system(clients: Clients, file_system_id: str) -> Iterator[Item]:
    efs = clients("efs")
    found = efs.describe_file_systems(FileSystemId=file_system_id)
    for system in found["FileSystems"]:
        points = efs.describe_access_points(FileSystemId=file_system_id)
        owners = sorted(
            f"{p['RootDirectory']['Path']} as uid {p['PosixUser']['Uid']}"
            for p in points["AccessPoints"]
        )
        yield Item(
            "file system",
            file_system_id,
            f"{'encrypted' if system['Encrypted'] else 'NOT encrypted'}, "
            f"{system['NumberOfMountTargets']} mount targets, access point "
            f"{', '.join(owners) or 'none'}",
        )


def _role(clients: Clients, name: str) -> Iterator[Item]:
    role = clients("iam").get_role(RoleName=name)["Role"]
    statements = role["AssumeRolePolicyDocument"]["Statement"]
    principals = sorted(str(s.get("Principal", {}).get("Service")) for s in statements)
    yield Item("iam role", name, f"assumed by {', '.join(principals)}")


_DESCRIBERS = {
    "AWS::EC2::VPC": _vpc,
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::ECS::Cluster": _cluster,
    "AWS::ECS::Service": _service,
    "AWS::ECS::TaskDefinition": _task_definition,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _load_balancer,
    "AWS::ElasticLoadBalancingV2::TargetGroup": _target_group,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::EFS::FileSystem": _file_system,
    "AWS::IAM::Role": _role,
}
