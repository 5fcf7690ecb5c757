"""End to end: `review --diff` against `local` deployed on the emulator."""

from __future__ import annotations

import pytest
import yaml

from slipway.review.report import review
from tests.conftest import REPO

NEW_TAG = "slipway/frontend:next"


@pytest.fixture(scope="module")
def changed_spec(tmp_path_factory):
    """A copy of deploy.yaml whose local frontend runs another image tag.

    The copy sits beside a link to services/, since build contexts are relative
    to the spec.
    """
    folder = tmp_path_factory.mktemp("change")
    (folder / "services").symlink_to(REPO / "services")
    spec = yaml.safe_load((REPO / "deploy.yaml").read_text())
    spec["environments"]["local"]["services"]["frontend"]["image"] = NEW_TAG
    path = folder / "deploy.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_changing_one_image_tag_rolls_that_service_and_only_that_one(
    deployed, state, changed_spec
):
    report = review(
        root=REPO,
        spec_path=changed_spec,
        env_name="local",
        diff=True,
        emulator_state=state,
    )

    diff = report.diff
    assert diff.deployed
    assert [(r.service, r.reasons) for r in diff.rollouts] == [
        (
            "frontend",
            (f"container frontend: image slipway/frontend:local -> {NEW_TAG}",),
        )
    ]
    assert [(c.kind, c.name, c.properties) for c in diff.changes] == [
        (
            "AWS::ECS::TaskDefinition",
            "Frontend/TaskDefinition",
            ("ContainerDefinitions",),
        )
    ]
    assert f'"Image": "{NEW_TAG}"' in diff.text


def test_the_unchanged_spec_rolls_nothing(deployed, state):
    report = review(
        root=REPO,
        spec_path=REPO / "deploy.yaml",
        env_name="local",
        diff=True,
        emulator_state=state,
    )

    assert report.diff.deployed
    assert report.diff.rollouts == ()
    assert report.diff.changes == ()


def test_without_a_running_emulator_the_diff_says_nothing_is_deployed(tmp_path):
    report = review(
        root=REPO,
        spec_path=REPO / "deploy.yaml",
        env_name="local",
        diff=True,
        emulator_state=tmp_path,
    )

    assert not report.diff.deployed
    assert report.diff.note == (
        "The emulator is not running, so local is not deployed there: every "
        "resource would be new."
    )
