"""Paths and readers shared by the tests of services/."""

import shlex
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from dockerfile_parse import DockerfileParser

REPO = Path(__file__).resolve().parents[2]
SERVICES = REPO / "services"
BACKEND = SERVICES / "backend"
FRONTEND = SERVICES / "frontend"
DEPLOY_SPEC = REPO / "deploy.yaml"
SERVICE_NAMES = ("backend", "frontend")
STOP_SECONDS = 10


@dataclass
class Stage:
    """One FROM section of a Dockerfile, with its instructions in order."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [value for name, value in self.instructions if name == instruction]

    def env(self) -> dict[str, str]:
        pairs = (
            word.split("=", 1)
            for value in self.values("ENV")
            for word in shlex.split(value)
        )
        return dict(pairs)


@dataclass
class Server:
    """A process started by a test, answering HTTP at `url`."""

    url: str
    process: subprocess.Popen
    stdout: Path
    stderr: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return f"{self.stdout.read_text()}{self.stderr.read_text()}"


def read_stages(dockerfile: Path) -> list[Stage]:
    stages: list[Stage] = []
    for instruction in DockerfileParser(path=str(dockerfile)).structure:
        name, value = instruction["instruction"], instruction["value"]
        if name == "FROM":
            words = value.split()
            named = len(words) == 3 and words[1].upper() == "AS"
            stages.append(Stage(base=words[0], name=words[2] if named else None))
        elif stages and name != "COMMENT":
            stages[-1].instructions.append((name, value))
    return stages


def load_deploy_spec() -> dict:
    return yaml.safe_load(DEPLOY_SPEC.read_text())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
