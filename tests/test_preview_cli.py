"""Bad input to `slipway preview`: one sentence naming the flag, exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from slipway import cli, preview_cli
from tests.conftest import REPO, write_spec

ALLOWED_DURATIONS = "a whole number followed by m, h or d, such as 30m, 12h, 7d"


@pytest.fixture(autouse=True)
def no_emulator(monkeypatch, tmp_path):
    """Bad input must fail before any emulator starts: make starting one fail."""

    def refuse(*args, **kwargs):
        raise AssertionError("the emulator was started")

    monkeypatch.setattr("slipway.emulator.start", refuse)
    monkeypatch.chdir(REPO)


BAD_INPUTS = [
    pytest.param(
        ["up", "--branch", ""],
        "error: --branch: '' is empty (allowed: a git branch name such as "
        "feature/login)",
        id="empty-branch",
    ),
    pytest.param(
        ["up", "--branch", "/_-./"],
        "error: --branch: '/_-./' has no letter or digit (allowed: a git branch "
        "name with at least one letter or digit, such as feature/login)",
        id="symbols-branch",
    ),
    pytest.param(
        ["down", "--branch", "  "],
        "error: --branch: '  ' is empty (allowed: a git branch name such as "
        "feature/login)",
        id="empty-branch-down",
    ),
    pytest.param(
        ["gc", "--max-age", "3 days"],
        f"error: --max-age: '3 days' is not a duration (allowed: {ALLOWED_DURATIONS})",
        id="max-age",
    ),
    pytest.param(
        ["gc", "--max-age", "1w", "--dry-run"],
        f"error: --max-age: '1w' is not a duration (allowed: {ALLOWED_DURATIONS})",
        id="max-age-weeks",
    ),
    pytest.param(
        ["up", "--branch", "main", "--ttl", "forever"],
        f"error: --ttl: 'forever' is not a duration (allowed: {ALLOWED_DURATIONS})",
        id="ttl",
    ),
    pytest.param(
        ["gc", "--max-age", "0m"],
        "error: --max-age: '0m' is zero (allowed: a duration more than zero, such "
        "as 30m, 12h, 7d)",
        id="max-age-zero",
    ),
    pytest.param(
        ["up", "--branch", "main", "--ttl", "0m"],
        "error: --ttl: '0m' is zero (allowed: a duration more than zero, such as "
        "30m, 12h, 7d)",
        id="ttl-zero",
    ),
    pytest.param(
        ["up", "--branch", "main", "--markdown", "/nonexistent/dir/c.md"],
        "error: --markdown: /nonexistent/dir/c.md: /nonexistent/dir is not an "
        "existing directory (allowed: a file in an existing directory)",
        id="markdown-in-no-directory",
    ),
    pytest.param(
        ["up", "--branch", "main", "--markdown", "/tmp"],
        "error: --markdown: /tmp is a directory (allowed: a file in an existing "
        "directory)",
        id="markdown-a-directory",
    ),
    pytest.param(
        ["down", "--name", "Fix/#42"],
        "error: --name: 'Fix/#42' is not a preview name (allowed: a name in the "
        "preview column of `slipway preview list`, such as main-1a2b3c4d)",
        id="name-not-a-preview-name",
    ),
    pytest.param(
        ["up", "--branch", "main", "--pr", "#12"],
        "error: --pr: '#12' is not a pull request number (allowed: a whole number "
        "from 1, such as 42)",
        id="pull-request",
    ),
    pytest.param(
        ["up", "--branch", "main", "--image-tag", "a b"],
        "error: --image-tag: 'a b' is not an image tag (allowed: up to 128 letters, "
        "digits, '_', '.' and '-', not starting with '.' or '-', such as a commit "
        "SHA)",
        id="image-tag",
    ),
    pytest.param(
        ["up", "--branch", "main", "--env", "dev"],
        "error: --env: 'dev' is not an emulator environment in deploy.yaml "
        "(allowed: local)",
        id="env-for-emulator",
    ),
    pytest.param(
        ["list", "--target", "aws", "--env", "local"],
        "error: --env: 'local' is not an environment deployed to AWS in deploy.yaml "
        "(allowed: dev, prod)",
        id="env-for-aws",
    ),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_INPUTS)
def test_bad_input_is_one_sentence_naming_the_flag_and_exits_2(
    capsys, arguments, message
):
    status = cli.main(["preview", *arguments])

    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.strip() == message
    assert captured.out == ""


def test_an_image_tag_without_repositories_names_the_missing_field(
    capsys, project, spec_dict
):
    path = write_spec(project, spec_dict)

    status = cli.main(
        ["--spec", str(path), "preview", "up", "--branch", "main", "--image-tag", "1"]
    )

    assert status == 2
    assert capsys.readouterr().err.strip() == (
        "error: deploy.yaml: previews.repositories.backend: is missing (allowed: the "
        "image repository CI pushes this service to, which --image-tag needs for "
        "every service)"
    )


def test_aws_without_a_base_environment_names_previews_base(capsys, project, spec_dict):
    path = write_spec(project, spec_dict)

    status = cli.main(["--spec", str(path), "preview", "list", "--target", "aws"])

    assert status == 2
    assert capsys.readouterr().err.strip() == (
        "error: deploy.yaml: previews.base: is missing, so --target aws has no base "
        "environment (allowed: dev; or pass --env)"
    )


def test_the_installed_command_exits_2_without_a_traceback():
    command = Path(sys.executable).parent / "slipway"

    result = subprocess.run(
        [str(command), "preview", "up", "--branch", "!!!"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: --branch: '!!!' has no letter or digit (allowed: a git branch name "
        "with at least one letter or digit, such as feature/login)"
    )


def test_an_aws_call_that_fails_is_one_error_line_without_a_traceback(
    capsys, monkeypatch
):
    # Nothing listens on port 9 of this machine: the call fails fast, offline.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:9")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    status = cli.main(["preview", "list", "--target", "aws"])

    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.startswith(
        "error: --target aws: the AWS call failed: Could not connect to the endpoint "
        'URL: "http://localhost:9/"'
    )
    assert len(err.splitlines()) == 1


def test_aws_without_a_region_names_where_to_set_one(capsys, monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))

    status = cli.main(["preview", "list", "--target", "aws"])

    assert status == 2
    assert capsys.readouterr().err.strip() == (
        "error: --target aws: no region (allowed: environments.dev.region in the "
        "spec, AWS_REGION or AWS_DEFAULT_REGION)"
    )


def test_down_takes_a_branch_or_a_name_but_not_both(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["preview", "down", "--branch", "main", "--name", "main-0d6e4079"])

    assert exited.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith("error: argument --name: not allowed with argument --branch")
    )


@pytest.mark.parametrize(
    ("branch", "command"),
    [
        ("main", "slipway preview down --branch main"),
        ("fix/#42 (wip)!", "slipway preview down --branch 'fix/#42 (wip)!'"),
        ("it's", "slipway preview down --branch 'it'\"'\"'s'"),
    ],
)
def test_the_down_command_printed_after_up_is_quoted_for_the_shell(branch, command):
    assert preview_cli.down_command(branch) == command
