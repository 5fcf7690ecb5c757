"""One web service: its load balancer, and its task definition and ECS service."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnResource, Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_servicediscovery as servicediscovery
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from slipway.naming import pascal_case
from slipway.spec import (
    LOG_RETENTION_DAYS,
    Condition,
    ContainerHealthCheck,
    HealthCheck,
    ResolvedService,
    SecretRef,
    volume_mounts,
)
from stacks.volume import TaskVolume

HTTP_PORT = 80
HTTPS_PORT = 443
# Ports below this need root, or the sysctl below, to listen on inside a container.
FIRST_UNPRIVILEGED_PORT = 1024

_RETENTION = dict(
    zip(
        LOG_RETENTION_DAYS,
        [d for d in logs.RetentionDays if d.name != "INFINITE"],
        strict=True,
    )
)
_CONDITIONS = {
    Condition.START: ecs.ContainerDependencyCondition.START,
    Condition.COMPLETE: ecs.ContainerDependencyCondition.COMPLETE,
    Condition.SUCCESS: ecs.ContainerDependencyCondition.SUCCESS,
    Condition.HEALTHY: ecs.ContainerDependencyCondition.HEALTHY,
}


def internal_url(name: str, port: int) -> str:
    """Where the environment's other tasks reach a service through Service Connect."""
    return f"http://{name}:{port}"


