"""Fills the emulator's gaps in deploying and deleting CloudFormation stacks.

moto's CloudFormation deletes a resource through the model's `delete` method, and
several models that slipway's stacks create have none: the stack is then reported
deleted while its route tables, gateways, ECS services and target groups stay
behind, and a stack owning a VPC cannot be deleted at all ("has dependencies").
Each function below deletes one such resource through the backend's own public
operation, the same one the AWS API call would reach.

moto also works out a stack's outputs and exports each time they are read. Reading
them after the stack is deleted, as `cdk destroy` does, creates the resources they
name anew (a fresh ECS cluster, a fresh load balancer). A stack's outputs are
therefore settled once, before its resources go.

Some models cannot answer `Fn::GetAtt` at all (an EFS file system's Arn), and the
deploy fails with a server error; those get the attributes CloudFormation
documents, read from the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.cloudformation.models import Stack
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.ecs.models import Cluster, Service, TaskDefinition, ecs_backends
from moto.efs.models import FileSystem
from moto.elbv2.models import FakeListener, FakeTargetGroup, elbv2_backends


def _route_table(table: RouteTable, account: str, region: str) -> None:
    ec2_backends[account][region].delete_route_table(table.id)


def _route(route: Route, account: str, region: str) -> None:
    ec2_backends[account][region].delete_route(
        route.route_table.id,
        route.destination_cidr_block,
        route.destination_ipv6_cidr_block,
    )


def _association(link: SubnetRouteTableAssociation, account: str, region: str) -> None:
    table = ec2_backends[account][region].get_route_table(link.route_table_id)
    for association_id, subnet_id in list(table._associations.items()):
        if subnet_id == link.subnet_id:
            ec2_backends[account][region].disassociate_route_table(association_id)


def _internet_gateway(gateway: InternetGateway, account: str, region: str) -> None:
    ec2_backends[account][region].delete_internet_gateway(gateway.id)


def _gateway_attachment(link: VPCGatewayAttachment, account: str, region: str) -> None:
    backend = ec2_backends[account][region]
    if link.gateway_id and link.gateway_id.startswith("igw-"):
        backend.detach_internet_gateway(link.gateway_id, link.vpc_id)
    elif link.gateway_id:
        backend.detach_vpn_gateway(link.gateway_id, link.vpc_id)


def _nat_gateway(gateway: NatGateway, account: str, region: str) -> None:
    ec2_backends[account][region].delete_nat_gateway(gateway.id)


def _elastic_ip(address: ElasticAddress, account: str, region: str) -> None:
    ec2_backends[account][region].release_address(allocation_id=address.allocation_id)


def _ecs_service(service: Service, account: str, region: str) -> None:
    ecs_backends[account][region].delete_service(
        service.cluster_name, service.name, force=True
    )


def _task_definition(task: TaskDefinition, account: str, region: str) -> None:
    ecs_backends[account][region].deregister_task_definition(task.arn)


def _cluster(cluster: Cluster, account: str, region: str) -> None:
    ecs_backends[account][region].delete_cluster(cluster.arn)


def _target_group(group: FakeTargetGroup, account: str, region: str) -> None:
    elbv2_backends[account][region].delete_target_group(group.arn)


def _listener(listener: FakeListener, account: str, region: str) -> None:
    elbv2_backends[account][region].delete_listener(listener.arn)


DELETERS: dict[type, Callable[[object, str, str], None]] = {
    RouteTable: _route_table,
    Route: _route,
    SubnetRouteTableAssociation: _association,
    InternetGateway: _internet_gateway,
    VPCGatewayAttachment: _gateway_attachment,
    NatGateway: _nat_gateway,
    ElasticAddress: _elastic_ip,
    Service: _ecs_service,
    TaskDefinition: _task_definition,
    Cluster: _cluster,
    FakeTargetGroup: _target_group,
    FakeListener: _listener,
}


ATTRIBUTES: dict[type, dict[str, Callable[[object], str]]] = {
    FileSystem: {
        "Arn": lambda file_system: file_system.file_system_arn,
        "FileSystemId": lambda file_system: file_system.file_system_id,
    },
}


def install() -> list[str]:
    """Give each model above a `delete` and its attributes, unless moto has them,
    and settle stack outputs before a stack is deleted; return what was changed."""
    installed = []
    if not getattr(Stack.delete, "settles_outputs", False):
        Stack.delete = _settle_outputs_first(Stack.delete)
        installed.append("Stack outputs")
    for model, deleter in DELETERS.items():
        if "delete" in vars(model):
            continue
        model.delete = _already_gone_is_deleted(deleter)
        installed.append(model.__name__)
    for model, attributes in ATTRIBUTES.items():
        if "get_cfn_attribute" in vars(model):
            continue
        model.get_cfn_attribute = _attributes_of(attributes)
        installed.append(f"{model.__name__} attributes")
    return installed


class _SettledOutputs(dict):
    """A deleted stack's outputs and exports, as they were before it was deleted."""

    def __init__(self, outputs: Mapping) -> None:
        super().__init__((key, outputs[key]) for key in outputs)
        self.exports = outputs.exports


def _settle_outputs_first(delete: Callable[[Stack], None]) -> Callable[[Stack], None]:
    def settled_then_delete(stack: Stack) -> None:
        stack.output_map = _SettledOutputs(stack.output_map)
        delete(stack)

    settled_then_delete.settles_outputs = True
    return settled_then_delete


def _already_gone_is_deleted(deleter: Callable[[object, str, str], None]):
    """Deleting what another deletion took with it (a load balancer's listeners,
    a cluster's services) succeeds, as it does on AWS."""

    def delete(resource: object, account: str, region: str) -> None:
        try:
            deleter(resource, account, region)
        except Exception as error:
            # moto's errors carry the AWS error code in one of two attributes.
            code = getattr(error, "error_type", None) or getattr(error, "code", "")
            if "NotFound" not in str(code):
                raise

    return delete


def _attributes_of(attributes: dict[str, Callable[[object], str]]):
    def get_cfn_attribute(resource: object, name: str) -> str:
        if name not in attributes:
            raise UnformattedGetAttTemplateException()
        return attributes[name](resource)

    return get_cfn_attribute
