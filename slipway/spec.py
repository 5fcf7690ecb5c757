"""The deployment spec: `deploy.yaml` loaded once and validated into typed objects."""

from __future__ import annotations

import ipaddress
import posixpath
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from slipway.errors import Problem, SpecError, problems_from_validation
from slipway.preview_spec import Previews, check_previews

DEFAULT_SPEC_FILE = "deploy.yaml"

# Fargate's task sizes: cpu units -> memory (MiB) it may be paired with.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

# The retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
    2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# Attributes a `${service.ATTR}` reference may name, and what each resolves to.
REFERENCE_ATTRIBUTES = {
    "url": "the service's load balancer URL",
    "internal_url": "the service's Service Connect URL, for the environment's tasks",
}

# The owner of a volume's files when the spec names none: the non-root user the
# example backend image runs as, so its data directory is writable out of the box.
VOLUME_OWNER = 10001
POSIX_ID_MAX = 4294967295

BIND_MOUNT_REFUSED = (
    "would bind-mount a directory of the host, and a Fargate task has no host to "
    "mount from (allowed: named volumes only, such as volumes: {data: {path: /data}}, "
    "kept on EFS when deployed)"
)

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"
REFERENCE = re.compile(r"\$\{([^}]*)\}")
SECRET_LOOKING = re.compile(
    r"(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY)(_|$)", re.I
)


class Condition(StrEnum):
    """When a dependent container may start, as ECS names it."""

    START = "START"
    COMPLETE = "COMPLETE"
    SUCCESS = "SUCCESS"
    HEALTHY = "HEALTHY"


# Between two services there are no containers to wait on: only "created after the
# other service is stable" exists (a CloudFormation DependsOn).
SERVICE_CONDITIONS = (Condition.START, Condition.HEALTHY)

# NOTE: strict, so that YAML's `true` or a quoted "8080" is refused rather than
# quietly read as a number.
Port = Annotated[int, Field(ge=1, le=65535, strict=True)]
Count = Annotated[int, Field(strict=True)]
Name = Annotated[
    str,
    Field(
        pattern=NAME_PATTERN,
        description="2 to 32 characters: lower-case letters, digits and dashes, "
        "starting with a letter and ending with a letter or digit",
    ),
]
ImageRef = Annotated[
    str,
    Field(
        pattern=r"^\S+$",
        description="an image reference such as repo:tag or "
        "ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo:tag, without spaces",
    ),
]
# Names that end like these hold where a secret is, or what it is called, not the
# secret itself: TOKEN_URL, DB_SECRET_ARN, API_KEY_NAME.
NOT_SECRET_SUFFIX = re.compile(
    r"_(URL|URI|ARN|NAME|ID|PATH|FILE|HOST|ENDPOINT|REGION)$", re.I
)
STAGE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)", re.I | re.M)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Build(_Strict):
    """Build a Dockerfile stage at deploy time, like `docker build --target`."""

    context: str
    dockerfile: str = "Dockerfile"
    target: str | None = None


class HealthCheck(_Strict):
    """The load balancer's check of a service, plus an optional in-container check."""

    path: str = Field(
        default="/", pattern=r"^/", description="a URL path starting with /"
    )
    interval: int = Field(default=30, ge=5, le=300)
    timeout: int = Field(default=5, ge=2, le=120)
    healthy_threshold: int = Field(default=2, ge=2, le=10)
    unhealthy_threshold: int = Field(default=3, ge=2, le=10)
    start_period: int = Field(default=0, ge=0, le=2147483647)
    command: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _timeout_below_interval(self) -> HealthCheck:
        if self.timeout >= self.interval:
            raise ValueError(
                f"timeout {self.timeout} s must be shorter than interval "
                f"{self.interval} s"
            )
        return self


class ContainerHealthCheck(_Strict):
    """A container's own health check, run by ECS inside the task."""

    command: list[str] = Field(min_length=1)
    interval: int = Field(default=30, ge=5, le=300)
    timeout: int = Field(default=5, ge=2, le=60)
    retries: int = Field(default=3, ge=1, le=10)
    start_period: int = Field(default=0, ge=0, le=300)