class ServiceEndpoint(Construct):
    """A service's public face: a load balancer, its listeners and a target group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        port: int,
        health_check: HealthCheck,
        certificate_arn: str | None,
        deletion_protection: bool,
    ) -> None:
        super().__init__(scope, construct_id)

        self.target_group = elbv2.ApplicationTargetGroup(
            self,
            "TargetGroup",
            vpc=vpc,
            port=port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=health_check.path,
                port="traffic-port",
                protocol=elbv2.Protocol.HTTP,
                interval=Duration.seconds(health_check.interval),
                timeout=Duration.seconds(health_check.timeout),
                healthy_threshold_count=health_check.healthy_threshold,
                unhealthy_threshold_count=health_check.unhealthy_threshold,
                healthy_http_codes="200-399",
            ),
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=True,
            security_group=security_group,
            deletion_protection=deletion_protection,
            drop_invalid_header_fields=True,
        )

        # `open=False` everywhere: who may connect is decided once, on the shared
        # security group, not per listener.
        if certificate_arn:
            self.load_balancer.add_listener(
                "HttpsListener",
                port=HTTPS_PORT,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                default_target_groups=[self.target_group],
                open=False,
            )
            self.load_balancer.add_redirect(
                source_port=HTTP_PORT, target_port=HTTPS_PORT, open=False
            )
            scheme = "https"
        else:
            self.load_balancer.add_listener(
                "HttpListener",
                port=HTTP_PORT,
                protocol=elbv2.ApplicationProtocol.HTTP,
                default_target_groups=[self.target_group],
                open=False,
            )
            scheme = "http"
        self.url = f"{scheme}://{self.load_balancer.load_balancer_dns_name}"


class ServiceWorkload(Construct):
    """A service's task definition, containers, volumes, log group and ECS service."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service: ResolvedService,
        root: Path,
        cluster: ecs.ICluster,
        subnets: ec2.SubnetSelection,
        assign_public_ip: bool,
        task_role: iam.IRole,
        environment: dict[str, dict[str, str]],
        endpoint: ServiceEndpoint,
        namespace: servicediscovery.HttpNamespace,
        log_retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        spec = service.spec

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=_RETENTION[log_retention_days],
            removal_policy=removal_policy,
        )
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=service.cpu,
            memory_limit_mib=service.memory,
            task_role=task_role,
        )
        self.task_policy: iam.Policy | None = None

        self.containers: dict[str, ecs.ContainerDefinition] = {}
        main = self._add_container(
            service.name,
            image=_image(root, service.image, service.build),
            environment=environment[service.name],
            secrets=spec.secrets,
            port=spec.port,
            command=None,
            essential=True,
            health_check=_main_health_check(spec.health_check),
        )
        for name, extra in spec.containers.items():
            self._add_container(
                name,
                image=_image(root, extra.image, extra.build),
                environment=environment[name],
                secrets=extra.secrets,
                port=extra.port,
                command=extra.command,
                essential=extra.essential,
                health_check=extra.health_check,
                cpu=extra.cpu,
                memory=extra.memory,
            )

        # Every dependency carries its condition explicitly: CDK would otherwise
        # default to HEALTHY, which fails for a container without a health check.
        dependencies = {service.name: spec.depends_on} | {
            name: extra.depends_on for name, extra in spec.containers.items()
        }
        for name, depends_on in dependencies.items():
            for target, condition in depends_on.items():
                if target not in self.containers:
                    continue  # another service: ordered by the stack, not the task
                self.containers[name].add_container_dependencies(
                    ecs.ContainerDependency(
                        container=self.containers[target],
                        condition=_CONDITIONS[condition],
                    )
                )

        self.volumes = self._add_volumes(
            service, cluster.vpc, subnets, task_role, removal_policy
        )

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=cluster.vpc,
            description=f"{service.name} tasks: traffic from its load balancer only",
            allow_all_outbound=True,
        )
        for volume in self.volumes.values():
            volume.allow_from(self.security_group, service.name)
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=cluster,
            task_definition=self.task_definition,
            desired_count=service.desired_count,
            security_groups=[self.security_group],
            vpc_subnets=subnets,
            assign_public_ip=assign_public_ip,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            min_healthy_percent=100,
            max_healthy_percent=200,
            health_check_grace_period=Duration.seconds(spec.health_check.start_period),
            # The main container's port mapping is named after the service, and so
            # is the name other tasks call it by: the host of `internal_url`.
            service_connect_configuration=ecs.ServiceConnectProps(
                # NOTE: the namespace by name, which ECS takes as well as its ARN:
                # the emulator skips Cloud Map namespaces, and a reference to an
                # attribute of a skipped resource fails the whole deploy there.
                namespace=namespace.namespace_name,
                services=[
                    ecs.ServiceConnectService(
                        port_mapping_name=service.name,
                        discovery_name=service.name,
                        dns_name=service.name,
                        port=spec.port,
                    )
                ],
                log_driver=ecs.LogDrivers.aws_logs(
                    stream_prefix="service-connect", log_group=self.log_group
                ),
            ),
        )
        # A name, unlike an ARN, does not order the namespace first by itself.
        self.service.node.add_dependency(namespace)
        # A task that starts before its role may mount the volume fails to start.
        for volume in self.volumes.values():
            self.service.node.add_dependency(volume.policy)
        # Registering the container with the target group also lets the load
        # balancers' security group reach the tasks, on the container port only.
        endpoint.target_group.add_target(
            self.service.load_balancer_target(
                container_name=main.container_name, container_port=spec.port
            )
        )

    @property
    def cfn_service(self) -> CfnResource:
        return self.service.node.default_child

    def _add_volumes(
        self,
        service: ResolvedService,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        task_role: iam.IRole,
        removal_policy: RemovalPolicy,
    ) -> dict[str, TaskVolume]:
        """One file system per volume name, mounted into each container naming it."""
        mounts = volume_mounts(service.name, service.spec)
        volumes: dict[str, TaskVolume] = {}
        for container_name, container_volumes in mounts.items():
            for name, spec in container_volumes.items():
                if name not in volumes:
                    writable = any(
                        not mounted[name].read_only
                        for mounted in mounts.values()
                        if name in mounted
                    )
                    volumes[name] = TaskVolume(
                        self,
                        f"{pascal_case(name)}Volume",
                        service_name=service.name,
                        volume_name=name,
                        vpc=vpc,
                        subnets=subnets,
                        uid=spec.uid,
                        gid=spec.gid,
                        writable=writable,
                        task_role=task_role,
                        removal_policy=removal_policy,
                    )
                    self.task_definition.add_volume(
                        name=name,
                        efs_volume_configuration=volumes[name].configuration(),
                    )
                self.containers[container_name].add_mount_points(
                    ecs.MountPoint(
                        container_path=spec.path,
                        read_only=spec.read_only,
                        source_volume=name,
                    )
                )
        return volumes

    def add_to_task_policy(self, *statements: iam.PolicyStatement) -> iam.Policy:
        """Grant this service's tasks permissions, in a policy of the service's own.

        Not the role's default policy: on a shared role a review can then name the
        service each permission is for. Made on first use, since a policy without
        statements is refused once the ECS service depends on the role.
        """
        if self.task_policy is None:
            self.task_policy = iam.Policy(
                self, "TaskPolicy", roles=[self.task_definition.task_role]
            )
        self.task_policy.add_statements(*statements)
        return self.task_policy

    def _add_container(
        self,
        name: str,
        *,
        image: ecs.ContainerImage,
        environment: dict[str, str],
        secrets: dict[str, SecretRef],
        port: int | None,
        command: list[str] | None,
        essential: bool,
        health_check: ContainerHealthCheck | None,
        cpu: int | None = None,
        memory: int | None = None,
    ) -> ecs.ContainerDefinition:
        container = self.task_definition.add_container(
            pascal_case(name),
            container_name=name,
            image=image,
            environment=environment,
            secrets={
                key: _secret(self, f"{pascal_case(name)}{pascal_case(key)}", ref)
                for key, ref in secrets.items()
            },
            command=command,
            essential=essential,
            cpu=cpu or None,
            memory_limit_mib=memory,
            health_check=_container_health_check(health_check),
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix=name, log_group=self.log_group
            ),
            port_mappings=[ecs.PortMapping(container_port=port, name=name)]
            if port
            else None,
            readonly_root_filesystem=False,
            # NOTE: lets a non-root process listen on a port below 1024 (nginx on 80),
            # the same default Docker gives containers locally.
            system_controls=(
                [
                    ecs.SystemControl(
                        namespace="net.ipv4.ip_unprivileged_port_start", value="0"
                    )
                ]
                if port and port < FIRST_UNPRIVILEGED_PORT
                else None
            ),
        )
        self.containers[name] = container
        return container


