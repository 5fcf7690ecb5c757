"""`slipway review`: what it writes, and its exit status (0 clean, 1 findings at or
above --fail-on, 2 usage or configuration errors)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from slipway import cli
from slipway.review import report as report_module
from tests.conftest import REPO, write_spec

SLIPWAY = Path(sys.executable).parent / "slipway"
SPEC = str(REPO / "deploy.yaml")


@pytest.fixture
def reviewed(shipped_review, monkeypatch):
    """The CLI with the session's cached reviews, so each case costs no synth."""
    asked = []

    def cached(*, root, spec_path, env_name=None, diff=False, progress=None, **_):
        asked.append((spec_path, env_name, diff))
        return shipped_review(env_name or "dev")

    monkeypatch.setattr(report_module, "review", cached)
    monkeypatch.chdir(REPO)
    return asked


@pytest.mark.parametrize(
    ("env", "fail_on", "status"),
    [
        ("dev", "error", 0),
        ("dev", "note", 0),
        ("prod", "error", 1),
        ("prod", "warning", 1),
        ("prod", "note", 1),
        ("prod", "never", 0),
    ],
)
def test_the_exit_status_follows_the_findings_at_or_above_fail_on(
    reviewed, capsys, env, fail_on, status
):
    code = cli.main(["--spec", SPEC, "review", "--env", env, "--fail-on", fail_on])

    assert code == status
    last = capsys.readouterr().err.splitlines()[-1]
    if status:
        assert last.startswith(f"Reviewed {env}: 4 error(s), 0 warning(s), 0 note(s)")
    else:
        assert last.startswith(f"Reviewed {env}: ")


def test_without_env_the_first_environment_not_emulated_is_reviewed(reviewed):
    assert cli.main(["--spec", SPEC, "review"]) == 0

    assert reviewed == [(Path(SPEC), None, False)]


@pytest.mark.parametrize(
    ("fmt", "starts"),
    [("md", "<!-- slipway-review -->\n# Infrastructure review"), ("json", "{")],
)
def test_the_report_is_written_to_the_output_file(reviewed, tmp_path, fmt, starts):
    output = tmp_path / f"review.{fmt}"

    code = cli.main(
        [
            "--spec",
            SPEC,
            "review",
            "--env",
            "dev",
            "--format",
            fmt,
            "--output",
            str(output),
        ]
    )

    assert code == 0
    assert output.read_text().startswith(starts)


def test_sarif_goes_to_standard_output_by_default(reviewed, capsys):
    cli.main(["--spec", SPEC, "review", "--env", "prod", "--format", "sarif"])

    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0"
    assert len(log["runs"][0]["results"]) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--env", "staging"],
            "error: --env: 'staging' is not an environment in deploy.yaml (allowed: "
            "local, dev, prod)",
        ),
        (
            ["--fail-on", "fatal"],
            "error: --fail-on: 'fatal' is not a severity (allowed: error, warning, "
            "note, never)",
        ),
        (
            ["--format", "html"],
            "error: --format: 'html' is not a format (allowed: md, json, sarif)",
        ),
    ],
)
def test_a_bad_option_exits_2_with_one_line_naming_it(
    capsys, monkeypatch, args, message
):
    monkeypatch.chdir(REPO)

    code = cli.main(["--spec", SPEC, "review", *args])

    assert code == 2
    assert capsys.readouterr().err.splitlines() == [message]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "/nonexistent/dir/x.md",
            "error: --output: /nonexistent/dir/x.md: /nonexistent/dir is not an "
            "existing directory (allowed: a file in an existing directory)",
        ),
        (
            "/tmp",
            "error: --output: /tmp is a directory (allowed: a file in an existing "
            "directory)",
        ),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_the_review(
    capsys, monkeypatch, output, message
):
    def no_review(**_):
        raise AssertionError("the review ran")

    monkeypatch.chdir(REPO)
    monkeypatch.setattr(report_module, "review", no_review)

    code = cli.main(["--spec", SPEC, "review", "--output", output])

    assert code == 2
    assert capsys.readouterr().err.splitlines() == [message]


def test_a_bad_spec_exits_2_naming_the_field(project, spec_dict, capsys, monkeypatch):
    spec_dict["services"]["backend"]["port"] = 70000
    path = write_spec(project, spec_dict)
    monkeypatch.chdir(REPO)

    code = cli.main(["--spec", str(path), "review", "--env", "dev"])

    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: deploy.yaml: services.backend.port: 70000 is out of range (allowed: "
        "1 to 65535)"
    ]


def test_outside_a_project_review_exits_2(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)

    code = cli.main(["--spec", SPEC, "review", "--env", "dev"])

    assert code == 2
    assert capsys.readouterr().err.startswith(f"error: no cdk.json in {tmp_path}")


def test_the_installed_command_reviews_prod_and_exits_1_without_a_traceback(tmp_path):
    output = tmp_path / "prod.md"

    result = subprocess.run(
        [str(SLIPWAY), "review", "--env", "prod", "--output", str(output)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "Node 20 is end-of-life" not in result.stderr
    assert "| error | cdk-nag | `AwsSolutions-VPC7` |" in output.read_text()
    assert result.stderr.splitlines()[-1].startswith(
        f"Reviewed prod in {output}: 4 error(s)"
    )


def test_help_states_the_exit_statuses_and_the_limits(capsys):
    with pytest.raises(SystemExit):
        cli.main(["review", "--help"])

    out = capsys.readouterr().out
    assert "1  findings at or above --fail-on" in out
    assert "note, warning,\n     error" in out
    assert "--diff needs the environment deployed" in out
