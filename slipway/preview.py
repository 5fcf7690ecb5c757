"""A preview environment: what it is called, how it is tagged, what it deploys."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slipway import preview_names
from slipway.errors import SlipwayError
from slipway.preview_spec import Previews
from slipway.spec import Deployment

# The smallest Fargate task: a preview needs to answer, not to carry load.
PREVIEW_CPU = 256
PREVIEW_MEMORY = 512
PREVIEW_DESIRED_COUNT = 1

TAG_APP = "app"
TAG_ENVIRONMENT = "environment"
TAG_PREVIEW = "preview"
TAG_BRANCH = "branch"
TAG_PULL_REQUEST = "pull-request"
TAG_EXPIRES_AT = "expires-at"

EXPIRES_AT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
EXPIRES_AT_EXAMPLE = "2030-01-31T18:00:00Z"
# As `docker tag` allows: CI passes a commit SHA.
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
PULL_REQUEST = re.compile(r"^[1-9][0-9]{0,9}$")


@dataclass(frozen=True)
class Preview:
    """One preview environment of a branch, on top of a base environment."""

    app: str
    env_name: str
    branch: str
    name: str
    expires_at: datetime
    pull_request: int | None = None
    image_tag: str | None = None

    @property
    def stack_name(self) -> str:
        return preview_names.stack_name(self.app, self.env_name, self.name)

    def tags(self) -> dict[str, str]:
        """The tags every resource of the preview carries, and its stack too."""
        tags = {
            TAG_APP: self.app,
            TAG_ENVIRONMENT: self.env_name,
            TAG_PREVIEW: self.name,
            TAG_BRANCH: preview_names.tag_value(self.branch),
            TAG_EXPIRES_AT: format_expires_at(self.expires_at),
        }
        if self.pull_request is not None:
            tags[TAG_PULL_REQUEST] = str(self.pull_request)
        return tags


def make_preview(
    *,
    app: str,
    env_name: str,
    branch: str,
    expires_at: datetime,
    pull_request: str | int | None = None,
    image_tag: str | None = None,
    flags: dict[str, str] | None = None,
) -> Preview:
    """A validated Preview; errors name the flag (or context key) in `flags`."""
    flags = {
        "branch": "--branch",
        "pull_request": "--pr",
        "image_tag": "--image-tag",
    } | (flags or {})
    name = preview_names.preview_name(branch, flag=flags["branch"])
    number = None
    if pull_request is not None:
        if not PULL_REQUEST.match(str(pull_request)):
            raise SlipwayError(
                f"{flags['pull_request']}: '{pull_request}' is not a pull request "
                "number (allowed: a whole number from 1, such as 42)"
            )
        number = int(pull_request)
    if image_tag is not None and not IMAGE_TAG.match(image_tag):
        raise SlipwayError(
            f"{flags['image_tag']}: '{image_tag}' is not an image tag (allowed: up to "
            "128 letters, digits, '_', '.' and '-', not starting with '.' or '-', "
            "such as a commit SHA)"
        )
    return Preview(
        app=app,
        env_name=env_name,
        branch=branch,
        name=name,
        expires_at=expires_at.astimezone(UTC).replace(microsecond=0),
        pull_request=number,
        image_tag=image_tag,
    )


def lean_deployment(
    base: Deployment, previews: Previews, image_tag: str | None, *, label: str
) -> Deployment:
    """The base environment's deployment, cut down to what one preview needs."""
    env = base.env.model_copy(
        update={
            "log_retention_days": previews.log_retention_days,
            "removal_policy": "destroy",
        }
    )
    services = {}
    for name, service in base.services.items():
        image, build = service.image, service.build
        if image_tag is not None:
            repository = previews.repositories.get(name)
            if repository is None:
                raise SlipwayError(
                    f"{label}: previews.repositories.{name}: is missing (allowed: the "
                    "image repository CI pushes this service to, which --image-tag "
                    "needs for every service)"
                )
            image, build = f"{repository}:{image_tag}", None
        elif base.env.emulator and image is None:
            raise SlipwayError(
                f"{label}: environments.{base.env_name}.services.{name}.image: is "
                "missing (allowed: an image reference, since the emulator has no "
                "registry to build into; or give --image-tag)"
            )
        extras = sum(
            container.memory or 0 for container in service.spec.containers.values()
        )
        if extras >= PREVIEW_MEMORY:
            raise SlipwayError(
                f"{label}: services.{name}.containers: {extras} MiB of container "
                f"memory does not fit a preview task of {PREVIEW_MEMORY} MiB "
                f"(allowed: less than {PREVIEW_MEMORY} MiB in all)"
            )
        services[name] = service.model_copy(
            update={
                "image": image,
                "build": build,
                "cpu": PREVIEW_CPU,
                "memory": PREVIEW_MEMORY,
                "desired_count": PREVIEW_DESIRED_COUNT,
            }
        )
    return base.model_copy(update={"env": env, "services": services})


def format_expires_at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(EXPIRES_AT_FORMAT)


def parse_expires_at(text: str, *, flag: str) -> datetime:
    try:
        moment = datetime.strptime(text, EXPIRES_AT_FORMAT)
    except (TypeError, ValueError):
        raise SlipwayError(
            f"{flag}: '{text}' is not a time (allowed: UTC as {EXPIRES_AT_EXAMPLE})"
        ) from None
    return moment.replace(tzinfo=UTC)


def expiry(now: datetime, ttl: timedelta) -> datetime:
    """When a preview deployed at `now` expires: a whole second, in UTC."""
    return (now + ttl).astimezone(UTC).replace(microsecond=0)
