"""cfn-lint finds no errors in any template of any environment of the shipped spec."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from slipway.spec import load_spec
from tests.conftest import REPO, synth

ENVIRONMENTS = list(load_spec(REPO / "deploy.yaml")[0].environments)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_cfn_lint_reports_no_errors_for_the_environment(env, tmp_path):
    synth(REPO / "deploy.yaml", env, tmp_path)
    templates = sorted(tmp_path.glob("*.template.json"))
    assert len(templates) == 2

    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable"]
        + [str(t) for t in templates],
        capture_output=True,
        text=True,
        check=False,
    )

    # parseable lines: FILE:LINE:COL:END_LINE:END_COL:RULE:MESSAGE
    findings = [line.split(":", 6) for line in result.stdout.splitlines()]
    errors = [f for f in findings if len(f) == 7 and f[5].startswith("E")]
    assert errors == []
    assert result.returncode in (0, 4, 8, 12), result.stderr
