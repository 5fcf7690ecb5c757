"""Shared fixtures: a minimal valid spec to mutate, and synthesized templates."""

from __future__ import annotations

import copy
import os
import socket
import sys
from pathlib import Path

# jsii starts Node.js on import of aws_cdk: the virtualenv's, as in app.py.
if (Path(sys.prefix) / "bin" / "node").exists():
    os.environ.setdefault("JSII_NODE", str(Path(sys.prefix) / "bin" / "node"))

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk.assertions import Template

REPO = Path(__file__).resolve().parents[1]

BASE_SPEC = {
    "app": "shop",
    "environments": {
        "local": {"emulator": True},
        "dev": {"log_retention_days": 14},
    },
    "services": {
        "backend": {
            "build": {"context": "backend", "target": "runtime"},
            "port": 8080,
            "health_check": {"path": "/healthz"},
            "environment": {"CORS_ORIGINS": "${frontend.url}"},
        },
        "frontend": {
            "build": {"context": "frontend", "target": "runtime"},
            "port": 80,
            "environment": {"API_URL": "${backend.url}"},
            "depends_on": {"backend": "HEALTHY"},
        },
    },
}


@pytest.fixture
def spec_dict() -> dict:
    """A deep copy of a small valid spec, for a test to break."""
    return copy.deepcopy(BASE_SPEC)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with the build contexts BASE_SPEC names."""
    return make_build_contexts(tmp_path)


@pytest.fixture(scope="module", name="state")
def emulator_state(tmp_path_factory):
    """The state folder of an emulator of the test module's own, stopped after it."""
    from slipway import emulator

    folder = tmp_path_factory.mktemp("emulator")
    yield folder
    emulator.stop(folder)


@pytest.fixture(scope="module")
def deployed(state):
    """The shipped spec's `local` environment, deployed to the module's emulator."""
    from slipway import local
    from slipway.spec import load_spec

    spec, path = load_spec(REPO / "deploy.yaml")
    return local.up(
        root=REPO,
        state=state,
        spec=spec,
        spec_path=path.resolve(),
        env_name="local",
        port=free_port(),
    )


def make_build_contexts(folder: Path) -> Path:
    """Give `folder` the build contexts BASE_SPEC names, each with a Dockerfile."""
    for name in ("backend", "frontend"):
        (folder / name).mkdir(exist_ok=True)
        (folder / name / "Dockerfile").write_text("FROM scratch AS runtime\n")
    return folder


def synth_environments(
    tmp_path_factory, spec: dict, envs: tuple[str, ...], stack: str = "services"
) -> dict[str, Template]:
    """`spec` in a project of its own, synthesized for each of `envs`: the template
    of one of its stacks, by environment."""
    folder = make_build_contexts(tmp_path_factory.mktemp("project"))
    path = write_spec(folder, spec)
    return {
        env: synth(path, env, tmp_path_factory.mktemp(env))[
            f"{spec['app']}-{env}-{stack}"
        ]
        for env in envs
    }


def only_logical_id(template: Template, kind: str, properties: dict) -> str:
    """The logical ID of the one resource of `kind` with `properties`."""
    found = template.find_resources(kind, {"Properties": properties})
    assert len(found) == 1, f"expected one {kind} with {properties}, found {found}"
    return next(iter(found))


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def write_spec(folder: Path, spec: dict) -> Path:
    path = folder / "deploy.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def synth(spec_path: Path, env_name: str, outdir: Path) -> dict[str, Template]:
    """Synthesize the app for one environment; templates by stack name."""
    import app as slipway_app

    cdk_app = cdk.App(
        context={"env": env_name, "spec": str(spec_path)}, outdir=str(outdir)
    )
    slipway_app.build(cdk_app)
    assembly = cdk_app.synth()
    return {
        stack.stack_name: Template.from_json(stack.template)
        for stack in assembly.stacks
    }
