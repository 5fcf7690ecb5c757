"""An environment's services: shared task role, load balancer security group and
the Service Connect namespace they find each other in."""

from __future__ import annotations

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

from slipway.naming import pascal_case, url_output_key
from slipway.spec import REFERENCE, Deployment, task_references
from stacks.network import NetworkStack
from stacks.web_service import (
    HTTP_PORT,
    HTTPS_PORT,
    ServiceEndpoint,
    ServiceWorkload,
    internal_url,
)

# Template metadata on each load balancer: the CIDR blocks its service is meant for.
ALLOWED_CIDRS_METADATA = "slipway:allowedCidrs"


class ServicesStack(Stack):
    """Every service of one environment, on the network of a NetworkStack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deployment: Deployment,
        network: NetworkStack,
        namespace_name: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        env = deployment.env
        removal_policy = (
            RemovalPolicy.RETAIN
            if env.removal_policy == "retain"
            else RemovalPolicy.DESTROY
        )

        self.task_role = iam.Role(
            self,
            "TaskRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="Shared by the task definitions of every service that opts in",
        )
        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=network.vpc,
            description="Shared by the load balancers of every service",
            allow_all_outbound=False,
        )
        listener_ports = [HTTP_PORT, HTTPS_PORT] if env.certificate_arn else [HTTP_PORT]
        # The group is shared: a block one service admits reaches every load balancer.
        admitted = dict.fromkeys(
            cidr
            for service in deployment.services.values()
            for cidr in service.allowed_cidrs
        )
        for cidr in admitted:
            peer = ec2.Peer.ipv4(cidr) if ":" not in cidr else ec2.Peer.ipv6(cidr)
            for port in listener_ports:
                self.load_balancer_security_group.add_ingress_rule(
                    peer, ec2.Port.tcp(port), f"HTTP clients from {cidr}"
                )

        # NOTE: here rather than with the cluster in the network stack: only the
        # services use it, it goes when they go, and the emulator, which skips
        # Cloud Map namespaces, could not export it from the network stack.
        self.namespace = servicediscovery.HttpNamespace(
            self,
            "Namespace",
            name=namespace_name or f"{deployment.app}-{deployment.env_name}",
            description=f"Service Connect names of {deployment.app} "
            f"{deployment.env_name}",
        )

        # Load balancers first: their URLs feed the other services' environments.
        self.endpoints = {
            name: ServiceEndpoint(
                self,
                f"{pascal_case(name)}Endpoint",
                vpc=network.vpc,
                security_group=self.load_balancer_security_group,
                port=service.spec.port,
                health_check=service.spec.health_check,
                certificate_arn=env.certificate_arn,
                deletion_protection=env.removal_policy == "retain",
            )
            for name, service in deployment.services.items()
        }
        for name, endpoint in self.endpoints.items():
            # Kept in the template so that a review can tell a load balancer meant
            # for a few blocks from the wider set the shared group admits.
            endpoint.load_balancer.node.default_child.add_metadata(
                ALLOWED_CIDRS_METADATA, deployment.services[name].allowed_cidrs
            )
        urls = {name: endpoint.url for name, endpoint in self.endpoints.items()}
        addresses = {
            name: {
                "url": urls[name],
                "internal_url": internal_url(name, service.spec.port),
            }
            for name, service in deployment.services.items()
        }

        self.workloads: dict[str, ServiceWorkload] = {}
        for name, service in deployment.services.items():
            spec = service.spec
            environment = {name: _resolve(spec.environment, addresses)} | {
                extra: _resolve(container.environment, addresses)
                for extra, container in spec.containers.items()
            }
            task_role = self.task_role
            if spec.task_role == "own":
                task_role = iam.Role(
                    self,
                    f"{pascal_case(name)}TaskRole",
                    assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
                    description=f"Task role of {name} alone",
                )
            self.workloads[name] = ServiceWorkload(
                self,
                pascal_case(name),
                service=service,
                root=deployment.root,
                cluster=network.cluster,
                subnets=network.task_subnets,
                assign_public_ip=network.tasks_need_public_ip,
                task_role=task_role,
                environment=environment,
                endpoint=self.endpoints[name],
                namespace=self.namespace,
                log_retention_days=env.log_retention_days,
                removal_policy=removal_policy,
            )

        # A service that depends on another is created only once that one is stable.
        for name, service in deployment.services.items():
            for target in service.spec.depends_on:
                if target in self.workloads:
                    self.workloads[name].cfn_service.add_resource_dependency(
                        self.workloads[target].cfn_service
                    )

        # Service Connect calls go from task to task, past the load balancers: a
        # service admits, on its port, the tasks of each service that calls it.
        for caller, callee in sorted(_internal_calls(deployment)):
            self.workloads[callee].security_group.add_ingress_rule(
                self.workloads[caller].security_group,
                ec2.Port.tcp(deployment.services[callee].spec.port),
                f"{caller} calls {callee} through Service Connect",
            )

        for name, url in urls.items():
            CfnOutput(
                self,
                url_output_key(name),
                value=url,
                description=f"Where {name} answers",
            )


def _resolve(
    environment: dict[str, str], addresses: dict[str, dict[str, str]]
) -> dict[str, str]:
    """Replace `${service.attr}` references with what the attribute names."""

    def substitute(match) -> str:
        service, _, attr = match.group(1).partition(".")
        return addresses[service][attr]

    return {key: REFERENCE.sub(substitute, value) for key, value in environment.items()}


def _internal_calls(deployment: Deployment) -> set[tuple[str, str]]:
    """(caller, callee) for each `${callee.internal_url}` in a caller's task."""
    calls = set()
    for name, service in deployment.services.items():
        calls |= {
            (name, target)
            for target, attr in task_references(service.spec)
            if attr == "internal_url"
        }
    return calls
