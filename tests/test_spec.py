"""deploy.yaml validation: every bad input gets one sentence naming field and value."""

from __future__ import annotations

import pytest

from slipway.errors import SpecError
from slipway.spec import Condition, load_spec, parse_spec, resolve, volume_mounts
from tests.conftest import REPO, write_spec


def _errors(project, spec: dict) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(project, spec))
    return caught.value.lines()


def _set(spec: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    node = spec
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


BAD_INPUTS = [
    pytest.param(
        "services.backend.containers",
        {
            "migrate": {"image": "shop/migrate:1"},
            "worker": {"image": "shop/worker:1", "depends_on": {"migrate": "SUCCESS"}},
        },
        "deploy.yaml: services.backend.containers.worker.depends_on.migrate: SUCCESS "
        "waits for container 'migrate' to exit, and it is essential: its exit would "
        "stop the whole task (allowed: set services.backend.containers.migrate."
        "essential: false, or use START or HEALTHY)",
        id="complete-on-essential-container",
    ),
    pytest.param(
        "services.backend.secrets",
        {"CORS_ORIGINS": {"ssm": "/shop/cors"}},
        "deploy.yaml: services.backend.secrets.CORS_ORIGINS: 'CORS_ORIGINS' is also "
        "set in services.backend.environment (allowed: each variable in environment "
        "or in secrets, not both)",
        id="variable-and-secret",
    ),
    pytest.param(
        "services.backend.build.target",
        "nostage",
        "deploy.yaml: services.backend.build.target: 'nostage' is not a stage of "
        "backend/Dockerfile (allowed: runtime)",
        id="missing-target-stage",
    ),
    pytest.param(
        "environments.dev.services",
        {"backend": {"image": ""}},
        "deploy.yaml: environments.dev.services.backend.image: '' is not allowed "
        "(allowed: an image reference such as repo:tag or "
        "ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo:tag, without spaces)",
        id="empty-image",
    ),
    pytest.param(
        "services.backend.containers",
        {"sidecar": {"image": "Not A Valid:Image"}},
        "deploy.yaml: services.backend.containers.sidecar.image: 'Not A Valid:Image' "
        "is not allowed (allowed: an image reference such as repo:tag or "
        "ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo:tag, without spaces)",
        id="image-with-spaces",
    ),
    pytest.param(
        "services.backend.environment",
        {"CORS_ORIGINS": "${frontend.url"},
        "deploy.yaml: services.backend.environment.CORS_ORIGINS: '${frontend.url' "
        "opens a reference with '${' that is never closed (allowed: ${backend.url}, "
        "${backend.internal_url}, ${frontend.url}, ${frontend.internal_url})",
        id="unclosed-reference",
    ),
    pytest.param(
        "services.backend.port",
        True,
        "deploy.yaml: services.backend.port: true is not allowed (allowed: a whole "
        "number)",
        id="port-boolean",
    ),
    pytest.param(
        "services.backend.port",
        "8080",
        "deploy.yaml: services.backend.port: '8080' is not allowed (allowed: a whole "
        "number)",
        id="port-quoted",
    ),
    pytest.param(
        "app",
        "My_App",
        "deploy.yaml: app: 'My_App' is not allowed (allowed: 2 to 32 characters: "
        "lower-case letters, digits and dashes, starting with a letter and ending "
        "with a letter or digit)",
        id="app-name",
    ),
    pytest.param(
        "environments.dev.account",
        123456789012,
        "deploy.yaml: environments.dev.account: 123456789012 was read as a number, "
        "not text (allowed: text; quote it, as in '123456789012')",
        id="account-unquoted",
    ),
    pytest.param(
        "environments.dev.region",
        "Europe",
        "deploy.yaml: environments.dev.region: 'Europe' is not allowed (allowed: an "
        "AWS region such as eu-west-1)",
        id="region",
    ),
    pytest.param(
        "services.backend.secrets",
        {"DB_PASSWORD": "hunter2"},
        "deploy.yaml: services.backend.secrets.DB_PASSWORD: 'hunter2' is not allowed "
        "(allowed: a mapping with the keys field, secrets_manager, ssm)",
        id="secret-as-value",
    ),
    pytest.param(
        "services.backend.environment",
        None,
        "deploy.yaml: services.backend.environment: nothing is not allowed (allowed: "
        "a mapping)",
        id="empty-environment",
    ),
    pytest.param(
        "services.backend.helth_check",
        {"path": "/healthz"},
        "deploy.yaml: services.backend.helth_check: unknown key 'helth_check'; did you "
        "mean 'health_check'? (allowed: build, containers, cpu, depends_on, "
        "desired_count, environment, health_check, image, memory, port, secrets, "
        "task_role, volumes)",
        id="unknown-key",
    ),
    pytest.param(
        "services.backend.memory",
        4096,
        "deploy.yaml: services.backend.memory: 4096 MiB is not offered with cpu 256 "
        "(allowed: 512, 1024, 2048)",
        id="cpu-memory-pair",
    ),
    pytest.param(
        "services.backend.containers",
        {"proxy": {"image": "envoyproxy/envoy:v1.31", "port": 8080}},
        "deploy.yaml: services.backend.containers.proxy.port: 8080 is already used by "
        "container 'backend' in the same task (containers of one task share one "
        "network; allowed: a port other than 8080)",
        id="same-port-in-task",
    ),
    pytest.param(
        "services.backend.containers",
        {
            "migrate": {"image": "shop/migrate:1", "essential": False},
            "worker": {"image": "shop/worker:1", "depends_on": {"migrate": "HEALTHY"}},
        },
        "deploy.yaml: services.backend.containers.worker.depends_on.migrate: HEALTHY "
        "needs a health check on container 'migrate', which has none (allowed: add "
        "services.backend.containers.migrate.health_check, or use START, COMPLETE or "
        "SUCCESS)",
        id="healthy-without-check",
    ),
    pytest.param(
        "services.frontend.depends_on",
        {"backnd": "HEALTHY"},
        "deploy.yaml: services.frontend.depends_on.backnd: 'backnd' is not a service "
        "or a container of this task (allowed: backend)",
        id="unknown-dependency",
    ),
    pytest.param(
        "services.backend.containers",
        {"sidecar": {"image": "shop/sidecar:1", "depends_on": {"ghost": "START"}}},
        "deploy.yaml: services.backend.containers.sidecar.depends_on.ghost: 'ghost' is "
        "not a container of this task (allowed: backend)",
        id="unknown-container-dependency",
    ),
    pytest.param(
        "services.backend.depends_on",
        {"frontend": "START"},
        "deploy.yaml: services.backend.depends_on.frontend: dependency cycle backend "
        "-> frontend -> backend (allowed: dependencies that form no cycle)",
        id="service-cycle",
    ),
    pytest.param(
        "services.backend.containers",
        {
            "init": {"image": "x:1", "depends_on": {"cache": "START"}},
            "cache": {"image": "x:1", "depends_on": {"init": "START"}},
        },
        "deploy.yaml: services.backend.containers.init.depends_on.cache: dependency "
        "cycle init -> cache -> init (allowed: dependencies that form no cycle)",
        id="container-cycle",
    ),
    pytest.param(
        "services.frontend.depends_on",
        {"backend": "COMPLETE"},
        "deploy.yaml: services.frontend.depends_on.backend: COMPLETE cannot be used "
        "between two services: ECS has no such condition across tasks (allowed "
        "between services: START, HEALTHY)",
        id="complete-across-services",
    ),
    pytest.param(
        "services.frontend.depends_on",
        {"backend": "SUCCESS"},
        "deploy.yaml: services.frontend.depends_on.backend: SUCCESS cannot be used "
        "between two services: ECS has no such condition across tasks (allowed "
        "between services: START, HEALTHY)",
        id="success-across-services",
    ),
    pytest.param(
        "services.backend.port",
        70000,
        "deploy.yaml: services.backend.port: 70000 is out of range (allowed: 1 to "
        "65535)",
        id="port-too-high",
    ),
    pytest.param(
        "services.backend.port",
        0,
        "deploy.yaml: services.backend.port: 0 is out of range (allowed: 1 to 65535)",
        id="port-zero",
    ),
    pytest.param(
        "services.backend.environment",
        {"DB_PASSWORD": "hunter2"},
        "deploy.yaml: services.backend.environment.DB_PASSWORD: a plain value (7 "
        "characters, not shown) under a secret-looking key (allowed: a reference in "
        "services.backend.secrets, such as DB_PASSWORD: {ssm: /shop/db_password} or "
        "DB_PASSWORD: {secrets_manager: NAME})",
        id="secret-looking-key",
    ),
    pytest.param(
        "services.backend.environment",
        {"STRIPE_API_KEY": "sk_live_1"},
        "deploy.yaml: services.backend.environment.STRIPE_API_KEY: a plain value (9 "
        "characters, not shown) under a secret-looking key (allowed: a reference in "
        "services.backend.secrets, such as STRIPE_API_KEY: {ssm: /shop/stripe_api_key}"
        " or STRIPE_API_KEY: {secrets_manager: NAME})",
        id="api-key",
    ),
    pytest.param(
        "services.backend.build.context",
        "backnd",
        "deploy.yaml: services.backend.build.context: 'backnd' is not a directory "
        "(looked for {root}/backnd; allowed: a directory relative to {root})",
        id="missing-context",
    ),
    pytest.param(
        "services.backend.build.dockerfile",
        "Dockerfile.prod",
        "deploy.yaml: services.backend.build.dockerfile: 'Dockerfile.prod' does not "
        "exist in backend (Dockerfiles there: Dockerfile)",
        id="missing-dockerfile",
    ),
    pytest.param(
        "services.frontend.environment",
        {"API_URL": "${backnd.url}"},
        "deploy.yaml: services.frontend.environment.API_URL: '${backnd.url}' names no "
        "service 'backnd' (allowed: ${backend.url}, ${backend.internal_url}, "
        "${frontend.url}, ${frontend.internal_url})",
        id="unknown-url-reference",
    ),
    pytest.param(
        "services.frontend.environment",
        {"API_URL": "${backend.host}"},
        "deploy.yaml: services.frontend.environment.API_URL: '${backend.host}' names "
        "no attribute 'host' (allowed: ${backend.url}, ${backend.internal_url}, "
        "${frontend.url}, ${frontend.internal_url})",
        id="unknown-reference-attribute",
    ),
    pytest.param(
        "services.backend.volumes",
        {"data": {"path": "data"}},
        "deploy.yaml: services.backend.volumes.data.path: 'data' is a relative path "
        "(allowed: an absolute path other than /, such as /data)",
        id="relative-mount-path",
    ),
    pytest.param(
        "services.backend.volumes",
        {"data": {"path": "/data/../etc"}},
        "deploy.yaml: services.backend.volumes.data.path: '/data/../etc' climbs out of "
        "itself with '..' (allowed: an absolute path without '..', such as /data)",
        id="mount-path-with-dot-dot",
    ),
    pytest.param(
        "services.backend.containers",
        {"backup": {"image": "shop/backup:1", "volumes": {"data": {"path": "/"}}}},
        "deploy.yaml: services.backend.containers.backup.volumes.data.path: '/' would "
        "hide the container's whole file system (allowed: an absolute path other than "
        "/, such as /data)",
        id="mount-at-root",
    ),
    pytest.param(
        "services.backend.volumes",
        {"data": {"path": "/data"}, "uploads": {"path": "/data/"}},
        "deploy.yaml: services.backend.volumes.uploads.path: '/data/' is already where "
        "volume 'data' is mounted in container 'backend' (allowed: one volume per "
        "mount path in a container)",
        id="two-volumes-one-path",
    ),
    pytest.param(
        "services.backend.volumes",
        {"data": {"host_path": "./data", "path": "/data"}},
        "deploy.yaml: services.backend.volumes.data.host_path: './data' would "
        "bind-mount a directory of the host, and a Fargate task has no host to mount "
        "from (allowed: named volumes only, such as volumes: {data: {path: /data}}, "
        "kept on EFS when deployed)",
        id="bind-mount-host-path",
    ),
    pytest.param(
        "services.backend.containers",
        {
            "backup": {
                "image": "x:1",
                "volumes": {"data": {"source": "/srv", "path": "/b"}},
            }
        },
        "deploy.yaml: services.backend.containers.backup.volumes.data.source: '/srv' "
        "would bind-mount a directory of the host, and a Fargate task has no host to "
        "mount from (allowed: named volumes only, such as volumes: {data: {path: "
        "/data}}, kept on EFS when deployed)",
        id="bind-mount-source",
    ),
    pytest.param(
        "services.backend.volumes",
        ["./data:/data"],
        "deploy.yaml: services.backend.volumes: ['./data:/data'] is Compose's short "
        "syntax (allowed: a mapping of volume name to mount, such as volumes: {data: "
        "{path: /data}})",
        id="compose-short-syntax",
    ),
    pytest.param(
        "services.backend.volumes",
        {"Data": {"path": "/data"}},
        "deploy.yaml: services.backend.volumes.Data: 'Data' is not a valid volume name "
        "(allowed: 2 to 32 characters, lower-case letters, digits and dashes, starting "
        "with a letter)",
        id="volume-name",
    ),
    pytest.param(
        "services.backend.containers",
        {
            "backup": {"image": "x:1", "volumes": {"data": {"path": "/data"}}},
            "restore": {"image": "x:1", "volumes": {"data": {"path": "/in", "uid": 0}}},
        },
        "deploy.yaml: services.backend.containers.restore.volumes.data.uid: 0 differs "
        "from the uid 10001 that container 'backup' gives volume 'data' (allowed: "
        "10001, since a volume has one owner wherever the task mounts it)",
        id="volume-two-owners",
    ),
    pytest.param(
        "services.frontend.environment",
        {},
        "deploy.yaml: services.frontend.depends_on.backend: 'backend' is a service "
        "frontend waits for, yet no environment variable of its task refers to it "
        "(allowed: add one, such as services.frontend.environment.BACKEND_URL: "
        "${backend.url}, or ${backend.internal_url} for calls that stay inside the "
        "environment)",
        id="dependency-without-its-url",
    ),
    pytest.param(
        "services.frontend.environment",
        {"API_URL": "http://localhost:8080"},
        "deploy.yaml: services.frontend.depends_on.backend: 'backend' is a service "
        "frontend waits for, yet no environment variable of its task refers to it "
        "(allowed: add one, such as services.frontend.environment.BACKEND_URL: "
        "${backend.url}, or ${backend.internal_url} for calls that stay inside the "
        "environment)",
        id="dependency-with-a-fixed-url",
    ),
    pytest.param(
        "environments.dev.log_retention_days",
        10,
        "deploy.yaml: environments.dev.log_retention_days: 10 is not a CloudWatch Logs "
        "retention (allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, "
        "731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)",
        id="log-retention",
    ),
    pytest.param(
        "environments.dev.removal_policy",
        "keep",
        "deploy.yaml: environments.dev.removal_policy: 'keep' is not allowed "
        "(allowed: destroy, retain)",
        id="removal-policy",
    ),
    pytest.param(
        "environments.dev.allowed_cidrs",
        ["10.0.0.1/8"],
        "deploy.yaml: environments.dev.allowed_cidrs[0]: '10.0.0.1/8' is not a CIDR "
        "block (allowed: such as 203.0.113.0/24 or 0.0.0.0/0, with no host bits set)",
        id="cidr-host-bits",
    ),
    pytest.param(
        "environments.dev.services",
        {"backend": {"allowed_cidrs": ["203.0.113.7/24"]}},
        "deploy.yaml: environments.dev.services.backend.allowed_cidrs[0]: "
        "'203.0.113.7/24' is not a CIDR block (allowed: such as 203.0.113.0/24 or "
        "0.0.0.0/0, with no host bits set)",
        id="override-cidr-host-bits",
    ),
    pytest.param(
        "environments.dev.services",
        {"backend": {"cpu": 512, "memory": 512}},
        "deploy.yaml: environments.dev.services.backend.memory: 512 MiB is not offered "
        "with cpu 512 (allowed: 1024, 2048, 3072, 4096)",
        id="override-size",
    ),
    pytest.param(
        "environments.dev.services",
        {"api": {"desired_count": 2}},
        "deploy.yaml: environments.dev.services.api: 'api' is not a service (allowed: "
        "backend, frontend)",
        id="override-unknown-service",
    ),
    pytest.param(
        "services.frontend.depends_on",
        {"backend": "EVENTUALLY"},
        "deploy.yaml: services.frontend.depends_on.backend: 'EVENTUALLY' is not "
        "allowed (allowed: START, COMPLETE, SUCCESS, HEALTHY)",
        id="unknown-condition",
    ),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUTS)
def test_bad_input_is_refused_with_one_sentence_naming_field_and_value(
    project, spec_dict, field, value, message
):
    _set(spec_dict, field, value)

    assert _errors(project, spec_dict) == [message.replace("{root}", str(project))]


@pytest.mark.parametrize("key", ["TOKEN_URL", "DB_SECRET_ARN", "API_KEY_NAME"])
def test_a_key_that_says_where_a_secret_is_may_hold_a_plain_value(
    project, spec_dict, key
):
    _set(spec_dict, "services.backend.environment", {key: "https://vault.example"})

    spec, _ = load_spec(write_spec(project, spec_dict))

    assert spec.services["backend"].environment == {key: "https://vault.example"}


def test_a_key_given_twice_is_refused_naming_both_lines(project):
    text = (
        "app: shop\n"
        "environments: {dev: {}}\n"
        "services:\n"
        "  backend:\n"
        "    image: shop/backend:1\n"
        "    port: 8080\n"
        "    port: 9090\n"
    )

    with pytest.raises(SpecError) as caught:
        parse_spec(text, label="deploy.yaml", root=project)

    assert caught.value.lines() == [
        "deploy.yaml: services.backend.port: is given twice, on lines 6 and 7 "
        "(allowed: each key once; YAML would keep only the last)"
    ]


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (
            lambda path: path.write_bytes(b"app: sh\xe4p\n"),
            "deploy.yaml: byte 7 is not UTF-8 (allowed: a file saved as UTF-8)",
        ),
        (
            lambda path: path.mkdir(),
            "deploy.yaml: {path} is a directory (allowed: a YAML file)",
        ),
    ],
    ids=["latin-1", "directory"],
)
def test_a_spec_that_cannot_be_read_as_text_is_refused(tmp_path, write, message):
    path = tmp_path / "deploy.yaml"
    write(path)

    with pytest.raises(SpecError) as caught:
        load_spec(path)

    assert caught.value.lines() == [message.format(path=path)]