class SecretRef(_Strict):
    """Where a secret lives. slipway never holds the value itself."""

    ssm: str | None = None
    secrets_manager: str | None = None
    field: str | None = None

    @model_validator(mode="after")
    def _exactly_one_source(self) -> SecretRef:
        if (self.ssm is None) == (self.secrets_manager is None):
            raise ValueError("give exactly one of ssm or secrets_manager")
        if self.field is not None and self.secrets_manager is None:
            raise ValueError("field only applies to secrets_manager")
        return self


class Volume(_Strict):
    """A named volume mounted into a container, kept on EFS when deployed."""

    # Keys of Compose's bind mounts: refused with the reason, not as unknown keys.
    REFUSED_KEYS: ClassVar[dict[str, str]] = {
        "host_path": BIND_MOUNT_REFUSED,
        "source": BIND_MOUNT_REFUSED,
    }

    path: str
    read_only: bool = False
    uid: int = Field(default=VOLUME_OWNER, ge=0, le=POSIX_ID_MAX)
    gid: int = Field(default=VOLUME_OWNER, ge=0, le=POSIX_ID_MAX)


class Container(_Strict):
    """An extra container in a service's task: an init step or a sidecar."""

    image: ImageRef | None = None
    build: Build | None = None
    command: list[str] | None = None
    essential: bool = True
    port: Port | None = None
    cpu: int = Field(default=0, ge=0)
    memory: int | None = Field(default=None, ge=6)
    environment: dict[str, str] = {}
    secrets: dict[str, SecretRef] = {}
    health_check: ContainerHealthCheck | None = None
    depends_on: dict[str, Condition] = {}
    volumes: dict[str, Volume] = {}

    @field_validator("volumes", mode="before")
    @classmethod
    def _no_short_syntax(cls, value: object) -> object:
        return _refuse_compose_short_syntax(value)

    @model_validator(mode="after")
    def _one_image_source(self) -> Container:
        _check_image_source(self.image, self.build)
        return self


class Service(_Strict):
    """One deployable service: its task definition, ECS service and load balancer."""

    image: ImageRef | None = None
    build: Build | None = None
    port: Port
    health_check: HealthCheck = HealthCheck()
    cpu: Count = 256
    memory: Count = 512
    desired_count: Count = Field(default=1, ge=0, le=1000)
    environment: dict[str, str] = {}
    secrets: dict[str, SecretRef] = {}
    depends_on: dict[str, Condition] = {}
    containers: dict[str, Container] = {}
    volumes: dict[str, Volume] = {}
    task_role: Literal["shared", "own"] = "shared"

    @field_validator("volumes", mode="before")
    @classmethod
    def _no_short_syntax(cls, value: object) -> object:
        return _refuse_compose_short_syntax(value)

    @model_validator(mode="after")
    def _one_image_source(self) -> Service:
        _check_image_source(self.image, self.build)
        return self


class ServiceOverride(_Strict):
    """What an environment may change about a service."""

    desired_count: Count | None = Field(default=None, ge=0, le=1000)
    cpu: Count | None = None
    memory: Count | None = None
    image: ImageRef | None = None
    # NOTE: the load balancers share one security group, so a service's own list
    # reaches every service's load balancer; `slipway review` reports that.
    allowed_cidrs: list[str] | None = Field(default=None, min_length=1)


class Environment(_Strict):
    """One place the app is deployed to, chosen with `cdk deploy -c env=NAME`."""

    emulator: bool = False
    account: str | None = Field(
        default=None,
        pattern=r"^\d{12}$",
        description="a 12-digit AWS account ID, quoted, such as '123456789012'",
    )
    region: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
        description="an AWS region such as eu-west-1",
    )
    log_retention_days: int = 7
    removal_policy: Literal["destroy", "retain"] = "destroy"
    allowed_cidrs: list[str] = Field(default=["0.0.0.0/0"], min_length=1)
    certificate_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:acm:",
        description="an ACM certificate ARN, arn:aws:acm:REGION:ACCOUNT:certificate/ID",
    )
    nat_gateways: int = Field(default=1, ge=0, le=2)
    services: dict[str, ServiceOverride] = {}


