"""The Dockerfiles: lint-clean, named stages, and the stage deploy.yaml builds."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services.support import (
    BACKEND,
    FRONTEND,
    REPO,
    SERVICE_NAMES,
    SERVICES,
    Stage,
    load_deploy_spec,
    read_stages,
)

HADOLINT = Path(sys.executable).parent / "hadolint"
ENTRYPOINT_SCRIPT = re.compile(r"^/docker-entrypoint\.d/[^/]+\.sh$")


def deployed_stage(service: str) -> Stage:
    """The stage that deploy.yaml builds for `service`."""
    build = load_deploy_spec()["services"][service]["build"]
    dockerfile = REPO / build["context"] / build.get("dockerfile", "Dockerfile")
    named = {stage.name: stage for stage in read_stages(dockerfile)}
    assert build["target"] in named, (
        f"deploy.yaml: services.{service}.build.target: {build['target']!r} is not a "
        f"stage of {build['context']} (stages: {', '.join(map(str, named))})"
    )
    return named[build["target"]]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_hadolint_finds_nothing_in_the_dockerfile(service: str):
    result = subprocess.run(
        [str(HADOLINT), str(SERVICES / service / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("service", "stages"),
    [("backend", ["builder", "runtime"]), ("frontend", ["build", "runtime"])],
)
def test_each_dockerfile_has_a_named_build_stage_then_runtime(
    service: str, stages: list[str]
):
    found = [stage.name for stage in read_stages(SERVICES / service / "Dockerfile")]

    assert found == stages


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_target_in_deploy_yaml_is_a_stage_of_its_dockerfile(service: str):
    build = load_deploy_spec()["services"][service]["build"]

    dockerfile = REPO / build["context"] / build.get("dockerfile", "Dockerfile")

    assert build["target"] in [stage.name for stage in read_stages(dockerfile)]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_final_stage_runs_as_a_numeric_non_root_user(service: str):
    users = read_stages(SERVICES / service / "Dockerfile")[-1].values("USER")

    assert users, "the final stage has no USER instruction"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) > 0, f"USER {users[-1]}"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_the_deployed_stage_exposes_exactly_the_port_in_deploy_yaml(service: str):
    stage = deployed_stage(service)
    port = load_deploy_spec()["services"][service]["port"]

    exposed = {
        word.split("/")[0] for value in stage.values("EXPOSE") for word in value.split()
    }

    assert exposed == {str(port)}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_path_copied_from_the_build_context_exists(service: str):
    context = SERVICES / service
    copied = [
        source
        for stage in read_stages(context / "Dockerfile")
        for value in stage.values("COPY")
        if "--from=" not in value
        for source in [w for w in shlex.split(value) if not w.startswith("--")][:-1]
    ]

    assert copied
    assert [source for source in copied if not (context / source).exists()] == []


def test_the_backend_keeps_its_data_directory_on_a_volume():
    runtime = read_stages(BACKEND / "Dockerfile")[-1]

    assert runtime.env()["DATA_DIR"] in runtime.values("VOLUME")


def test_the_frontend_writes_config_js_at_start_where_nginx_serves_it():
    runtime = read_stages(FRONTEND / "Dockerfile")[-1]
    nginx = (FRONTEND / "nginx.conf").read_text()
    served = re.search(r"location = /config\.js \{\s*alias ([^;]+);", nginx)
    scripts = [
        shlex.split(value)
        for value in runtime.values("COPY")
        if "runtime-config.sh" in value
    ]

    assert served and served.group(1) == runtime.env()["CONFIG_JS_PATH"]
    assert len(scripts) == 1
    assert "--chmod=755" in scripts[0]
    assert ENTRYPOINT_SCRIPT.match(scripts[0][-1])


def test_nginx_listens_on_the_frontend_port_in_deploy_yaml():
    port = load_deploy_spec()["services"]["frontend"]["port"]
    nginx = (FRONTEND / "nginx.conf").read_text()

    listens = re.findall(r"^\s*listen\s+(\S+);", nginx, re.MULTILINE)

    assert listens == [str(port)]
