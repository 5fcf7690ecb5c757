"""Fixtures for services/: running servers, the built bundle, a headless browser."""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.services.support import BACKEND, FRONTEND, Server, free_port

VENV_BIN = Path(sys.executable).parent
FRONTEND_SOURCES = ("package.json", "package-lock.json", "index.html", "vite.config.js")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STARTUP_SECONDS = 20
BROWSER_TIMEOUT_MS = 10_000


def pytest_configure(config: pytest.Config) -> None:
    # NOTE: the backend is an app, not an installed package; it is imported from its
    # folder, as `python -m notes_api` finds it in the image's working directory.
    sys.path.insert(0, str(BACKEND))


@pytest.fixture
def start_backend(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start `python -m notes_api` on 127.0.0.1; every one is stopped afterwards."""
    servers: list[Server] = []

    def start(
        data_dir: Path, *, port: int | None = None, cors_origins: str = ""
    ) -> Server:
        port = port or free_port()
        environment = os.environ | {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATA_DIR": str(data_dir),
            "CORS_ORIGINS": cors_origins,
        }
        server = _start(
            [sys.executable, "-m", "notes_api"],
            cwd=BACKEND,
            environment=environment,
            url=f"http://127.0.0.1:{port}",
            logs=tmp_path / f"backend-{len(servers)}",
        )
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def runtime_config() -> Callable[[dict[str, str]], subprocess.CompletedProcess]:
    """Run services/frontend/runtime-config.sh with exactly the given variables."""

    def run(variables: dict[str, str]) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["sh", str(FRONTEND / "runtime-config.sh")],
            env={"PATH": os.environ["PATH"], **variables},
            capture_output=True,
            text=True,
            check=False,
        )

    return run


@pytest.fixture(scope="session")
def frontend_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle built by `npm ci` and `npm run build` in a copy of the sources."""
    work = tmp_path_factory.mktemp("frontend")
    for name in FRONTEND_SOURCES:
        shutil.copy2(FRONTEND / name, work / name)
    shutil.copytree(FRONTEND / "src", work / "src")
    environment = os.environ | {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    for command in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
        result = subprocess.run(
            command,
            cwd=work,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return work / "dist"


@pytest.fixture
def serve_frontend(
    frontend_dist: Path,
    tmp_path: Path,
    runtime_config: Callable[[dict[str, str]], subprocess.CompletedProcess],
) -> Iterator[Callable[[str], Server]]:
    """Serve a copy of the built bundle with /config.js written for `api_url`."""
    servers: list[Server] = []

    def serve(api_url: str) -> Server:
        web = tmp_path / f"web-{len(servers)}"
        shutil.copytree(frontend_dist, web)
        written = runtime_config(
            {"API_URL": api_url, "CONFIG_JS_PATH": str(web / "config.js")}
        )
        assert written.returncode == 0, written.stderr
        port = free_port()
        server = _start(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=web,
            environment=dict(os.environ),
            url=f"http://127.0.0.1:{port}",
            logs=tmp_path / f"frontend-{len(servers)}",
        )
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    yield page
    context.close()


def _start(
    command: list[str],
    *,
    cwd: Path,
    environment: dict[str, str],
    url: str,
    logs: Path,
) -> Server:
    logs.mkdir(parents=True)
    with (logs / "stdout").open("w") as stdout, (logs / "stderr").open("w") as stderr:
        process = subprocess.Popen(
            command, cwd=cwd, env=environment, stdout=stdout, stderr=stderr
        )
    server = Server(url, process, logs / "stdout", logs / "stderr")
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            httpx2.get(url, timeout=1)
        except httpx2.TransportError:
            time.sleep(0.1)
        else:
            return server
    server.stop()
    pytest.fail(f"{' '.join(command)} did not answer at {url}:\n{server.output()}")
