"""The command line: bad input ends with status 2, one line per problem, no traceback."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from slipway import cli, emulator
from tests.conftest import REPO, free_port, write_spec
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


@pytest.mark.parametrize("command", ["up", "down"])
@pytest.mark.parametrize("env", ["dev", "nope"])
def test_up_and_down_refuse_an_environment_that_is_not_emulated_naming_env(
    capsys, command, env
):
    status = cli.main(["--spec", str(REPO / "deploy.yaml"), command, "--env", env])

    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: --env: '{env}' is not an emulator environment in deploy.yaml "
        "(allowed: local)"
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["up", "--port", "0"], "0 is out of range (allowed: 1 to 65535)"),
        (
            ["emulator", "start", "--port", "65536"],
            "65536 is out of range (allowed: 1 to 65535)",
        ),
        (
            ["preview", "up", "--branch", "main", "--port", "http"],
            "'http' is not a port number (allowed: 1 to 65535)",
        ),
    ],
)
def test_a_port_out_of_range_exits_2_naming_port(capsys, arguments, message):
    with pytest.raises(SystemExit) as exited:
        cli.main(arguments)

    assert exited.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith(f"error: argument --port: {message}")
    )


@pytest.fixture
def taken_port(monkeypatch, tmp_path):
    """A port another program listens on, and a project state of the test's own."""
    monkeypatch.setattr(emulator, "state_dir", lambda root: tmp_path)
    monkeypatch.chdir(REPO)
    with socket.socket() as other:
        other.bind(("localhost", 0))
        other.listen()
        yield other.getsockname()[1]


@pytest.mark.parametrize(
    "arguments",
    [["emulator", "start"], ["up"], ["preview", "up", "--branch", "main"]],
    ids=["emulator", "up", "preview"],
)
def test_a_port_in_use_by_another_program_is_refused(capsys, taken_port, arguments):
    status = cli.main([*arguments, "--port", str(taken_port)])

    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: --port: {taken_port} is in use by another program (allowed: a free "
        "port, or leave --port out to pick one)"
    ]


class _MotoLookalike(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_an_emulator_that_dies_while_another_program_answers_is_refused(
    monkeypatch, tmp_path
):
    port = free_port()
    # The other program takes the port between the check and the child's start.
    monkeypatch.setattr(emulator, "_free", lambda port: True)
    other = http.server.HTTPServer(("localhost", port), _MotoLookalike)
    serving = threading.Thread(target=other.serve_forever, daemon=True)
    serving.start()
    try:
        with pytest.raises(emulator.PortInUseError):
            emulator.start(tmp_path, port)
    finally:
        other.shutdown()
        other.server_close()

    assert emulator.running(tmp_path) is None


@pytest.mark.parametrize(
    "arguments",
    [["--spec", "SPEC", "check"], ["check", "--spec", "SPEC"]],
    ids=["before", "after"],
)
def test_spec_is_accepted_before_or_after_the_subcommand(
    project, spec_dict, capsys, arguments
):
    spec_dict["app"] = "elsewhere"
    path = str(write_spec(project, spec_dict))

    status = cli.main(
        [path if argument == "SPEC" else argument for argument in arguments]
    )

    assert status == 0
    assert capsys.readouterr().out.startswith("deploy.yaml is valid: app elsewhere;")


@pytest.mark.parametrize(
    ("arguments", "described"),
    [
        (["check"], "Nothing is synthesized or deployed."),
        (["down"], "Destroy the environment's previews, then the stacks"),
        (["emulator"], "status print its endpoint, or exit 1"),
        (["preview", "up"], "or a free one when 5000 is taken"),
    ],
)
def test_each_command_describes_itself_in_its_help(capsys, arguments, described):
    with pytest.raises(SystemExit):
        cli.main([*arguments, "--help"])

    assert described in " ".join(capsys.readouterr().out.split())


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
