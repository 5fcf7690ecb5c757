"""The bundle builds from the lock file and leaves the API URL to run time."""

import re
from pathlib import Path

import pytest

BUNDLE_SUFFIXES = {".html", ".js", ".css"}


def test_the_bundle_builds_from_the_lock_file(frontend_dist: Path):
    built = {path.suffix for path in frontend_dist.rglob("*") if path.is_file()}

    assert (frontend_dist / "index.html").is_file()
    assert {".js", ".css"} <= built


@pytest.mark.parametrize(
    "pattern",
    [r"https?://", r"localhost", r"127\.0\.0\.1", r"SLIPWAY_API_URL|VITE_API_URL"],
    ids=["an http URL", "localhost", "a loopback address", "a build-time variable"],
)
def test_the_bundle_holds_no_api_address(frontend_dist: Path, pattern: str):
    found = [
        f"{path.relative_to(frontend_dist)}: {match}"
        for path in frontend_dist.rglob("*")
        if path.suffix in BUNDLE_SUFFIXES
        for match in re.findall(pattern, path.read_text())
    ]

    assert found == []


def test_the_bundle_has_no_config_js_of_its_own(frontend_dist: Path):
    assert list(frontend_dist.rglob("config.js")) == []


def test_the_page_loads_config_js_before_the_bundle(frontend_dist: Path):
    page = (frontend_dist / "index.html").read_text()
    config = page.find('<script src="/config.js"')
    bundle = page.find('<script type="module"')

    assert 0 <= config < bundle
