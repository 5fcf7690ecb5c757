"""Cost estimates: a small template priced by hand, line by line."""

from __future__ import annotations

import pytest

from slipway.cost import CostError, estimate


def _service(task: str, count: int, **properties) -> dict:
    return {
        "Type": "AWS::ECS::Service",
        "Properties": {"TaskDefinition": {"Ref": task}, "DesiredCount": count}
        | properties,
    }


def _task(cpu: str, memory: str) -> dict:
    return {
        "Type": "AWS::ECS::TaskDefinition",
        "Properties": {"Cpu": cpu, "Memory": memory},
    }


SPOT = [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
PUBLIC = {"AwsvpcConfiguration": {"AssignPublicIp": "ENABLED"}}
SMALL = {
    "Resources": {
        "ApiTask": _task("256", "512"),
        "Api": _service(
            "ApiTask", 2, CapacityProviderStrategy=SPOT, NetworkConfiguration=PUBLIC
        ),
        "WebTask": _task("512", "1024"),
        "Web": _service("WebTask", 1, LaunchType="FARGATE"),
        "Balancer": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {"Scheme": "internet-facing", "Subnets": ["a", "b"]},
        },
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
        "NatAddress": {"Type": "AWS::EC2::EIP", "Properties": {}},
        "ApiLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
        "WebLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
    }
}
# us-east-1, 730 hours, worked out by hand:
#   Web on-demand: 0.5 vCPU x 730 h = 365 vCPU-h; 1 GB x 730 h = 730 GB-h
#   Api on Spot: 2 tasks x 0.25 vCPU x 730 h = 365 vCPU-h; 2 x 0.5 GB x 730 = 730
#   public IPv4: 2 ALB zones + 1 Elastic IP + 2 Api tasks = 5 x 730 h = 3650
#   logs: 2 groups x 0.5 GB assumed = 1 GB
EXPECTED_US_EAST_1 = [
    ("Fargate vCPU, on-demand", 365, "vCPU-hour", 0.04048, 14.7752),
    ("Fargate memory, on-demand", 730, "GB-hour", 0.004445, 3.24485),
    ("Fargate vCPU, Spot", 365, "vCPU-hour", 0.01212608, 4.4260192),
    ("Fargate memory, Spot", 730, "GB-hour", 0.00133122, 0.9717906),
    ("Application load balancers", 730, "hour", 0.0225, 16.425),
    ("Load balancer capacity, 1 LCU each (assumed)", 730, "LCU-hour", 0.008, 5.84),
    ("NAT gateways", 730, "hour", 0.045, 32.85),
    ("Public IPv4 addresses", 3650, "address-hour", 0.005, 18.25),
    ("Log ingestion, 0.5 GB per log group (assumed)", 1, "GB", 0.50, 0.50),
]


def test_a_small_template_costs_what_was_worked_out_by_hand():
    result = estimate({"shop-dev-services": SMALL}, region="us-east-1")

    lines = [
        (line.item, line.quantity, line.unit, line.unit_price, line.monthly)
        for line in result.lines
    ]
    assert lines == [
        (item, pytest.approx(quantity), unit, price, pytest.approx(monthly))
        for item, quantity, unit, price, monthly in EXPECTED_US_EAST_1
    ]
    assert result.total == pytest.approx(97.2828598)
    assert (result.region, result.as_of) == ("us-east-1", "2026-12-03")


def test_another_region_uses_its_own_prices():
    result = estimate({"shop-dev-services": SMALL}, region="eu-west-1")

    balancers = next(
        line for line in result.lines if line.item == "Application load balancers"
    )
    assert balancers.unit_price == 0.0252
    assert balancers.monthly == pytest.approx(730 * 0.0252)


def test_the_month_can_be_shorter():
    result = estimate({"s": SMALL}, region="us-east-1", hours_per_month=100)

    nat = next(line for line in result.lines if line.item == "NAT gateways")
    assert (nat.quantity, nat.monthly) == (100, pytest.approx(4.5))


def test_templates_of_several_stacks_add_up():
    one = estimate({"a": SMALL}, region="us-east-1")
    two = estimate({"a": SMALL, "b": SMALL}, region="us-east-1")

    assert two.total == pytest.approx(2 * one.total)


@pytest.mark.parametrize(
    ("strategy", "on_demand", "spot"),
    [
        ([{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}], 0, 5),
        (
            [
                {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 0},
                {"CapacityProvider": "FARGATE_SPOT", "Weight": 1},
            ],
            1,
            4,
        ),
        (
            [
                {"CapacityProvider": "FARGATE", "Weight": 1},
                {"CapacityProvider": "FARGATE_SPOT", "Weight": 4},
            ],
            1,
            4,
        ),
    ],
)
def test_tasks_split_between_on_demand_and_spot_as_ecs_places_them(
    strategy, on_demand, spot
):
    template = {
        "Resources": {
            "Task": _task("1024", "2048"),
            "Service": _service("Task", 5, CapacityProviderStrategy=strategy),
        }
    }

    result = estimate({"s": template}, region="us-east-1", hours_per_month=1)

    vcpu_hours = {line.item: line.quantity for line in result.lines}
    assert vcpu_hours.get("Fargate vCPU, on-demand", 0) == pytest.approx(on_demand)
    assert vcpu_hours.get("Fargate vCPU, Spot", 0) == pytest.approx(spot)


def test_an_internal_load_balancer_has_no_public_addresses():
    template = {
        "Resources": {
            "Balancer": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {"Scheme": "internal", "Subnets": ["a", "b", "c"]},
            }
        }
    }

    result = estimate({"s": template}, region="us-east-1")

    assert [line.item for line in result.lines] == [
        "Application load balancers",
        "Load balancer capacity, 1 LCU each (assumed)",
    ]


def test_an_unknown_region_is_an_error_listing_the_regions_priced():
    with pytest.raises(CostError) as caught:
        estimate({"s": SMALL}, region="ap-south-9")

    assert str(caught.value) == (
        "prices.yaml: regions: 'ap-south-9' has no prices "
        "(allowed: eu-west-1, us-east-1)"
    )
