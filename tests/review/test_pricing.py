"""The cost section: the shipped spec priced by hand, and how it is rendered."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from slipway.cost import CostLine, Estimate
from slipway.review import markdown
from slipway.review.pricing import CostSection

ESTIMATE = Estimate(
    region="eu-west-1",
    as_of="2026-11-01",
    lines=(
        CostLine("Fargate vCPU (backend)", 182.5, "vCPU-hours", 0.04048, 7.3876),
        CostLine("Application Load Balancer | 2", 1460, "hours", 0.0252, 36.792),
    ),
)

# The shipped dev environment, by hand, with us-east-1's prices from prices.yaml:
# two services of one task each, 0.25 vCPU and 0.5 GB, on-demand, behind two load
# balancers over two zones, one NAT gateway, and two log groups.
HOURS = 730
DEV_BY_HAND = {
    "Fargate vCPU, on-demand": 2 * 0.25 * HOURS * 0.04048,
    "Fargate memory, on-demand": 2 * 0.5 * HOURS * 0.004445,
    "Application load balancers": 2 * HOURS * 0.0225,
    "Load balancer capacity, 1 LCU each (assumed)": 2 * 1 * HOURS * 0.008,
    "NAT gateways": 1 * HOURS * 0.045,
    # Two per load balancer (one per zone) and the NAT gateway's Elastic IP.
    "Public IPv4 addresses": (2 * 2 + 1) * HOURS * 0.005,
    "Log ingestion, 0.5 GB per log group (assumed)": 2 * 0.5 * 0.50,
}


def test_the_review_prices_the_shipped_dev_environment_as_done_by_hand(
    shipped_review,
):
    estimate = shipped_review("dev").cost.estimate

    assert estimate.region == "us-east-1"
    assert {line.item: line.monthly for line in estimate.lines} == pytest.approx(
        DEV_BY_HAND
    )
    assert estimate.total == pytest.approx(114.15, abs=0.005)


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

    assert (data["region"], data["as_of"]) == ("eu-west-1", "2026-11-01")
    assert [line["item"] for line in data["lines"]] == [
        "Fargate vCPU (backend)",
        "Application Load Balancer | 2",
    ]
    assert data["total"] == pytest.approx(44.1796)