class Spec(_Strict):
    """The whole of `deploy.yaml`."""

    app: Name
    environments: dict[str, Environment] = Field(min_length=1)
    services: dict[str, Service] = Field(min_length=1)
    previews: Previews = Previews()


class ResolvedService(_Strict):
    """A service as deployed to one environment, overrides applied."""

    name: str
    spec: Service
    image: str | None
    build: Build | None
    cpu: int
    memory: int
    desired_count: int
    allowed_cidrs: list[str]


class Deployment(_Strict):
    """The spec as it applies to one environment."""

    app: str
    env_name: str
    env: Environment
    services: dict[str, ResolvedService]
    root: Path

    def build_path(self, build: Build) -> Path:
        return self.root / build.context


def load_spec(path: str | Path = DEFAULT_SPEC_FILE) -> tuple[Spec, Path]:
    """Read and validate a spec file; raise SpecError naming every problem found."""
    path = Path(path)
    label = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problem = f"file not found at {path.resolve()}"
    except IsADirectoryError:
        problem = f"{path.resolve()} is a directory (allowed: a YAML file)"
    except UnicodeDecodeError as error:
        problem = f"byte {error.start} is not UTF-8 (allowed: a file saved as UTF-8)"
    except OSError as error:
        problem = f"cannot be read: {error.strerror}"
    else:
        return parse_spec(text, label=label, root=path.resolve().parent), path
    raise SpecError(label, [Problem("", problem)])


def parse_spec(text: str, *, label: str, root: Path) -> Spec:
    """Validate spec text; relative build paths are checked against `root`."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(unknown line)"
        problem = getattr(error, "problem", None) or str(error)
        raise SpecError(label, [Problem(where, f"not valid YAML: {problem}")]) from None
    duplicates = _duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader))
    if duplicates:
        raise SpecError(label, duplicates)
    if not isinstance(raw, dict):
        kind = type(raw).__name__
        got = "an empty file" if raw is None else f"a {kind}"
        raise SpecError(label, [Problem("", f"expected a mapping, got {got}")])
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as error:
        raise SpecError(label, problems_from_validation(error, Spec)) from None
    problems = _check_rules(spec, root)
    if problems:
        raise SpecError(label, problems)
    return spec


def resolve(spec: Spec, env_name: str, root: Path) -> Deployment:
    """The spec as it applies to `env_name`, with that environment's overrides."""
    env = spec.environments[env_name]
    services = {}
    for name, service in spec.services.items():
        override = env.services.get(name, ServiceOverride())
        image = override.image or service.image
        services[name] = ResolvedService(
            name=name,
            spec=service,
            image=image,
            build=None if override.image else service.build,
            cpu=override.cpu or service.cpu,
            memory=override.memory or service.memory,
            desired_count=(
                service.desired_count
                if override.desired_count is None
                else override.desired_count
            ),
            allowed_cidrs=override.allowed_cidrs or env.allowed_cidrs,
        )
    return Deployment(
        app=spec.app, env_name=env_name, env=env, services=services, root=root
    )


def looks_secret(key: str) -> bool:
    """Whether a variable name says it holds a secret, such as DB_PASSWORD."""
    return bool(SECRET_LOOKING.search(key)) and not NOT_SECRET_SUFFIX.search(key)


def references(value: str) -> list[tuple[str, str]]:
    """The `${service.attr}` references in an environment value, in order."""
    found = []
    for match in REFERENCE.finditer(value):
        service, _, attr = match.group(1).partition(".")
        found.append((service, attr))
    return found


def task_references(service: Service) -> set[tuple[str, str]]:
    """Every `${service.attr}` in the environment of any container of the task."""
    environments = [service.environment] + [
        container.environment for container in service.containers.values()
    ]
    return {
        found
        for environment in environments
        for value in environment.values()
        for found in references(value)
    }


def container_names(name: str, service: Service) -> list[str]:
    """Every container in a service's task; the main one is named after the service."""
    return [name, *service.containers]


def volume_mounts(name: str, service: Service) -> dict[str, dict[str, Volume]]:
    """The volumes each container of a service's task mounts, by container name.

    One volume name is one volume for the whole task: containers that mount the
    same name share its files.
    """
    return {name: service.volumes} | {
        container_name: container.volumes
        for container_name, container in service.containers.items()
    }


