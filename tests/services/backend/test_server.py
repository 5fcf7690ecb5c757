"""The notes API as its container runs it: `python -m notes_api`."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest

from tests.services.support import BACKEND, Server, free_port


def test_every_log_line_is_one_json_object_on_stdout(
    start_backend: Callable[..., Server], tmp_path: Path
):
    server = start_backend(tmp_path / "data")
    httpx2.post(f"{server.url}/api/notes", json={"text": "logged"})
    httpx2.delete(f"{server.url}/api/notes/99")
    server.stop()

    records = [json.loads(line) for line in server.stdout.read_text().splitlines()]

    assert server.stderr.read_text() == ""
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    requests = {
        (r["method"], r["path"], r["status"])
        for r in records
        if r["logger"] == "uvicorn.access"
    }
    assert {("POST", "/api/notes", 201), ("DELETE", "/api/notes/99", 404)} <= requests
    assert any(r["message"] == "note 1 created" for r in records)


@pytest.mark.parametrize(
    ("data_dir", "exit_status"),
    [("data", 0), ("blocker/data", 1), (None, 1)],
    ids=["healthy", "data directory unwritable", "nothing listening"],
)
def test_the_container_health_check_passes_only_while_the_api_is_healthy(
    start_backend: Callable[..., Server],
    tmp_path: Path,
    data_dir: str | None,
    exit_status: int,
):
    (tmp_path / "blocker").write_text("not a directory")
    port = start_backend(tmp_path / data_dir).port if data_dir else free_port()

    check = subprocess.run(
        [sys.executable, "-m", "notes_api.healthcheck"],
        cwd=BACKEND,
        env=os.environ | {"PORT": str(port)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert check.returncode == exit_status, check.stderr