def test_a_secret_value_is_never_echoed_in_the_error(project, spec_dict):
    _set(spec_dict, "services.backend.environment", {"API_TOKEN": "s3cr3t-value"})

    assert "s3cr3t-value" not in "\n".join(_errors(project, spec_dict))


def test_every_problem_in_a_file_is_reported_at_once(project, spec_dict):
    _set(spec_dict, "services.backend.port", 0)
    _set(spec_dict, "services.frontend.helth_check", {})

    lines = _errors(project, spec_dict)

    assert [line.split(": ")[1] for line in lines] == [
        "services.backend.port",
        "services.frontend.helth_check",
    ]


def test_both_image_and_build_is_refused(project, spec_dict):
    _set(spec_dict, "services.backend.image", "shop/backend:1")

    assert _errors(project, spec_dict) == [
        "deploy.yaml: services.backend: both image and build are given (allowed: "
        "exactly one)"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "deploy.yaml: expected a mapping, got an empty file"),
        ("- a\n- b\n", "deploy.yaml: expected a mapping, got a list"),
        ("app: [\n", "deploy.yaml: line 2: not valid YAML: expected the node content"),
    ],
)
def test_a_file_that_is_not_a_mapping_is_refused(project, text, message):
    with pytest.raises(SpecError) as caught:
        parse_spec(text, label="deploy.yaml", root=project)

    assert str(caught.value).startswith(message)


