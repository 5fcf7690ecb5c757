"""What each service is, read back from the synthesized templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slipway.review.rules import admitted_cidrs, security_groups
from slipway.review.template import StackTemplate, render, target
from slipway.spec import Deployment
from stacks.services import ALLOWED_CIDRS_METADATA


@dataclass(frozen=True)
class Variable:
    """An environment variable: a plain value, or a secret named by its reference."""

    container: str
    name: str
    value: str
    secret: bool


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    essential: bool
    ports: tuple[int, ...]
    health_check: str | None
    depends_on: tuple[tuple[str, str], ...]
    cpu: int | None
    memory: int | None


@dataclass(frozen=True)
class Listener:
    port: int
    protocol: str
    action: str


@dataclass(frozen=True)
class Reach:
    """Who may connect to a load balancer, through which group, on which ports."""

    cidr: str
    ports: tuple[int, ...]
    security_group: str


@dataclass(frozen=True)
class LoadBalancer:
    name: str
    scheme: str
    listeners: tuple[Listener, ...]
    reach: tuple[Reach, ...]
    meant_for: tuple[str, ...] | None
    shared_with: tuple[str, ...]
    target_port: int | None
    health_check: str | None


@dataclass(frozen=True)
class Statement:
    """One permission statement, with the service it was granted for, if known."""

    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    policy: str
    granted_for: str | None


@dataclass(frozen=True)
class Role:
    name: str
    shared_with: tuple[str, ...]
    statements: tuple[Statement, ...]
    managed_policies: tuple[str, ...]


@dataclass(frozen=True)
class ServiceDigest:
    """Everything a reviewer asks about one service."""

    name: str
    stack: str
    image_source: str
    port: int | None
    cpu: str | None
    memory: str | None
    desired_count: int | None
    circuit_breaker: str
    healthy_percent: str
    grace_period: int | None
    created_after: tuple[str, ...]
    containers: tuple[Container, ...]
    variables: tuple[Variable, ...]
    load_balancer: LoadBalancer | None
    task_ingress: tuple[str, ...]
    volumes: tuple[str, ...]
    service_connect: str | None
    task_role: Role | None
    execution_role: Role | None


def services(
    stacks: list[StackTemplate], deployment: Deployment
) -> list[ServiceDigest]:
    """A digest of every ECS service in the stacks, in the spec's order of services."""
    found: list[ServiceDigest] = []
    for stack in stacks:
        owners = _owners(stack)
        for logical_id in stack.of_type("AWS::ECS::Service"):
            found.append(_service(stack, logical_id, owners, deployment))
    order = {name: i for i, name in enumerate(deployment.services)}
    return sorted(found, key=lambda s: (order.get(s.name, len(order)), s.name))


def graph(digests: list[ServiceDigest]) -> str:
    """A Mermaid flowchart: containers inside their services, and what waits on what."""
    lines = ["flowchart LR"]
    for service in digests:
        lines.append(f'  subgraph {_node(service.name)}["service {service.name}"]')
        for container in service.containers:
            node = _node(service.name, container.name)
            lines.append(f'    {node}["{container.name}"]')
        lines.append("  end")
    for service in digests:
        for container in service.containers:
            for dependency, condition in container.depends_on:
                lines.append(
                    f"  {_node(service.name, container.name)} -->|{condition}| "
                    f"{_node(service.name, dependency)}"
                )
        for before in service.created_after:
            lines.append(
                f'  {_node(service.name)} -->|"created after it is stable"| '
                f"{_node(before)}"
            )
    return "\n".join(lines)


def _node(*names: str) -> str:
    return "__".join(name.replace("-", "_") for name in names)


def _owners(stack: StackTemplate) -> dict[str, str]:
    """Construct path prefix of each service's own constructs -> service name."""
    owners = {}
    for service in stack.of_type("AWS::ECS::Service").values():
        task = target(service.get("Properties", {}).get("TaskDefinition"))
        path = stack.path(task)
        if path and path.count("/") >= 2:
            owners[path.rsplit("/", 2)[0] + "/"] = _service_name(stack, service)
    return owners


def _owner(stack: StackTemplate, logical_id: str, owners: Mapping[str, str]):
    path = stack.path(logical_id) or ""
    return next(
        (name for prefix, name in owners.items() if path.startswith(prefix)), None
    )


def _service_name(stack: StackTemplate, service: Mapping) -> str:
    props = service.get("Properties", {})
    for balancer in props.get("LoadBalancers", []):
        if "ContainerName" in balancer:
            return balancer["ContainerName"]
    task = stack.properties(target(props.get("TaskDefinition")) or "")
    containers = task.get("ContainerDefinitions", [])
    return containers[0].get("Name", "?") if containers else "?"


