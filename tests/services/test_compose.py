"""services/compose.yaml: valid Compose, and the same services as deploy.yaml."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.services.support import (
    REPO,
    SERVICE_NAMES,
    SERVICES,
    load_deploy_spec,
    read_stages,
)

COMPOSE = SERVICES / "compose.yaml"
CHECK_COMPOSE = [
    str(Path(sys.executable).parent / "check-jsonschema"),
    "--builtin-schema",
    "vendor.compose-spec",
    str(COMPOSE),
]


@pytest.fixture
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def published_port(service: dict) -> tuple[int, int]:
    """(host, container) of the one port a Compose service publishes."""
    [mapping] = service["ports"]
    host, container = str(mapping).split(":")
    return int(host), int(container)


def test_the_compose_file_follows_the_compose_specification():
    result = subprocess.run(CHECK_COMPOSE, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_builds_a_stage_of_the_service_dockerfile(compose: dict, service: str):
    build = compose["services"][service]["build"]

    stages = read_stages(SERVICES / build["context"] / "Dockerfile")

    assert build["target"] in [stage.name for stage in stages]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_builds_what_deploy_yaml_builds(compose: dict, service: str):
    build = compose["services"][service]["build"]
    deployed = load_deploy_spec()["services"][service]["build"]

    assert (SERVICES / build["context"]).resolve() == REPO / deployed["context"]
    assert build["target"] == deployed["target"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_publishes_the_container_port_in_deploy_yaml(
    compose: dict, service: str
):
    _, container = published_port(compose["services"][service])

    assert container == load_deploy_spec()["services"][service]["port"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_compose_service_has_a_health_check(compose: dict, service: str):
    test = compose["services"][service]["healthcheck"]["test"]

    assert test[0] == "CMD" and len(test) > 1


def test_the_frontend_starts_only_once_the_backend_is_healthy(compose: dict):
    depends_on = compose["services"]["frontend"]["depends_on"]

    assert depends_on == {"backend": {"condition": "service_healthy"}}


def test_backend_data_is_on_a_named_volume_and_nothing_is_bind_mounted(compose: dict):
    mounts = [
        mount.split(":")
        for service in compose["services"].values()
        for mount in service.get("volumes", [])
    ]
    backend = compose["services"]["backend"]

    assert {source for source, _ in mounts} <= set(compose["volumes"])
    assert backend["environment"]["DATA_DIR"] in [
        mount.split(":")[1] for mount in backend["volumes"]
    ]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_mounts_a_named_volume_wherever_deploy_yaml_mounts_one(
    compose: dict, service: str
):
    volumes = load_deploy_spec()["services"][service].get("volumes", {})

    mounted = [
        mount.split(":")[1] for mount in compose["services"][service].get("volumes", [])
    ]

    assert sorted(mounted) == sorted(volume["path"] for volume in volumes.values())


def test_the_page_reaches_the_backend_through_its_published_port(compose: dict):
    host_port, _ = published_port(compose["services"]["backend"])

    api_url = compose["services"]["frontend"]["environment"]["API_URL"]

    assert api_url == f"http://localhost:{host_port}"


def test_the_backend_allows_the_origin_of_the_published_page(compose: dict):
    host_port, _ = published_port(compose["services"]["frontend"])
    origin = "http://localhost" if host_port == 80 else f"http://localhost:{host_port}"

    origins = compose["services"]["backend"]["environment"]["CORS_ORIGINS"]

    assert origin in origins.split(",")
