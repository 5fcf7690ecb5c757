"""runtime-config.sh writes the /config.js the page reads, or says why it cannot."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.services.support import FRONTEND

RunScript = Callable[[dict[str, str]], subprocess.CompletedProcess]
READ_CONFIG = """
globalThis.window = {};
eval(require("fs").readFileSync(process.argv[1], "utf8"));
process.stdout.write(JSON.stringify(window.SLIPWAY_CONFIG));
"""


def page_config(config_js: Path) -> dict:
    """What a browser would find in window.SLIPWAY_CONFIG after loading the file."""
    node = Path(sys.executable).parent / "node"
    result = subprocess.run(
        [str(node), "-e", READ_CONFIG, str(config_js)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "api_url",
    [
        "http://localhost:8080",
        "https://api.example.com/base/",
        'http://api.test/?q="quoted"',
        "http://api.test/back\\slash\\",
        "http://api.test/it's';alert(1);'",
        "http://api.test/${window.x}`",
    ],
    ids=["local", "with path", "double quotes", "backslashes", "quotes", "template"],
)
def test_config_js_gives_the_page_the_api_url_verbatim(
    runtime_config: RunScript, tmp_path: Path, api_url: str
):
    config_js = tmp_path / "web" / "config.js"

    result = runtime_config({"API_URL": api_url, "CONFIG_JS_PATH": str(config_js)})

    assert result.returncode == 0, result.stderr
    assert page_config(config_js) == {"apiUrl": api_url}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({}, "runtime-config: API_URL is empty or not set"),
        ({"API_URL": ""}, "runtime-config: API_URL is empty or not set"),
        (
            {"API_URL": "localhost:8080"},
            "runtime-config: API_URL 'localhost:8080' is not allowed: it must be an "
            "http:// or https:// URL",
        ),
        ({"API_URL": "http://"}, "must be an http:// or https:// URL"),
        ({"API_URL": "http://a.test\n"}, "must be printable ASCII on one line"),
        ({"API_URL": "http://a.test\nb"}, "must be printable ASCII on one line"),
        ({"API_URL": "http://a.test\tb"}, "must be printable ASCII on one line"),
    ],
    ids=["unset", "empty", "no scheme", "no host", "newline", "two lines", "tab"],
)
def test_a_missing_or_bad_api_url_fails_with_a_reason_and_writes_nothing(
    runtime_config: RunScript, tmp_path: Path, variables: dict, message: str
):
    config_js = tmp_path / "config.js"

    result = runtime_config(variables | {"CONFIG_JS_PATH": str(config_js)})

    assert result.returncode == 1
    assert message in result.stderr
    assert not config_js.exists()


def test_a_missing_target_file_fails_with_a_reason(runtime_config: RunScript):
    result = runtime_config({"API_URL": "http://localhost:8080"})

    assert result.returncode == 1
    assert "runtime-config: CONFIG_JS_PATH is empty or not set" in result.stderr


def test_shellcheck_finds_nothing_in_the_posix_script():
    shellcheck = Path(sys.executable).parent / "shellcheck"

    result = subprocess.run(
        [str(shellcheck), "--shell=sh", str(FRONTEND / "runtime-config.sh")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout
