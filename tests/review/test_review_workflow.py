"""The review workflow: one pull-request comment, SARIF to code scanning."""

from __future__ import annotations

import yaml

from slipway.review.markdown import MARKER
from tests.conftest import REPO


def _review() -> dict:
    return yaml.safe_load((REPO / ".github" / "workflows" / "review.yml").read_text())


def test_the_review_runs_on_pull_requests_and_may_write_code_scanning_results():
    workflow = _review()

    # PyYAML reads the bare key `on` as True.
    assert "pull_request" in workflow[True]
    assert workflow["permissions"]["security-events"] == "write"
    assert workflow["permissions"]["pull-requests"] == "write"


def test_the_review_posts_one_comment_found_again_by_the_digest_marker():
    steps = _review()["jobs"]["review"]["steps"]

    (comment,) = [
        s for s in steps if s.get("uses", "").startswith("actions/github-script")
    ]
    script = comment["with"]["script"]
    assert f'const marker = "{MARKER}";' in script
    assert "updateComment" in script
    assert "createComment" in script


def test_the_review_uploads_the_sarif_it_writes():
    steps = _review()["jobs"]["review"]["steps"]

    (upload,) = [
        s
        for s in steps
        if s.get("uses", "").startswith("github/codeql-action/upload-sarif")
    ]
    (review,) = [s for s in steps if s.get("id") == "review"]
    assert upload["with"]["sarif_file"] == "review.sarif"
    assert "--format sarif --output review.sarif" in review["run"]
    assert "--format md --output review.md" in review["run"]
