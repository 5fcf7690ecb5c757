"""What a deployment created, read back from the AWS APIs rather than the template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

# Makes a boto3 client by service name, already pointed at the right endpoint.
Clients = Callable[[str], Any]


@dataclass(frozen=True)
class Item:
    """One thing that exists: its kind, its name and a short description."""

    kind: str
    name: str
    detail: str


def stack_outputs(clients: Clients, stack_name: str) -> dict[str, str]:
    """A stack's outputs by key; empty when the stack does not exist."""
    try:
        stacks = clients("cloudformation").describe_stacks(StackName=stack_name)
    except ClientError:
        return {}
    outputs = stacks["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def stack_exists(clients: Clients, stack_name: str) -> bool:
    try:
        stacks = clients("cloudformation").describe_stacks(StackName=stack_name)
    except ClientError:
        return False
    return stacks["Stacks"][0]["StackStatus"] != "DELETE_COMPLETE"


def collect(clients: Clients, stack_names: list[str]) -> list[Item]:
    """Everything the named stacks own, described by the service that holds it."""
    cloudformation = clients("cloudformation")
    physical: dict[str, list[str]] = {}
    items = []
    for stack_name in stack_names:
        if not stack_exists(clients, stack_name):
            continue
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        items.append(Item("stack", stack_name, stack["StackStatus"]))
        resources = cloudformation.list_stack_resources(StackName=stack_name)
        for resource in resources["StackResourceSummaries"]:
            physical.setdefault(resource["ResourceType"], []).append(
                resource.get("PhysicalResourceId", "")
            )
    items += _network(clients, physical)
    items += _ecs(clients, physical)
    items += _load_balancing(clients, physical)
    items += _logs(clients, physical)
    items += _roles(clients, physical)
    return items


def _network(clients: Clients, physical: dict[str, list[str]]) -> list[Item]:
    ec2 = clients("ec2")
    items = []
    for vpc_id in physical.get("AWS::EC2::VPC", []):
        vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        zones = sorted({s["AvailabilityZone"] for s in subnets["Subnets"]})
        items.append(
            Item(
                "vpc",
                vpc_id,
                f"{vpc['CidrBlock']}, {len(subnets['Subnets'])} subnets in "
                f"{', '.join(zones)}",
            )
        )
    group_ids = physical.get("AWS::EC2::SecurityGroup", [])
    if group_ids:
        groups = ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
        for group in sorted(groups, key=lambda g: g["GroupName"]):
            items.append(Item("security group", group["GroupId"], _ingress(group)))
    return items


def _ingress(group: dict) -> str:
    rules = []
    for permission in group.get("IpPermissions", []):
        port = permission.get("FromPort", "all")
        sources = [r["CidrIp"] for r in permission.get("IpRanges", [])]
        sources += [p["GroupId"] for p in permission.get("UserIdGroupPairs", [])]
        rules.append(f"{port} from {', '.join(sources) or 'nobody'}")
    return "in: " + ("; ".join(rules) if rules else "nothing")


def _ecs(clients: Clients, physical: dict[str, list[str]]) -> list[Item]:
    ecs = clients("ecs")
    items = []
    for cluster in physical.get("AWS::ECS::Cluster", []):
        items.append(Item("ecs cluster", cluster, "Fargate"))
    for service_arn in physical.get("AWS::ECS::Service", []):
        cluster = service_arn.split("/")[-2]
        found = ecs.describe_services(cluster=cluster, services=[service_arn])
        for service in found["services"]:
            family = service["taskDefinition"].split("/")[-1]
            items.append(
                Item(
                    "ecs service",
                    service["serviceName"],
                    f"desired {service['desiredCount']}, task definition {family}",
                )
            )
    for arn in physical.get("AWS::ECS::TaskDefinition", []):
        task = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        containers = ", ".join(c["name"] for c in task["containerDefinitions"])
        items.append(
            Item(
                "task definition",
                arn.split("/")[-1],
                f"cpu {task.get('cpu')}, memory {task.get('memory')}, "
                f"containers: {containers}",
            )
        )
    return items


def _load_balancing(clients: Clients, physical: dict[str, list[str]]) -> list[Item]:
    elbv2 = clients("elbv2")
    items = []
    arns = physical.get("AWS::ElasticLoadBalancingV2::LoadBalancer", [])
    if arns:
        found = elbv2.describe_load_balancers(LoadBalancerArns=arns)
        for balancer in found["LoadBalancers"]:
            items.append(
                Item(
                    "load balancer",
                    balancer["DNSName"],
                    f"security groups {', '.join(balancer['SecurityGroups'])}",
                )
            )
    arns = physical.get("AWS::ElasticLoadBalancingV2::TargetGroup", [])
    if arns:
        for group in elbv2.describe_target_groups(TargetGroupArns=arns)["TargetGroups"]:
            items.append(
                Item(
                    "target group",
                    group["TargetGroupName"],
                    f"{group['Protocol']} {group['Port']}, health check "
                    f"{group.get('HealthCheckPath', '/')}",
                )
            )
    return items


def _logs(clients: Clients, physical: dict[str, list[str]]) -> list[Item]:
    names = set(physical.get("AWS::Logs::LogGroup", []))
    if not names:
        return []
    logs = clients("logs")
    items = []
    for group in logs.describe_log_groups()["logGroups"]:
        if group["logGroupName"] in names:
            retention = group.get("retentionInDays")
            detail = f"kept {retention} days" if retention else "kept forever"
            items.append(Item("log group", group["logGroupName"], detail))
    return items


def _roles(clients: Clients, physical: dict[str, list[str]]) -> list[Item]:
    iam = clients("iam")
    items = []
    for name in physical.get("AWS::IAM::Role", []):
        role = iam.get_role(RoleName=name)["Role"]
        principals = [
            s.get("Principal", {}).get("Service")
            for s in role["AssumeRolePolicyDocument"]["Statement"]
        ]
        items.append(Item("iam role", name, f"assumed by {principals[0]}"))
    return items