def _service(
    stack: StackTemplate,
    logical_id: str,
    owners: Mapping[str, str],
    deployment: Deployment,
) -> ServiceDigest:
    resource = stack.resources[logical_id]
    props = resource.get("Properties", {})
    name = _service_name(stack, resource)
    task_id = target(props.get("TaskDefinition"))
    task = stack.properties(task_id or "")
    config = props.get("DeploymentConfiguration", {})
    breaker = config.get("DeploymentCircuitBreaker", {})
    if breaker.get("Enable") is True:
        circuit_breaker = (
            "on, with rollback" if breaker.get("Rollback") else "on, no rollback"
        )
    else:
        circuit_breaker = "off"
    depends_on = resource.get("DependsOn", [])
    depends_on = [depends_on] if isinstance(depends_on, str) else depends_on
    services = stack.of_type("AWS::ECS::Service")
    created_after = tuple(
        _service_name(stack, services[other])
        for other in depends_on
        if other in services
    )
    containers = tuple(
        _container(stack, c) for c in task.get("ContainerDefinitions", [])
    )
    variables = tuple(
        variable
        for c in task.get("ContainerDefinitions", [])
        for variable in _variables(stack, c)
    )
    groups = props.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
    return ServiceDigest(
        name=name,
        stack=stack.name,
        image_source=_image_source(deployment, name, containers),
        port=next(
            (b.get("ContainerPort") for b in props.get("LoadBalancers", [])), None
        ),
        cpu=_text(task.get("Cpu")),
        memory=_text(task.get("Memory")),
        desired_count=props.get("DesiredCount"),
        circuit_breaker=circuit_breaker,
        healthy_percent=(
            f"{config.get('MinimumHealthyPercent', '?')} % to "
            f"{config.get('MaximumPercent', '?')} %"
        ),
        grace_period=props.get("HealthCheckGracePeriodSeconds"),
        created_after=created_after,
        containers=containers,
        variables=variables,
        load_balancer=_load_balancer(stack, props),
        task_ingress=tuple(
            _ingress_from(stack, group)
            for value in groups.get("SecurityGroups", [])
            if (group := target(value))
        ),
        volumes=_volumes(stack, task),
        service_connect=_service_connect(props),
        task_role=_role(stack, target(task.get("TaskRoleArn")), owners),
        execution_role=_role(stack, target(task.get("ExecutionRoleArn")), owners),
    )


def _volumes(stack: StackTemplate, task: Mapping) -> tuple[str, ...]:
    """Each task volume, where it is mounted and how it is protected."""
    mounts: dict[str, list[str]] = {}
    for container in task.get("ContainerDefinitions", []):
        for mount in container.get("MountPoints", []):
            mode = "read-only" if mount.get("ReadOnly") else "read-write"
            mounts.setdefault(mount.get("SourceVolume", "?"), []).append(
                f"{mount.get('ContainerPath')} in {container.get('Name')} ({mode})"
            )
    described = []
    for volume in task.get("Volumes", []):
        name = volume.get("Name", "?")
        where = ", ".join(mounts.get(name, [])) or "mounted nowhere"
        efs = volume.get("EFSVolumeConfiguration")
        if efs is None:
            described.append(f"`{name}` at {where}: task storage, gone with the task")
            continue
        file_system = target(efs.get("FilesystemId")) or ""
        encrypted = stack.properties(file_system).get("Encrypted") is True
        authorization = efs.get("AuthorizationConfig", {})
        described.append(
            f"`{name}` at {where}: EFS `{stack.label(file_system)}`, "
            f"{'encrypted' if encrypted else 'NOT encrypted'} at rest, "
            f"{'TLS' if efs.get('TransitEncryption') == 'ENABLED' else 'no TLS'} in "
            "transit, "
            + (
                "IAM authorization"
                if authorization.get("IAM") == "ENABLED"
                else "no IAM authorization"
            )
            + (" through an access point" if authorization.get("AccessPointId") else "")
        )
    return tuple(described)


def _service_connect(props: Mapping) -> str | None:
    """The names the service answers to inside its Service Connect namespace."""
    config = props.get("ServiceConnectConfiguration", {})
    if config.get("Enabled") is not True:
        return None
    names = [
        f"http://{alias.get('DnsName')}:{alias.get('Port')}"
        for service in config.get("Services", [])
        for alias in service.get("ClientAliases", [])
    ]
    namespace = config.get("Namespace")
    within = f" in namespace `{namespace}`" if isinstance(namespace, str) else ""
    answers = ", ".join(f"`{name}`" for name in names)
    return f"answers {answers}{within}" if names else f"a client only{within}"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _image_source(deployment: Deployment, name: str, containers) -> str:
    service = deployment.services.get(name)
    if service is not None and service.build is not None:
        build = service.build
        stage = f", stage `{build.target}`" if build.target else ""
        return (
            f"built at deploy time from `{build.context}` (`{build.dockerfile}`{stage})"
        )
    main = next((c for c in containers if c.name == name), None)
    return f"pulled from `{main.image}`" if main else "unknown"