def test_a_missing_file_names_where_it_was_looked_for(tmp_path):
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "deploy.yaml")

    assert str(caught.value) == f"deploy.yaml: file not found at {tmp_path}/deploy.yaml"


def test_the_shipped_spec_is_valid_and_names_both_services():
    spec, _ = load_spec(REPO / "deploy.yaml")

    assert list(spec.services) == ["backend", "frontend"]
    assert spec.services["backend"].port == 8080
    assert spec.services["frontend"].port == 80
    assert spec.services["frontend"].depends_on == {"backend": Condition.HEALTHY}
    assert {"local", "dev", "prod"} <= set(spec.environments)


def test_an_environment_override_replaces_build_with_image_and_sizes(
    project, spec_dict
):
    spec_dict["environments"]["dev"]["services"] = {
        "backend": {"image": "shop/backend:abc", "cpu": 512, "memory": 1024},
        "frontend": {"desired_count": 0},
    }
    spec, path = load_spec(write_spec(project, spec_dict))

    deployment = resolve(spec, "dev", path.parent)

    backend = deployment.services["backend"]
    assert (backend.image, backend.build, backend.cpu, backend.memory) == (
        "shop/backend:abc",
        None,
        512,
        1024,
    )
    assert deployment.services["frontend"].desired_count == 0
    assert deployment.services["frontend"].build is not None


