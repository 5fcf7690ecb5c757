"""A preview environment's stack: lean copies of its base environment's services."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

import jsii
from aws_cdk import Annotations, Aspects, Aws, CfnResource, IAspect, RemovalPolicy, Tags
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from constructs import Construct, IConstruct

from slipway.naming import pascal_case
from slipway.preview import expiry, lean_deployment, make_preview, parse_expires_at
from slipway.spec import Deployment, Spec
from stacks.network import NetworkStack
from stacks.services import ServicesStack

SPOT_CAPACITY_PROVIDER = "FARGATE_SPOT"
ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com"
    r"(?:\.cn)?/(?P<name>[^:@]+)[:@]"
)
ECR_WARNING = "@aws-cdk/aws-ecs:ecrImageRequiresPolicy"


class PreviewServicesStack(ServicesStack):
    """Every service of a base environment, for one branch, on that base's network.

    Previews share their base's VPC and cluster; this stack holds only what is
    the preview's own, all of it removed when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deployment: Deployment,
        network: NetworkStack,
        tags: Mapping[str, str],
        **kwargs,
    ) -> None:
        super().__init__(
            scope, construct_id, deployment=deployment, network=network, **kwargs
        )

        # Interruptions are acceptable in a preview; Spot costs about a third.
        for workload in self.workloads.values():
            service = workload.cfn_service
            service.launch_type = None
            service.capacity_provider_strategy = [
                ecs.CfnService.CapacityProviderStrategyItemProperty(
                    capacity_provider=SPOT_CAPACITY_PROVIDER, weight=1
                )
            ]

        # Pushed images are referred to by name, so pulling them from a private
        # ECR repository needs a grant to each task's execution role.
        for name, service in deployment.services.items():
            match = ECR_IMAGE.match(service.image or "")
            if match is None:
                continue
            workload = self.workloads[name]
            repository = ecr.Repository.from_repository_attributes(
                self,
                f"{pascal_case(name)}Repository",
                repository_arn=(
                    f"arn:{Aws.PARTITION}:ecr:{match['region']}:{match['account']}:"
                    f"repository/{match['name']}"
                ),
                repository_name=match["name"],
            )
            repository.grant_pull(workload.task_definition.obtain_execution_role())
            Annotations.of(workload.containers[name]).acknowledge_warning(
                ECR_WARNING, "pull is granted on the repository to the execution role"
            )

        Aspects.of(self).add(_DestroyedWithTheStack())
        for key, value in tags.items():
            Tags.of(self).add(key, value)


def add_preview(
    scope: Construct,
    *,
    spec: Spec,
    deployment: Deployment,
    network: NetworkStack,
    spec_label: str,
    branch: str,
    pull_request: str | int | None,
    image_tag: str | None,
    expires_at: str | None,
    now: datetime,
    **kwargs,
) -> PreviewServicesStack:
    """The preview of `branch` on the base environment of `deployment`, from the
    values of `cdk -c preview=BRANCH -c pr=N -c image-tag=TAG -c expires-at=T`.

    Without an expiry time, the preview expires the spec's ttl after `now`.
    """
    preview = make_preview(
        app=spec.app,
        env_name=deployment.env_name,
        branch=branch,
        expires_at=(
            parse_expires_at(expires_at, flag="-c expires-at")
            if expires_at
            else expiry(now, spec.previews.ttl_delta)
        ),
        pull_request=pull_request,
        image_tag=image_tag,
        flags={
            "branch": "-c preview",
            "pull_request": "-c pr",
            "image_tag": "-c image-tag",
        },
    )
    stack = PreviewServicesStack(
        scope,
        preview.stack_name,
        deployment=lean_deployment(
            deployment, spec.previews, preview.image_tag, label=spec_label
        ),
        network=network,
        # Cloud Map namespace names are unique in an account and region: the base
        # environment already holds `APP-ENV`.
        namespace_name=preview.stack_name,
        tags=preview.tags(),
        description=f"{spec.app} {deployment.env_name}: preview {preview.name}",
        **kwargs,
    )
    stack.add_stack_dependency(network)
    return stack


@jsii.implements(IAspect)
class _DestroyedWithTheStack:
    """Every resource, log groups and file systems included, goes with its stack."""

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, CfnResource):
            node.apply_removal_policy(RemovalPolicy.DESTROY)