def _container(stack: StackTemplate, container: Mapping) -> Container:
    image = container.get("Image")
    if isinstance(image, Mapping) and "Fn::Sub" in image:
        shown = "image asset built by CDK"
    else:
        shown = render(image, stack)
    check = container.get("HealthCheck")
    return Container(
        name=container.get("Name", "?"),
        image=shown,
        essential=container.get("Essential", True),
        ports=tuple(m.get("ContainerPort") for m in container.get("PortMappings", [])),
        health_check=(
            None
            if check is None
            else f"`{' '.join(check.get('Command', []))}` every "
            f"{check.get('Interval', 30)} s, {check.get('Retries', 3)} retries"
        ),
        depends_on=tuple(
            (d.get("ContainerName"), d.get("Condition"))
            for d in container.get("DependsOn", [])
        ),
        cpu=container.get("Cpu"),
        memory=container.get("Memory"),
    )


def _variables(stack: StackTemplate, container: Mapping) -> list[Variable]:
    name = container.get("Name", "?")
    found = [
        Variable(name, v.get("Name", "?"), render(v.get("Value"), stack), False)
        for v in container.get("Environment", [])
    ]
    found += [
        Variable(name, s.get("Name", "?"), _secret_reference(s.get("ValueFrom")), True)
        for s in container.get("Secrets", [])
    ]
    return sorted(found, key=lambda v: v.name)


def _secret_reference(value: object) -> str:
    """Where a secret comes from, by name: never a value, which is not here anyway."""
    text = value if isinstance(value, str) else _flatten(value)
    if ":parameter/" in text:
        return f"SSM parameter /{text.split(':parameter/', 1)[1]}"
    if ":parameter" in text:
        return f"SSM parameter {text.split(':parameter', 1)[1]}"
    if ":secret:" in text:
        return f"Secrets Manager secret {text.split(':secret:', 1)[1]}"
    return text


