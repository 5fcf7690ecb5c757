"""Reviews of the shipped spec, made once per environment for the whole session."""

from __future__ import annotations

import pytest

from slipway.review.report import Report, review
from tests.conftest import REPO


@pytest.fixture(scope="session")
def shipped_review():
    """`shipped_review(env)`: the review of deploy.yaml's environment, cached."""
    made: dict[str, Report] = {}

    def get(env: str) -> Report:
        if env not in made:
            made[env] = review(root=REPO, spec_path=REPO / "deploy.yaml", env_name=env)
        return made[env]

    return get
