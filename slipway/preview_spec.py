"""The `previews:` block of deploy.yaml: how preview environments are made."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

from slipway.durations import DurationError, parse_duration
from slipway.errors import Problem

if TYPE_CHECKING:
    from slipway.spec import Spec

# A repository as `docker push` names it, without tag or digest: an optional
# registry host (and port), then lower-case path components.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY = re.compile(
    rf"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?/)?"
    rf"{_COMPONENT}(?:/{_COMPONENT})*$"
)
REPOSITORY_EXAMPLE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/backend"


def _no_tag(repository: str) -> str:
    if not REPOSITORY.match(repository):
        raise ValueError(
            f"'{repository}' is not an image repository (allowed: a repository "
            f"without tag or digest, such as {REPOSITORY_EXAMPLE})"
        )
    return repository


Repository = Annotated[str, AfterValidator(_no_tag)]


class Previews(BaseModel):
    """Settings shared by every preview environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The environment whose network and cluster previews reuse on AWS; on the
    # emulator they reuse the emulator environment.
    base: str | None = None
    ttl: str = "3d"
    log_retention_days: Literal[1, 3, 5, 7] = 3
    # Where CI pushes each service's image; `--image-tag` picks the tag.
    repositories: dict[str, Repository] = {}

    @field_validator("ttl")
    @classmethod
    def _ttl_is_a_duration(cls, value: str) -> str:
        try:
            parse_duration(value)
        except DurationError as error:
            raise ValueError(str(error)) from None
        return value

    @property
    def ttl_delta(self) -> timedelta:
        return parse_duration(self.ttl)


def check_previews(spec: Spec) -> list[Problem]:
    """Rules of the previews block that involve the rest of the spec."""
    problems = []
    previews = spec.previews
    base = previews.base
    if base is not None:
        deployable = [n for n, env in spec.environments.items() if not env.emulator]
        if base not in deployable:
            problems.append(
                Problem(
                    "previews.base",
                    f"'{base}' is not an environment deployed to AWS (allowed: "
                    f"{', '.join(deployable) or 'none: add one without emulator: true'})",
                )
            )
    for service in previews.repositories:
        if service not in spec.services:
            problems.append(
                Problem(
                    f"previews.repositories.{service}",
                    f"'{service}' is not a service (allowed: {', '.join(spec.services)})",
                )
            )
    return problems
