"""Every AwsSolutions finding slipway accepts, in one place, each with its reason.

A reason names the risk accepted and why it is acceptable here. Most depend on the
environment: what is fine where `removal_policy` is `destroy` (an environment that
can be thrown away with everything in it) stays a finding where it is `retain`.
"""

from __future__ import annotations

import logging

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from slipway.review.findings import Acknowledgement
from slipway.review.template import WORLD
from slipway.spec import SECRET_LOOKING, Deployment
from stacks.network import NetworkStack
from stacks.services import ServicesStack

logger = logging.getLogger(__name__)

# The one ECR action that cannot be limited to a repository.
REGISTRY_TOKEN = "ecr:GetAuthorizationToken"


def acknowledge(app: cdk.App, deployment: Deployment) -> list[Acknowledgement]:
    """Acknowledge, on the app's stacks, the findings accepted for `deployment`.

    cdk-nag leaves acknowledged findings out of its report, so what was accepted
    is returned here, for the review to show next to what was found.
    """
    accepted: list[Acknowledgement] = []
    for stack in app.node.children:
        if isinstance(stack, NetworkStack):
            _network(stack, deployment, accepted)
        elif isinstance(stack, ServicesStack):
            _services(stack, deployment, accepted)
    return accepted


def _disposable(deployment: Deployment) -> bool:
    return deployment.env.removal_policy == "destroy"


def _network(
    stack: NetworkStack, deployment: Deployment, accepted: list[Acknowledgement]
) -> None:
    env = deployment.env_name
    if not _disposable(deployment):
        return
    _accept(
        accepted,
        stack.vpc,
        "AwsSolutions-VPC7",
        "The VPC has no flow log.",
        f"Risk accepted: no flow log of the traffic in {env}'s VPC. Acceptable "
        f"because {env} is disposable (removal_policy: destroy), flow logs cost per "
        "GB ingested, and tasks admit traffic only from their load balancers.",
    )
    _accept(
        accepted,
        stack.cluster,
        "AwsSolutions-ECS4",
        "The ECS cluster has Container Insights off.",
        f"Risk accepted: no Container Insights metrics history in {env}. Acceptable "
        f"because {env} is disposable (removal_policy: destroy), Insights is billed "
        "per metric, and ECS service events and the task logs remain.",
    )


def _services(
    stack: ServicesStack, deployment: Deployment, accepted: list[Acknowledgement]
) -> None:
    env = deployment.env_name
    open_in = [
        f"environments.{env}.allowed_cidrs"
        for cidr in deployment.env.allowed_cidrs
        if cidr in WORLD
    ]
    open_in += [
        f"environments.{env}.services.{name}.allowed_cidrs"
        for name, override in deployment.env.services.items()
        if WORLD & set(override.allowed_cidrs or [])
    ]
    if open_in:
        _accept(
            accepted,
            stack.load_balancer_security_group,
            "AwsSolutions-EC23",
            "The security group admits 0.0.0.0/0 or ::/0.",
            "Risk accepted: anyone on the internet can reach the load balancers' "
            f"listeners. Acceptable because deploy.yaml asks for it "
            f"({', '.join(sorted(set(open_in)))} lists 0.0.0.0/0) for a public web "
            "app, and the tasks admit only the load balancers' security group.",
        )

    for name, endpoint in stack.endpoints.items():
        if _disposable(deployment):
            _accept(
                accepted,
                endpoint.load_balancer,
                "AwsSolutions-ELB2",
                "The load balancer has no access logs.",
                f"Risk accepted: no access log of the requests to {name} in {env}. "
                f"Acceptable because {env} is disposable (removal_policy: destroy) "
                "and access logs need an S3 bucket of their own, billed per GB; the "
                "service's own logs remain.",
            )

    for name, workload in stack.workloads.items():
        spec = deployment.services[name].spec
        names = sorted(
            {*spec.environment}
            | {key for c in spec.containers.values() for key in c.environment}
        )
        if names and not any(SECRET_LOOKING.search(key) for key in names):
            _accept(
                accepted,
                workload.task_definition,
                "AwsSolutions-ECS2",
                "The task definition sets environment variables directly.",
                f"Risk accepted: {name}'s environment variables ({', '.join(names)}) "
                "are readable by anyone who may describe the task definition. "
                "Acceptable because they are plain settings: none has a "
                "secret-looking name, secrets reach the container through `secrets:` "
                "references, and the rule slipway-plain-secret flags a secret-looking "
                "name with a plain value.",
            )
        _accept_registry_token(accepted, name, workload.task_definition.execution_role)


def _accept_registry_token(
    accepted: list[Acknowledgement], name: str, role: iam.IRole | None
) -> None:
    """Accept the `*` resource of the image pull grant, and only that one."""
    policy = role.node.try_find_child("DefaultPolicy") if role is not None else None
    if policy is None:
        return
    document = cdk.Stack.of(policy).resolve(policy.document.to_json())
    wildcard_actions = set()
    for statement in document.get("Statement", []):
        resources = statement.get("Resource", [])
        if "*" in (resources if isinstance(resources, list) else [resources]):
            actions = statement.get("Action", [])
            wildcard_actions |= set(actions if isinstance(actions, list) else [actions])
    if wildcard_actions != {REGISTRY_TOKEN}:
        logger.debug("%s: execution role wildcards %s", name, wildcard_actions)
        return
    _accept(
        accepted,
        policy,
        "AwsSolutions-IAM5[Resource::*]",
        "The policy allows an action on every resource (*).",
        f"Risk accepted: {name}'s execution role may get a registry login token for "
        f"the account. Acceptable because {REGISTRY_TOKEN} has no resource-level "
        "permissions, and the other ECR actions are limited to the image's "
        "repository.",
    )


def _accept(
    accepted: list[Acknowledgement],
    scope: Construct,
    rule: str,
    message: str,
    reason: str,
) -> None:
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
    stack = cdk.Stack.of(scope)
    resource = scope.node.default_child or scope
    accepted.append(
        Acknowledgement(
            rule=rule,
            stack=stack.stack_name,
            logical_id=stack.resolve(stack.get_logical_id(resource)),
            path=resource.node.path,
            message=message,
            reason=reason,
        )
    )
