"""What deploy.yaml says about each service matches what the service does."""

from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from notes_api.api import create_app
from notes_api.settings import Settings

from slipway.spec import Service
from tests.services.support import BACKEND, Server, load_deploy_spec, read_stages

VARIABLES_READ = {
    "backend": {name.upper() for name in Settings.model_fields},
    "frontend": {"API_URL"},
}


def service_spec(service: str) -> dict:
    return load_deploy_spec()["services"][service]


def test_the_backend_answers_its_health_check_path_with_200(tmp_path: Path):
    path = service_spec("backend")["health_check"]["path"]

    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        assert client.get(path).status_code == 200


def test_the_frontend_answers_its_health_check_path_with_200(
    serve_frontend: Callable[[str], Server],
):
    path = service_spec("frontend")["health_check"]["path"]
    frontend = serve_frontend("http://127.0.0.1:9")

    assert httpx2.get(f"{frontend.url}{path}").status_code == 200


def test_the_backend_listens_on_its_port_in_deploy_yaml():
    spec = service_spec("backend")
    default = Settings.model_fields["port"].default

    assert int(spec.get("environment", {}).get("PORT", default)) == spec["port"]


def test_the_backend_data_dir_in_deploy_yaml_is_the_volume_of_its_image():
    data_dir = service_spec("backend")["environment"]["DATA_DIR"]

    assert data_dir in read_stages(BACKEND / "Dockerfile")[-1].values("VOLUME")


def test_the_backend_data_dir_is_a_volume_owned_by_the_user_of_its_image():
    spec = Service.model_validate(service_spec("backend"))
    runtime = read_stages(BACKEND / "Dockerfile")[-1]

    mounted = {volume.path: volume for volume in spec.volumes.values()}
    volume = mounted[spec.environment["DATA_DIR"]]

    assert (str(volume.uid), volume.read_only) == (runtime.values("USER")[-1], False)


@pytest.mark.parametrize("service", sorted(VARIABLES_READ))
def test_deploy_yaml_sets_only_variables_the_service_reads(service: str):
    variables = set(service_spec(service).get("environment", {}))

    assert variables - VARIABLES_READ[service] == set()
