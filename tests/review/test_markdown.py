"""The Markdown digest: a stable snapshot for the shipped spec, free of volatile values.

Regenerate the snapshot after an intended change with
`SLIPWAY_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/review/test_markdown.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from slipway.review import markdown

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SLIPWAY_UPDATE_SNAPSHOTS") == "1"


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_digest_of_the_shipped_spec_matches_its_snapshot(shipped_review, env):
    text = markdown.render(shipped_review(env))
    snapshot = SNAPSHOTS / f"{env}.md"

    if UPDATE:
        snapshot.write_text(text)

    assert text == snapshot.read_text()


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_digest_holds_no_asset_hash_and_no_temporary_path(shipped_review, env):
    text = markdown.render(shipped_review(env))

    assert re.search(r"[0-9a-f]{64}", text) is None
    assert "/tmp" not in text
    assert "slipway-review-" not in text


def test_the_digest_starts_with_the_marker_ci_finds_its_comment_by(shipped_review):
    assert markdown.render(shipped_review("dev")).startswith(markdown.MARKER + "\n")


def test_the_startup_order_is_a_mermaid_graph_of_services_and_their_order(
    shipped_review,
):
    text = markdown.render(shipped_review("dev"))

    graph = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert graph.splitlines()[0] == "flowchart LR"
    assert '  frontend -->|"created after it is stable"| backend' in graph
