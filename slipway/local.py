"""The main job on the local emulator: bootstrap, deploy, read back, destroy."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from slipway import cdk, emulator, inventory
from slipway.errors import SlipwayError
from slipway.naming import url_output_key
from slipway.spec import Spec

logger = logging.getLogger(__name__)

BOOTSTRAP_STACK = "CDKToolkit"


@dataclass(frozen=True)
class Deployed:
    """What `up` left behind: where the emulator is, the URLs, what exists."""

    endpoint: str
    emulator_started: bool
    urls: dict[str, str]
    items: list[inventory.Item] = field(default_factory=list)
    # What a shell needs exported to reach the emulator with the AWS CLI or boto3.
    aws_environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Destroyed:
    """What `down` destroyed, and what outlived the destroy."""

    previews: list[str]
    leftovers: list[inventory.Item]


def stack_names(spec: Spec, env_name: str) -> list[str]:
    prefix = f"{spec.app}-{env_name}"
    return [f"{prefix}-network", f"{prefix}-services"]


def check_emulator_environment(spec: Spec, env_name: str, spec_label: str) -> None:
    emulated = [name for name, env in spec.environments.items() if env.emulator]
    if env_name not in spec.environments or not spec.environments[env_name].emulator:
        raise SlipwayError(
            f"--env: '{env_name}' is not an emulator environment in {spec_label} "
            f"(allowed: {', '.join(emulated) or 'none: set emulator: true'})"
        )


def clients_for(running: emulator.Emulator) -> inventory.Clients:
    """boto3 clients that talk to the emulator."""
    env = running.aws_environment()
    session = boto3.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    return functools.partial(session.client, endpoint_url=running.endpoint)


def bootstrap(
    clients: inventory.Clients, *, root: Path, env: dict[str, str], cwd: Path, progress
) -> None:
    """Bootstrap the emulator's account and region, unless that is done already."""
    if inventory.stack_exists(clients, BOOTSTRAP_STACK):
        return
    where = f"aws://{emulator.ACCOUNT}/{emulator.REGION}"
    progress(f"bootstrapping {where}")
    cwd.mkdir(parents=True, exist_ok=True)
    # Run outside the project so the CLI bootstraps without synthesizing the app.
    cdk.run(["bootstrap", where], root=root, env=env, cwd=cwd, capture=True)


def service_urls(spec: Spec, outputs: dict[str, str]) -> dict[str, str]:
    """Each service's URL among a services stack's outputs."""
    return {
        name: outputs[key]
        for name in spec.services
        if (key := url_output_key(name)) in outputs
    }


def up(
    *,
    root: Path,
    state: Path,
    spec: Spec,
    spec_path: Path,
    env_name: str,
    port: int | None = None,
    progress=lambda message: None,
) -> Deployed:
    """Start the emulator if needed, bootstrap it once, and deploy `env_name`."""
    check_emulator_environment(spec, env_name, spec_path.name)
    running, started = emulator.start(state, port)
    progress(
        f"emulator {'started' if started else 'already running'} at {running.endpoint}"
    )
    clients = clients_for(running)
    aws_env = running.aws_environment()
    bootstrap(clients, root=root, env=aws_env, cwd=state, progress=progress)

    progress(f"deploying {', '.join(stack_names(spec, env_name))}")
    cdk.run(
        [
            "deploy",
            "--all",
            "-c",
            f"env={env_name}",
            "-c",
            f"spec={spec_path}",
            # NOTE: with change sets the emulator drops stack outputs and exports.
            "--method=direct",
            "--require-approval=never",
            "--progress=events",
        ],
        root=root,
        env=aws_env,
    )

    names = stack_names(spec, env_name)
    urls = service_urls(spec, inventory.stack_outputs(clients, names[-1]))
    return Deployed(
        endpoint=running.endpoint,
        emulator_started=started,
        urls=urls,
        items=inventory.collect(clients, names),
        aws_environment={
            name: aws_env[name]
            for name in (
                "AWS_ENDPOINT_URL",
                "AWS_REGION",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
            )
        },
    )


def destroy(
    *,
    root: Path,
    running: emulator.Emulator,
    spec: Spec,
    spec_path: Path,
    env_name: str,
) -> list[inventory.Item]:
    """Destroy the environment's stacks; return what they owned that still exists."""
    clients = clients_for(running)
    names = stack_names(spec, env_name)
    owned = inventory.resources(clients, names)
    cdk.run(
        [
            "destroy",
            "--all",
            "-c",
            f"env={env_name}",
            "-c",
            f"spec={spec_path}",
            "--force",
        ],
        root=root,
        env=running.aws_environment(),
    )
    remaining = [
        inventory.Item("stack", name, "still exists")
        for name in names
        if inventory.stack_exists(clients, name)
    ]
    return remaining + inventory.describe(clients, owned)


def down(
    *, root: Path, state: Path, spec: Spec, spec_path: Path, env_name: str, progress
) -> Destroyed | None:
    """Destroy the environment's previews and what `up` deployed; stop the emulator.

    Returns what was destroyed and what survived, or None when no emulator was
    running.
    """
    check_emulator_environment(spec, env_name, spec_path.name)
    running = emulator.running(state)
    if running is None:
        return None
    # Previews sit on the environment's network: destroying it first would leave
    # them behind, broken, until the emulator stops.
    previews, leftovers = _destroy_previews(running, spec.app, env_name, progress)
    progress(f"destroying {', '.join(reversed(stack_names(spec, env_name)))}")
    leftovers += destroy(
        root=root, running=running, spec=spec, spec_path=spec_path, env_name=env_name
    )
    progress(f"stopping the emulator at {running.endpoint}")
    emulator.stop(state)
    return Destroyed(previews=previews, leftovers=leftovers)


def _destroy_previews(
    running: emulator.Emulator, app: str, env_name: str, progress
) -> tuple[list[str], list[inventory.Item]]:
    # NOTE: imported here because preview_lifecycle builds on this module.
    from slipway import preview_lifecycle

    target = preview_lifecycle.running_emulator_target(running)
    destroyed, leftovers = [], []
    for listed in preview_lifecycle.list_previews(
        target=target, app=app, env_name=env_name
    ):
        progress(f"destroying preview {listed.stack_name}")
        teardown = preview_lifecycle.down(
            target=target, app=app, env_name=env_name, name=listed.name
        )
        destroyed.append(listed.stack_name)
        leftovers += teardown.leftovers
        if teardown.failure:
            leftovers.append(
                inventory.Item("stack", listed.stack_name, teardown.failure)
            )
    return destroyed, leftovers
