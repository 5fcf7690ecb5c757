"""Running the real CDK CLI, pinned in package.json, on the virtualenv's Node.js."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from slipway.errors import SlipwayError

logger = logging.getLogger(__name__)


class CdkError(Exception):
    """The CDK CLI ran and failed; what it printed has already been shown."""

    def __init__(self, args: list[str], returncode: int, output: str = "") -> None:
        self.args_ = args
        self.returncode = returncode
        self.output = output
        super().__init__(f"`cdk {' '.join(args)}` failed with status {returncode}")


def cli_path(root: Path) -> Path:
    path = root.resolve() / "node_modules" / ".bin" / "cdk"
    if not path.exists():
        raise SlipwayError(
            f"the CDK CLI is not installed at {path}; run `make setup` in {root}"
        )
    return path


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment for the CDK CLI: our Node.js first on PATH."""
    env = dict(os.environ)
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    env.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")
    env.update(extra or {})
    return env


def run(
    args: list[str],
    *,
    root: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    capture: bool = False,
) -> str:
    """Run `cdk ARGS`; return its output when captured, raise CdkError on failure."""
    command = [str(cli_path(root)), *args, "--no-notices"]
    logger.debug("running %s", " ".join(command))
    result = subprocess.run(
        command,
        cwd=cwd or root,
        env=environment(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CdkError(args, result.returncode, result.stdout or "")
    return result.stdout or ""
