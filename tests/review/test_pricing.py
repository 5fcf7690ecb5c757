"""The cost section, rendered from an estimate of the shape slipway.cost returns."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass, replace

import pytest

from slipway.review import cost_of, markdown
from slipway.review.pricing import UNAVAILABLE, CostSection


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float


@dataclass(frozen=True)
class Estimate:
    region: str
    as_of: str
    lines: tuple[Line, ...]

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)


ESTIMATE = Estimate(
    region="eu-west-1",
    as_of="2026-11-01",
    lines=(
        Line("Fargate vCPU (backend)", 182.5, "vCPU-hours", 0.04048, 7.3876),
        Line("Application Load Balancer | 2", 1460, "hours", 0.0252, 36.792),
    ),
)


def test_the_cost_section_is_a_markdown_table_with_the_total(shipped_review):
    report = replace(shipped_review("dev"), cost=CostSection(ESTIMATE))

    text = markdown.render(report)

    section = text.split("## Cost\n", 1)[1].split("\n## ", 1)[0]
    assert section.strip().splitlines() == [
        "Monthly estimate for eu-west-1, prices as of 2026-11-01.",
        "",
        "| item | quantity | unit | unit price | monthly |",
        "| --- | ---: | --- | ---: | ---: |",
        "| Fargate vCPU (backend) | 182.5 | vCPU-hours | 0.0405 | 7.39 |",
        "| Application Load Balancer \\| 2 | 1460 | hours | 0.0252 | 36.79 |",
        "| **total** | | | | **44.18** |",
    ]


def test_the_cost_section_in_json_carries_every_line_and_the_total():
    data = json.loads(json.dumps(CostSection(ESTIMATE).to_dict()))

    assert data["available"] is True
    assert (data["region"], data["as_of"]) == ("eu-west-1", "2026-11-01")
    assert [line["item"] for line in data["lines"]] == [
        "Fargate vCPU (backend)",
        "Application Load Balancer | 2",
    ]
    assert data["total"] == pytest.approx(44.1796)


def test_without_an_estimator_the_report_says_no_estimate_is_available(
    shipped_review, monkeypatch
):
    monkeypatch.setitem(sys.modules, "slipway.cost", None)

    assert cost_of({}, "us-east-1") is None
    report = replace(shipped_review("dev"), cost=CostSection(None))
    assert f"## Cost\n\n{UNAVAILABLE}\n" in markdown.render(report)
    assert report.to_dict()["cost"] == {"available": False, "note": UNAVAILABLE}


def test_the_estimate_is_asked_of_slipway_cost_with_the_templates_and_region(
    monkeypatch,
):
    asked = []
    module = types.ModuleType("slipway.cost")

    def estimate(templates, *, region, hours_per_month=730):
        asked.append((dict(templates), region, hours_per_month))
        return ESTIMATE

    module.estimate = estimate
    monkeypatch.setitem(sys.modules, "slipway.cost", module)

    assert cost_of({"shop-dev-services": {"Resources": {}}}, "eu-west-1") is ESTIMATE
    assert asked == [({"shop-dev-services": {"Resources": {}}}, "eu-west-1", 730)]