def _flatten(value: object) -> str:
    """A Fn::Join's literal parts joined, references left out."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_flatten(part) for part in parts)
    return ""


def _load_balancer(stack: StackTemplate, service: Mapping) -> LoadBalancer | None:
    attached = service.get("LoadBalancers", [])
    group_id = next((target(b.get("TargetGroupArn")) for b in attached), None)
    if group_id is None:
        return None
    group = stack.properties(group_id)
    listeners = stack.of_type("AWS::ElasticLoadBalancingV2::Listener")
    balancer_id = next(
        (
            target(listener["Properties"].get("LoadBalancerArn"))
            for listener in listeners.values()
            if any(
                target(action.get("TargetGroupArn")) == group_id
                for action in listener["Properties"].get("DefaultActions", [])
            )
        ),
        None,
    )
    if balancer_id is None:
        return None
    balancer = stack.resources[balancer_id]
    admitted = admitted_cidrs(stack)
    groups = security_groups(balancer)
    balancers = stack.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
    sharing = sorted(
        other
        for other, twin in balancers.items()
        if other != balancer_id and set(groups) & set(security_groups(twin))
    )
    meant = balancer.get("Metadata", {}).get(ALLOWED_CIDRS_METADATA)
    return LoadBalancer(
        name=stack.label(balancer_id),
        scheme=balancer.get("Properties", {}).get("Scheme", "internet-facing"),
        listeners=tuple(
            sorted(
                (
                    _listener(listener["Properties"])
                    for listener in listeners.values()
                    if target(listener["Properties"].get("LoadBalancerArn"))
                    == balancer_id
                ),
                key=lambda listener: listener.port,
            )
        ),
        reach=tuple(
            Reach(cidr, tuple(sorted(ports)), stack.label(group))
            for group in groups
            for cidr, ports in sorted(admitted.get(group, {}).items())
        ),
        meant_for=tuple(meant) if meant is not None else None,
        shared_with=tuple(
            _balancer_owner(stack, other) or stack.label(other) for other in sharing
        ),
        target_port=group.get("Port"),
        health_check=_target_group_check(group),
    )


def _balancer_owner(stack: StackTemplate, balancer_id: str) -> str | None:
    """The service whose target group the load balancer forwards to."""
    for listener in stack.of_type("AWS::ElasticLoadBalancingV2::Listener").values():
        props = listener["Properties"]
        if target(props.get("LoadBalancerArn")) != balancer_id:
            continue
        for action in props.get("DefaultActions", []):
            group = target(action.get("TargetGroupArn"))
            for service in stack.of_type("AWS::ECS::Service").values():
                attached = service.get("Properties", {}).get("LoadBalancers", [])
                if any(target(b.get("TargetGroupArn")) == group for b in attached):
                    return _service_name(stack, service)
    return None


def _listener(props: Mapping) -> Listener:
    actions = []
    for action in props.get("DefaultActions", []):
        if action.get("Type") == "redirect":
            redirect = action.get("RedirectConfig", {})
            actions.append(
                f"redirect to {redirect.get('Protocol', '#{protocol}')} "
                f"{redirect.get('Port', '#{port}')}"
            )
        else:
            actions.append(action.get("Type", "?"))
    return Listener(
        port=props.get("Port"),
        protocol=props.get("Protocol"),
        action=", ".join(actions),
    )


def _target_group_check(group: Mapping) -> str | None:
    if group.get("HealthCheckEnabled") is False:
        return None
    port = group.get("HealthCheckPort", "traffic-port")
    where = "the traffic port" if port == "traffic-port" else f"port {port}"
    return (
        f"{group.get('HealthCheckProtocol', 'HTTP')} {group.get('HealthCheckPath', '/')}"
        f" on {where} every {group.get('HealthCheckIntervalSeconds', 30)} s, "
        f"timeout {group.get('HealthCheckTimeoutSeconds', 5)} s, healthy after "
        f"{group.get('HealthyThresholdCount', 5)}, unhealthy after "
        f"{group.get('UnhealthyThresholdCount', 2)}, answers "
        f"{group.get('Matcher', {}).get('HttpCode', '200')}"
    )


def _ingress_from(stack: StackTemplate, group: str) -> str:
    rules = []
    inline = stack.properties(group).get("SecurityGroupIngress", [])
    separate = [
        ingress["Properties"]
        for ingress in stack.of_type("AWS::EC2::SecurityGroupIngress").values()
        if target(ingress["Properties"].get("GroupId")) == group
    ]
    for rule in [*inline, *separate]:
        source = rule.get("CidrIp") or rule.get("CidrIpv6")
        if source is None:
            source_id = target(rule.get("SourceSecurityGroupId"))
            source = stack.label(source_id) if source_id else "another group"
        low, high = rule.get("FromPort"), rule.get("ToPort")
        ports = f"{low}" if low == high else f"{low}-{high}"
        rules.append(f"{source} on {ports}")
    admits = "; ".join(sorted(rules)) or "nothing"
    return f"security group {stack.label(group)} admits {admits}"


def _role(
    stack: StackTemplate, role_id: str | None, owners: Mapping[str, str]
) -> Role | None:
    if role_id is None or role_id not in stack.resources:
        return None
    role = stack.properties(role_id)
    users = sorted(
        {
            _service_name(stack, service)
            for service in stack.of_type("AWS::ECS::Service").values()
            if role_id
            in {
                target(stack.properties(task_id).get(key))
                for key in ("TaskRoleArn", "ExecutionRoleArn")
                if (task_id := target(service["Properties"].get("TaskDefinition")))
            }
        }
    )
    statements: list[Statement] = []
    for policy in role.get("Policies", []):
        statements += _statements(
            stack,
            policy.get("PolicyDocument", {}),
            policy.get("PolicyName", "inline"),
            None,
        )
    for policy_id, policy in stack.of_type("AWS::IAM::Policy").items():
        props = policy.get("Properties", {})
        if role_id not in {target(r) for r in props.get("Roles", [])}:
            continue
        # A policy among a service's own constructs was granted for that service;
        # the role's default policy (where CDK's grants go) is for no one in
        # particular.
        statements += _statements(
            stack,
            props.get("PolicyDocument", {}),
            stack.label(policy_id),
            _owner(stack, policy_id, owners),
        )
    return Role(
        name=stack.label(role_id),
        shared_with=tuple(users),
        statements=tuple(statements),
        managed_policies=tuple(
            render(arn, stack) for arn in role.get("ManagedPolicyArns", [])
        ),
    )


def _statements(
    stack: StackTemplate, document: Mapping, policy: str, owner: str | None
) -> list[Statement]:
    found = []
    for statement in document.get("Statement", []):
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        found.append(
            Statement(
                effect=statement.get("Effect", "Allow"),
                actions=tuple(actions if isinstance(actions, list) else [actions]),
                resources=tuple(
                    render(r, stack)
                    for r in (resources if isinstance(resources, list) else [resources])
                ),
                policy=policy,
                granted_for=owner,
            )
        )
    return found