def _duplicate_keys(node: yaml.Node | None, path: str = "") -> list[Problem]:
    """Keys given twice in one mapping: YAML would keep the last one silently."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            at = f"{path}.{key}" if path else key
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        at,
                        f"is given twice, on lines {seen[key]} and {line} (allowed: "
                        "each key once; YAML would keep only the last)",
                    )
                )
            else:
                seen[key] = line
            problems += _duplicate_keys(value_node, at)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(item, f"{path}[{index}]")
    return problems


def _check_image_source(image: str | None, build: Build | None) -> None:
    if image is not None and build is not None:
        raise ValueError("both image and build are given (allowed: exactly one)")
    if image is None and build is None:
        raise ValueError(
            "neither image nor build is given (allowed: exactly one, such as "
            "image: repo:tag or build: {context: DIR})"
        )


def _refuse_compose_short_syntax(value: object) -> object:
    if isinstance(value, list):
        raise ValueError(
            f"{value!r} is Compose's short syntax (allowed: a mapping of volume name "
            "to mount, such as volumes: {data: {path: /data}})"
        )
    return value


def _check_rules(spec: Spec, root: Path) -> list[Problem]:
    """Rules that span fields, each problem naming the field to fix."""
    problems: list[Problem] = []
    for name, service in spec.services.items():
        where = f"services.{name}"
        problems += _check_name(where, name, "service")
        problems += _check_sizes(service.cpu, service.memory, where)
        for container_name in service.containers:
            problems += _check_name(
                f"{where}.containers.{container_name}", container_name, "container"
            )
            if container_name in spec.services:
                problems.append(
                    Problem(
                        f"{where}.containers.{container_name}",
                        f"'{container_name}' is already a service name "
                        "(allowed: a name no service uses)",
                    )
                )
        problems += _check_builds(where, service, root)
        problems += _check_ports(where, name, service)
        environment_problems = _check_environment(where, service.environment, spec)
        for container_name, container in service.containers.items():
            environment_problems += _check_environment(
                f"{where}.containers.{container_name}", container.environment, spec
            )
        problems += environment_problems
        problems += _check_names_once(where, service.environment, service.secrets)
        for container_name, container in service.containers.items():
            problems += _check_names_once(
                f"{where}.containers.{container_name}",
                container.environment,
                container.secrets,
            )
        # A broken reference is most likely the missing address: one error, not two.
        if not environment_problems:
            problems += _check_dependency_addresses(where, name, service, spec)
        problems += _check_task_dependencies(where, name, service)
        problems += _check_volumes(where, name, service)
    problems += _check_service_dependencies(spec)
    for env_name, env in spec.environments.items():
        problems += _check_environment_block(spec, env_name, env)
    problems += check_previews(spec)
    return problems


def _check_name(where: str, name: str, kind: str) -> list[Problem]:
    if re.match(NAME_PATTERN, name):
        return []
    return [
        Problem(
            where,
            f"'{name}' is not a valid {kind} name (allowed: 2 to 32 characters, "
            "lower-case letters, digits and dashes, starting with a letter)",
        )
    ]


def _check_sizes(cpu: int, memory: int, field_at: str) -> list[Problem]:
    if cpu not in FARGATE_SIZES:
        allowed = ", ".join(map(str, FARGATE_SIZES))
        return [
            Problem(
                f"{field_at}.cpu", f"{cpu} is not a Fargate size (allowed: {allowed})"
            )
        ]
    offered = FARGATE_SIZES[cpu]
    if memory in offered:
        return []
    allowed = ", ".join(map(str, offered))
    return [
        Problem(
            f"{field_at}.memory",
            f"{memory} MiB is not offered with cpu {cpu} (allowed: {allowed})",
        )
    ]


def _check_builds(where: str, service: Service, root: Path) -> list[Problem]:
    builds = [(where, service.build)] + [
        (f"{where}.containers.{name}", c.build)
        for name, c in service.containers.items()
    ]
    problems = []
    for at, build in builds:
        if build is None:
            continue
        context = root / build.context
        if not context.is_dir():
            problems.append(
                Problem(
                    f"{at}.build.context",
                    f"'{build.context}' is not a directory (looked for {context}; "
                    f"allowed: a directory relative to {root})",
                )
            )
            continue
        if not (context / build.dockerfile).is_file():
            present = sorted(
                p.name for p in context.glob("*Dockerfile*") if p.is_file()
            )
            allowed = ", ".join(present) or "none found"
            problems.append(
                Problem(
                    f"{at}.build.dockerfile",
                    f"'{build.dockerfile}' does not exist in {build.context} "
                    f"(Dockerfiles there: {allowed})",
                )
            )
            continue
        dockerfile = context / build.dockerfile
        stages = STAGE.findall(dockerfile.read_text(encoding="utf-8", errors="replace"))
        if build.target is not None and build.target not in stages:
            allowed = ", ".join(stages) or "none: name one with FROM IMAGE AS NAME"
            problems.append(
                Problem(
                    f"{at}.build.target",
                    f"'{build.target}' is not a stage of {build.context}/"
                    f"{build.dockerfile} (allowed: {allowed})",
                )
            )
    return problems


def _check_ports(where: str, name: str, service: Service) -> list[Problem]:
    # NOTE: every container of a Fargate task shares one network namespace, so two
    # containers cannot listen on the same port even if their images differ.
    taken = {service.port: name}
    problems = []
    for container_name, container in service.containers.items():
        if container.port is None:
            continue
        owner = taken.setdefault(container.port, container_name)
        if owner != container_name:
            problems.append(
                Problem(
                    f"{where}.containers.{container_name}.port",
                    f"{container.port} is already used by container '{owner}' in the "
                    "same task (containers of one task share one network; allowed: a "
                    f"port other than {', '.join(map(str, sorted(taken)))})",
                )
            )
    return problems


def _check_volumes(where: str, name: str, service: Service) -> list[Problem]:
    problems = []
    owners: dict[str, tuple[str, Volume]] = {}
    for container_name, volumes in volume_mounts(name, service).items():
        at = where if container_name == name else f"{where}.containers.{container_name}"
        mounted_at: dict[str, str] = {}
        for volume_name, volume in volumes.items():
            volume_at = f"{at}.volumes.{volume_name}"
            problems += _check_name(volume_at, volume_name, "volume")
            problems += _check_mount_path(
                f"{volume_at}.path", volume, volume_name, container_name, mounted_at
            )
            first_container, first = owners.setdefault(
                volume_name, (container_name, volume)
            )
            for field in ("uid", "gid"):
                mine, theirs = getattr(volume, field), getattr(first, field)
                if mine != theirs:
                    problems.append(
                        Problem(
                            f"{volume_at}.{field}",
                            f"{mine} differs from the {field} {theirs} that container "
                            f"'{first_container}' gives volume '{volume_name}' "
                            f"(allowed: {theirs}, since a volume has one owner wherever "
                            "the task mounts it)",
                        )
                    )
    return problems


def _check_mount_path(
    at: str,
    volume: Volume,
    volume_name: str,
    container_name: str,
    mounted_at: dict[str, str],
) -> list[Problem]:
    """One volume's mount path; `mounted_at` collects the container's paths so far."""
    allowed = "allowed: an absolute path other than /, such as /data"
    if not volume.path.startswith("/"):
        return [Problem(at, f"'{volume.path}' is a relative path ({allowed})")]
    if ".." in volume.path.split("/"):
        return [
            Problem(
                at,
                f"'{volume.path}' climbs out of itself with '..' (allowed: an absolute "
                "path without '..', such as /data)",
            )
        ]
    path = posixpath.normpath(volume.path)
    if path == "/":
        return [
            Problem(
                at,
                f"'{volume.path}' would hide the container's whole file system "
                f"({allowed})",
            )
        ]
    owner = mounted_at.setdefault(path, volume_name)
    if owner != volume_name:
        return [
            Problem(
                at,
                f"'{volume.path}' is already where volume '{owner}' is mounted in "
                f"container '{container_name}' (allowed: one volume per mount path "
                "in a container)",
            )
        ]
    return []


def _check_environment(
    where: str, environment: dict[str, str], spec: Spec
) -> list[Problem]:
    problems = []
    allowed = ", ".join(
        f"${{{service}.{attr}}}"
        for service in spec.services
        for attr in REFERENCE_ATTRIBUTES
    )
    for key, value in environment.items():
        at = f"{where}.environment.{key}"
        refs = references(value)
        for service, attr in refs:
            text = f"${{{service}.{attr}}}" if attr else f"${{{service}}}"
            if service not in spec.services:
                problems.append(
                    Problem(
                        at,
                        f"'{text}' names no service '{service}' (allowed: {allowed})",
                    )
                )
            elif attr not in REFERENCE_ATTRIBUTES:
                problems.append(
                    Problem(
                        at, f"'{text}' names no attribute '{attr}' (allowed: {allowed})"
                    )
                )
        if "${" in REFERENCE.sub("", value):
            problems.append(
                Problem(
                    at,
                    f"'{value}' opens a reference with '${{' that is never closed "
                    f"(allowed: {allowed})",
                )
            )
        if looks_secret(key) and not refs:
            secrets_at = where.rsplit(".environment", 1)[0] + ".secrets"
            problems.append(
                Problem(
                    at,
                    f"a plain value ({len(value)} characters, not shown) under a "
                    f"secret-looking key (allowed: a reference in {secrets_at}, such as "
                    f"{key}: {{ssm: /{spec.app}/{key.lower()}}} or "
                    f"{key}: {{secrets_manager: NAME}})",
                )
            )
    return problems


def _check_names_once(
    where: str, environment: dict[str, str], secrets: dict[str, SecretRef]
) -> list[Problem]:
    """ECS refuses a variable set both as a plain value and as a secret."""
    return [
        Problem(
            f"{where}.secrets.{key}",
            f"'{key}' is also set in {where}.environment (allowed: each variable in "
            "environment or in secrets, not both)",
        )
        for key in secrets
        if key in environment
    ]


def _check_dependency_addresses(
    where: str, name: str, service: Service, spec: Spec
) -> list[Problem]:
    """A service that waits for another must be told where that other one is."""
    referenced = {
        target
        for target, attr in task_references(service)
        if attr in REFERENCE_ATTRIBUTES
    }
    problems = []
    for dep in service.depends_on:
        if dep not in spec.services or dep == name or dep in referenced:
            continue
        variable = f"{dep.upper().replace('-', '_')}_URL"
        problems.append(
            Problem(
                f"{where}.depends_on.{dep}",
                f"'{dep}' is a service {name} waits for, yet no environment variable "
                f"of its task refers to it (allowed: add one, such as "
                f"{where}.environment.{variable}: ${{{dep}.url}}, or "
                f"${{{dep}.internal_url}} for calls that stay inside the environment)",
            )
        )
    return problems


def _check_task_dependencies(where: str, name: str, service: Service) -> list[Problem]:
    """Dependencies between containers of one task: targets, conditions, cycles."""
    in_task = container_names(name, service)
    has_check = {name: service.health_check.command is not None} | {
        c_name: c.health_check is not None for c_name, c in service.containers.items()
    }
    essential = {name: True} | {
        c_name: c.essential for c_name, c in service.containers.items()
    }
    edges: dict[str, dict[str, Condition]] = {
        c_name: dict(c.depends_on) for c_name, c in service.containers.items()
    }
    # The main container's depends_on may name services too; keep only containers.
    edges[name] = {d: c for d, c in service.depends_on.items() if d in in_task}

    problems = []
    for container_name, deps in edges.items():
        at = where if container_name == name else f"{where}.containers.{container_name}"
        for dep, condition in deps.items():
            dep_at = f"{at}.depends_on.{dep}"
            if dep not in in_task:
                problems.append(
                    Problem(
                        dep_at,
                        f"'{dep}' is not a container of this task (allowed: "
                        f"{', '.join(c for c in in_task if c != container_name)})",
                    )
                )
            elif dep == container_name:
                problems.append(Problem(dep_at, f"'{dep}' cannot depend on itself"))
            elif condition is Condition.HEALTHY and not has_check[dep]:
                check_at = (
                    f"{where}.health_check.command"
                    if dep == name
                    else f"{where}.containers.{dep}.health_check"
                )
                problems.append(
                    Problem(
                        dep_at,
                        f"HEALTHY needs a health check on container '{dep}', which has "
                        f"none (allowed: add {check_at}, or use START, COMPLETE or "
                        "SUCCESS)",
                    )
                )
            elif (
                condition in (Condition.COMPLETE, Condition.SUCCESS) and essential[dep]
            ):
                fix = (
                    "START or HEALTHY"
                    if dep == name
                    else f"set {where}.containers.{dep}.essential: false, or use START "
                    "or HEALTHY"
                )
                problems.append(
                    Problem(
                        dep_at,
                        f"{condition.value} waits for container '{dep}' to exit, and "
                        "it is essential: its exit would stop the whole task "
                        f"(allowed: {fix})",
                    )
                )
    graph = {c: [d for d in deps if d in in_task] for c, deps in edges.items()}
    cycle = _find_cycle(graph)
    if cycle:
        first, second = cycle[0], cycle[1]
        at = where if first == name else f"{where}.containers.{first}"
        problems.append(Problem(f"{at}.depends_on.{second}", _cycle_message(cycle)))
    return problems


def _check_service_dependencies(spec: Spec) -> list[Problem]:
    problems = []
    graph: dict[str, list[str]] = {}
    for name, service in spec.services.items():
        in_task = container_names(name, service)
        graph[name] = []
        for dep, condition in service.depends_on.items():
            at = f"services.{name}.depends_on.{dep}"
            if dep in in_task:
                continue
            if dep not in spec.services:
                allowed = ", ".join(
                    [s for s in spec.services if s != name] + in_task[1:]
                )
                problems.append(
                    Problem(
                        at,
                        f"'{dep}' is not a service or a container of this task "
                        f"(allowed: {allowed})",
                    )
                )
            elif condition not in SERVICE_CONDITIONS:
                problems.append(
                    Problem(
                        at,
                        f"{condition.value} cannot be used between two services: ECS "
                        "has no such condition across tasks (allowed between services: "
                        "START, HEALTHY)",
                    )
                )
            else:
                graph[name].append(dep)
    cycle = _find_cycle(graph)
    if cycle:
        problems.append(
            Problem(f"services.{cycle[0]}.depends_on.{cycle[1]}", _cycle_message(cycle))
        )
    return problems


def _check_environment_block(
    spec: Spec, env_name: str, env: Environment
) -> list[Problem]:
    where = f"environments.{env_name}"
    problems = _check_name(where, env_name, "environment")
    if env.log_retention_days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(map(str, LOG_RETENTION_DAYS))
        problems.append(
            Problem(
                f"{where}.log_retention_days",
                f"{env.log_retention_days} is not a CloudWatch Logs retention "
                f"(allowed: {allowed})",
            )
        )
    problems += _check_cidrs(f"{where}.allowed_cidrs", env.allowed_cidrs)
    for name, override in env.services.items():
        at = f"{where}.services.{name}"
        if name not in spec.services:
            allowed = ", ".join(spec.services)
            problems.append(
                Problem(at, f"'{name}' is not a service (allowed: {allowed})")
            )
            continue
        problems += _check_cidrs(f"{at}.allowed_cidrs", override.allowed_cidrs or [])
        service = spec.services[name]
        if override.cpu is not None or override.memory is not None:
            cpu = override.cpu or service.cpu
            memory = override.memory or service.memory
            problems += _check_sizes(cpu, memory, at)
    return problems


def _check_cidrs(where: str, cidrs: list[str]) -> list[Problem]:
    problems = []
    for i, cidr in enumerate(cidrs):
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            problems.append(
                Problem(
                    f"{where}[{i}]",
                    f"'{cidr}' is not a CIDR block (allowed: such as 203.0.113.0/24 or "
                    "0.0.0.0/0, with no host bits set)",
                )
            )
    return problems


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A dependency cycle as a closed path [a, b, ..., a], or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _cycle_message(cycle: list[str]) -> str:
    chain = " -> ".join(cycle)
    return f"dependency cycle {chain} (allowed: dependencies that form no cycle)"
