"""The previews block of deploy.yaml: validated like the rest of the spec."""

from __future__ import annotations

import pytest

from slipway.errors import SpecError
from slipway.spec import load_spec
from tests.conftest import REPO, write_spec

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def _errors(project, spec: dict) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(project, spec))
    return caught.value.lines()


def test_the_shipped_spec_names_a_repository_for_every_service():
    spec, _ = load_spec(REPO / "deploy.yaml")

    assert set(spec.previews.repositories) == set(spec.services)
    assert spec.previews.base in spec.environments


def test_a_spec_without_a_previews_block_gets_the_lean_defaults(project, spec_dict):
    spec, _ = load_spec(write_spec(project, spec_dict))

    assert (spec.previews.base, spec.previews.ttl) == (None, "3d")
    assert spec.previews.log_retention_days == 3
    assert spec.previews.repositories == {}


@pytest.mark.parametrize(
    ("previews", "message"),
    [
        pytest.param(
            {"base": "local"},
            "deploy.yaml: previews.base: 'local' is not an environment deployed to "
            "AWS (allowed: dev)",
            id="emulator-base",
        ),
        pytest.param(
            {"base": "staging"},
            "deploy.yaml: previews.base: 'staging' is not an environment deployed to "
            "AWS (allowed: dev)",
            id="unknown-base",
        ),
        pytest.param(
            {"ttl": "3 days"},
            "deploy.yaml: previews.ttl: '3 days' is not a duration (allowed: a whole "
            "number followed by m, h or d, such as 30m, 12h, 7d)",
            id="ttl",
        ),
        pytest.param(
            {"log_retention_days": 30},
            "deploy.yaml: previews.log_retention_days: 30 is not allowed (allowed: 1, "
            "3, 5, 7)",
            id="retention",
        ),
        pytest.param(
            {"repositories": {"backend": f"{ECR}/shop/backend:latest"}},
            f"deploy.yaml: previews.repositories.backend: '{ECR}/shop/backend:latest' "
            "is not an image repository (allowed: a repository without tag or "
            f"digest, such as {ECR}/shop/backend)",
            id="repository-with-tag",
        ),
        pytest.param(
            {"repositories": {"api": f"{ECR}/shop/api"}},
            "deploy.yaml: previews.repositories.api: 'api' is not a service "
            "(allowed: backend, frontend)",
            id="repository-of-no-service",
        ),
        pytest.param(
            {"repository": {}},
            "deploy.yaml: previews.repository: unknown key 'repository'; did you mean "
            "'repositories'? (allowed: base, log_retention_days, repositories, ttl)",
            id="unknown-key",
        ),
    ],
)
def test_a_bad_previews_block_names_the_field_and_what_is_allowed(
    project, spec_dict, previews, message
):
    spec_dict["previews"] = previews

    assert _errors(project, spec_dict) == [message]


@pytest.mark.parametrize(
    "repository",
    [f"{ECR}/shop/backend", "ghcr.io/acme/shop-backend", "localhost:5000/backend"],
)
def test_a_repository_may_name_any_registry(project, spec_dict, repository):
    spec_dict["previews"] = {"repositories": {"backend": repository}}

    spec, _ = load_spec(write_spec(project, spec_dict))

    assert spec.previews.repositories["backend"] == repository
