"""The network an environment's services run in: a VPC over two zones and a cluster."""

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from constructs import Construct


class NetworkStack(Stack):
    """A VPC over two availability zones and the ECS cluster the services join."""

    def __init__(
        self, scope: Construct, construct_id: str, *, nat_gateways: int, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        subnets = [
            ec2.SubnetConfiguration(
                name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24
            )
        ]
        if nat_gateways:
            subnets.append(
                ec2.SubnetConfiguration(
                    name="Private",
                    subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                    cidr_mask=22,
                )
            )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=nat_gateways,
            subnet_configuration=subnets,
        )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=self.vpc,
            enable_fargate_capacity_providers=True,
        )

        # Without NAT gateways there are no private subnets with a way out, so tasks
        # sit in public subnets with a public IP (their security groups still admit
        # only the load balancers).
        self.task_subnets = ec2.SubnetSelection(
            subnet_type=(
                ec2.SubnetType.PRIVATE_WITH_EGRESS
                if nat_gateways
                else ec2.SubnetType.PUBLIC
            )
        )
        self.tasks_need_public_ip = not nat_gateways

        CfnOutput(self, "ClusterName", value=self.cluster.cluster_name)
