"""The command line: bad input ends with status 2, one line per problem, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slipway import cli
from tests.conftest import REPO, write_spec
from tests.test_spec import BAD_INPUTS, _set

SLIPWAY = Path(sys.executable).parent / "slipway"


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUTS)
def test_check_refuses_bad_input_with_status_2_and_the_message(
    project, spec_dict, capsys, field, value, message
):
    _set(spec_dict, field, value)
    path = write_spec(project, spec_dict)

    status = cli.main(["--spec", str(path), "check"])

    err = capsys.readouterr().err
    assert status == 2
    assert err.splitlines() == [f"error: {message.replace('{root}', str(project))}"]


def test_the_installed_command_exits_2_without_a_traceback(project, spec_dict):
    _set(spec_dict, "services.backend.helth_check", {"path": "/healthz"})
    path = write_spec(project, spec_dict)

    result = subprocess.run(
        [str(SLIPWAY), "--spec", str(path), "check"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "error: deploy.yaml: services.backend.helth_check: unknown key 'helth_check'"
    )


def test_check_describes_a_valid_spec(capsys):
    status = cli.main(["--spec", str(REPO / "deploy.yaml"), "check"])

    assert status == 0
    assert capsys.readouterr().out == (
        "deploy.yaml is valid: app slipway; services backend (port 8080), frontend "
        "(port 80); environments local, dev, prod\n"
    )


def test_up_refuses_an_environment_that_is_not_emulated(capsys):
    status = cli.main(["--spec", str(REPO / "deploy.yaml"), "up", "--env", "dev"])

    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: deploy.yaml: environments.dev: 'dev' is not an emulator environment "
        "(allowed: local)"
    ]


def test_help_states_the_emulator_limits(capsys):
    with pytest.raises(SystemExit):
        cli.main(["up", "--help"])

    out = capsys.readouterr().out
    assert "runs no containers" in out
    assert "cdk deploy --all -c env=dev" in out


def _synth_app(context: dict) -> subprocess.CompletedProcess:
    """Run app.py as the CDK CLI does, with context in CDK_CONTEXT_JSON."""
    env = dict(os.environ, CDK_CONTEXT_JSON=json.dumps(context))
    env["CDK_OUTDIR"] = str(Path(context.get("spec", REPO)).parent / "cdk.out")
    return subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_cdk_app_exits_2_naming_the_field_when_the_spec_is_bad(project, spec_dict):
    _set(spec_dict, "services.backend.port", 70000)
    _set(spec_dict, "services.frontend.helth_check", {})
    path = write_spec(project, spec_dict)

    result = _synth_app({"env": "dev", "spec": str(path)})

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: deploy.yaml: services.backend.port: 70000 is out of range (allowed: "
        "1 to 65535)",
        "error: deploy.yaml: services.frontend.helth_check: unknown key "
        "'helth_check'; did you mean 'health_check'? (allowed: build, containers, "
        "cpu, depends_on, desired_count, environment, health_check, image, memory, "
        "port, secrets, task_role, volumes)",
    ]


def test_the_cdk_app_lists_the_environments_when_none_is_chosen(project, spec_dict):
    path = write_spec(project, spec_dict)

    result = _synth_app({"spec": str(path)})

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: -c env: no environment of deploy.yaml is chosen (allowed: local, "
        "dev); choose one with `cdk deploy -c env=NAME`"
    ]


def test_the_cdk_app_names_the_environment_it_does_not_know(project, spec_dict):
    path = write_spec(project, spec_dict)

    result = _synth_app({"env": "staging", "spec": str(path)})

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: -c env: 'staging' is not an environment in deploy.yaml (allowed: "
        "local, dev); choose one with `cdk deploy -c env=NAME`"
    ]
