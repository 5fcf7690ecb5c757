"""The local AWS emulator: moto's server, started in the background on localhost."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from slipway.errors import SlipwayError

logger = logging.getLogger(__name__)

DEFAULT_PORT = 5000
# NOTE: `localhost`, not 127.0.0.1: moto reads an S3 bucket name from the host of a
# template URL, and an IP address there is taken for a bucket.
HOST = "localhost"
ACCOUNT = "123456789012"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
START_TIMEOUT_S = 30.0


class EmulatorError(SlipwayError):
    """The emulator could not be started or reached."""


class PortInUseError(EmulatorError):
    """The port asked for with --port is held by another program."""

    def __init__(self, port: int):
        super().__init__(
            f"--port: {port} is in use by another program (allowed: a free port, or "
            "leave --port out to pick one)"
        )


@dataclass(frozen=True)
class Emulator:
    """A running emulator: where it answers and which process it is."""

    port: int
    pid: int

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def aws_environment(self) -> dict[str, str]:
        """Environment variables that point AWS SDKs and the CDK CLI at it."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            **CREDENTIALS,
        }


def state_dir(root: Path) -> Path:
    """Where a project keeps the emulator's pid, port and log (git-ignored)."""
    return root / ".slipway"


def running(state: Path) -> Emulator | None:
    """The emulator started with this state folder, if alive and answering."""
    state = state / "emulator.json"
    try:
        saved = json.loads(state.read_text())
        emulator = Emulator(port=int(saved["port"]), pid=int(saved["pid"]))
    except (OSError, ValueError, KeyError):
        return None
    if _alive(emulator.pid) and _answers(emulator.endpoint):
        return emulator
    return None


def start(state: Path, port: int | None = None) -> tuple[Emulator, bool]:
    """Start the emulator unless it runs already; return it and whether it is new."""
    current = running(state)
    if current is not None:
        return current, False
    if port is None:
        port = _pick_port()
    elif not _free(port):
        raise PortInUseError(port)
    directory = state
    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / "emulator.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "slipway.emulator_server", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=directory,
        )
    emulator = Emulator(port=port, pid=process.pid)
    deadline = time.monotonic() + START_TIMEOUT_S
    # NOTE: a program that took the port after the check above answers too, while
    # the child dies of "Address already in use": only the child's answer counts.
    while not (_answers(emulator.endpoint) and _listens(process.pid, port)):
        if process.poll() is not None and _answers(emulator.endpoint):
            raise PortInUseError(port)
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise EmulatorError(
                f"the emulator did not start on port {port} within "
                f"{START_TIMEOUT_S:.0f} s; its log is {log_path}"
            )
        time.sleep(0.1)
    (directory / "emulator.pid").write_text(f"{process.pid}\n")
    (directory / "emulator.json").write_text(
        json.dumps({"port": port, "pid": process.pid})
    )
    logger.debug("emulator started on %s as pid %s", emulator.endpoint, process.pid)
    return emulator, True


def stop(state: Path) -> Emulator | None:
    """Stop the emulator started with this state folder; None if none ran."""
    emulator = running(state)
    for name in ("emulator.json", "emulator.pid"):
        (state / name).unlink(missing_ok=True)
    if emulator is None:
        return None
    os.killpg(emulator.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _alive(emulator.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(emulator.pid):
        os.killpg(emulator.pid, signal.SIGKILL)
    return emulator


def _pick_port() -> int:
    """The default port when it is free, else any free port."""
    if _free(DEFAULT_PORT):
        return DEFAULT_PORT
    with socket.socket() as probe:
        try:
            probe.bind((HOST, 0))
        except OSError:
            raise EmulatorError(
                "no free TCP port on localhost for the emulator"
            ) from None
        return probe.getsockname()[1]


def _free(port: int) -> bool:
    """Whether nothing listens on `port` of localhost, over IPv4 or IPv6."""
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return False
    except OSError:
        pass
    with socket.socket() as probe:
        # A port whose last connections linger in TIME_WAIT is free to listen on.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _listens(pid: int, port: int) -> bool:
    """Whether process `pid` holds a socket listening on `port`.

    Read from /proc; where there is none, answering on the port has to do.
    """
    try:
        held = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
    except FileNotFoundError:
        return not Path("/proc/self/fd").is_dir()
    except OSError:
        return False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            # State 0A is LISTEN; field 9 is the socket's inode.
            listening = local_port == port and fields[3] == "0A"
            if listening and f"socket:[{fields[9]}]" in held:
                return True
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; it is not serving anything.
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return True
    return status != "Z"


def _answers(endpoint: str) -> bool:
    # The dashboard page is cheap; moto's data.json grows with what is deployed.
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=5):
            return True
    except (urllib.error.URLError, OSError):
        return False
