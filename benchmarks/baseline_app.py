"""The synth baseline: two ecs_patterns load-balanced Fargate services on one VPC."""

import os
import sys
from pathlib import Path

VENV_BIN = Path(sys.prefix) / "bin"
if (VENV_BIN / "node").exists():
    os.environ.setdefault("JSII_NODE", str(VENV_BIN / "node"))

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_ec2 as ec2  # noqa: E402
from aws_cdk import aws_ecs as ecs  # noqa: E402
from aws_cdk import aws_ecs_patterns as ecs_patterns  # noqa: E402

SERVICES = Path(__file__).resolve().parents[1] / "services"


def main() -> None:
    app = cdk.App()
    network = cdk.Stack(app, "baseline-network")
    vpc = ec2.Vpc(network, "Vpc", max_azs=2, nat_gateways=1)
    cluster = ecs.Cluster(network, "Cluster", vpc=vpc)

    services = cdk.Stack(app, "baseline-services")
    for name, port in (("backend", 8080), ("frontend", 80)):
        ecs_patterns.ApplicationLoadBalancedFargateService(
            services,
            name.capitalize(),
            cluster=cluster,
            cpu=256,
            memory_limit_mib=512,
            task_image_options=ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
                image=ecs.ContainerImage.from_asset(
                    str(SERVICES / name), target="runtime"
                ),
                container_port=port,
            ),
        )
    app.synth()


if __name__ == "__main__":
    main()