def test_containers_of_one_task_share_a_volume_by_mounting_its_name(project, spec_dict):
    _set(spec_dict, "services.backend.volumes", {"data": {"path": "/data"}})
    _set(
        spec_dict,
        "services.backend.containers",
        {
            "backup": {
                "image": "shop/backup:1",
                "volumes": {"data": {"path": "/data", "read_only": True}},
            }
        },
    )
    spec, _ = load_spec(write_spec(project, spec_dict))

    mounts = volume_mounts("backend", spec.services["backend"])

    assert {
        container: {name: (v.path, v.read_only, v.uid) for name, v in volumes.items()}
        for container, volumes in mounts.items()
    } == {
        "backend": {"data": ("/data", False, 10001)},
        "backup": {"data": ("/data", True, 10001)},
    }


@pytest.mark.parametrize(
    ("field", "environment"),
    [
        ("services.frontend.environment", {"API_URL": "${backend.url}"}),
        ("services.frontend.environment", {"API": "${backend.internal_url}/v1"}),
        (
            "services.frontend.containers",
            {
                "proxy": {
                    "image": "shop/proxy:1",
                    "environment": {"UPSTREAM": "${backend.url}"},
                }
            },
        ),
    ],
)
def test_a_dependency_s_url_may_reach_any_container_of_the_task(
    project, spec_dict, field, environment
):
    _set(spec_dict, "services.frontend.environment", {})
    _set(spec_dict, field, environment)

    spec, _ = load_spec(write_spec(project, spec_dict))

    assert spec.services["frontend"].depends_on == {"backend": Condition.HEALTHY}


@pytest.mark.parametrize(
    ("override", "backend", "frontend"),
    [
        ({}, ["0.0.0.0/0"], ["0.0.0.0/0"]),
        (
            {"backend": {"allowed_cidrs": ["10.0.0.0/8"]}},
            ["10.0.0.0/8"],
            ["0.0.0.0/0"],
        ),
    ],
)
def test_a_service_admits_the_environment_cidrs_unless_the_environment_narrows_it(
    project, spec_dict, override, backend, frontend
):
    spec_dict["environments"]["dev"]["services"] = override
    spec, path = load_spec(write_spec(project, spec_dict))

    deployment = resolve(spec, "dev", path.parent)

    assert deployment.services["backend"].allowed_cidrs == backend
    assert deployment.services["frontend"].allowed_cidrs == frontend