def _image(root: Path, image: str | None, build) -> ecs.ContainerImage:
    if image is not None:
        return ecs.ContainerImage.from_registry(image)
    return ecs.ContainerImage.from_asset(
        str(root / build.context), file=build.dockerfile, target=build.target
    )


def _main_health_check(check: HealthCheck) -> ContainerHealthCheck | None:
    if check.command is None:
        return None
    return ContainerHealthCheck(
        command=check.command,
        interval=check.interval,
        timeout=min(check.timeout, 60),
        retries=check.unhealthy_threshold,
        start_period=min(check.start_period, 300),
    )


def _container_health_check(
    check: ContainerHealthCheck | None,
) -> ecs.HealthCheck | None:
    if check is None:
        return None
    return ecs.HealthCheck(
        command=check.command,
        interval=Duration.seconds(check.interval),
        timeout=Duration.seconds(check.timeout),
        retries=check.retries,
        start_period=Duration.seconds(check.start_period),
    )


def _secret(scope: Construct, construct_id: str, ref: SecretRef) -> ecs.Secret:
    if ref.ssm is not None:
        parameter = ssm.StringParameter.from_secure_string_parameter_attributes(
            scope, construct_id, parameter_name=ref.ssm
        )
        return ecs.Secret.from_ssm_parameter(parameter)
    if ref.secrets_manager.startswith("arn:"):
        secret = secretsmanager.Secret.from_secret_complete_arn(
            scope, construct_id, ref.secrets_manager
        )
    else:
        secret = secretsmanager.Secret.from_secret_name_v2(
            scope, construct_id, ref.secrets_manager
        )
    return ecs.Secret.from_secrets_manager(secret, field=ref.field)
