"""Monthly cost estimates from synthesized CloudFormation templates and a price table."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from slipway.errors import SlipwayError, SpecError, problems_from_validation

logger = logging.getLogger(__name__)

PRICES_FILE = Path(__file__).with_name("prices.yaml")
MIB_PER_GB = 1024
CPU_UNITS_PER_VCPU = 1024
SPOT = "FARGATE_SPOT"
ON_DEMAND = "FARGATE"


@dataclass(frozen=True)
class CostLine:
    """One billed dimension: how much of it a month, at what price."""

    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float


@dataclass(frozen=True)
class Estimate:
    """The monthly cost of some stacks in one region, at the table's prices."""

    region: str
    as_of: str
    lines: tuple[CostLine, ...]

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)


class CostError(SlipwayError):
    """A cost estimate that cannot be made: no prices for the region asked."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionPrices(_Strict):
    """USD per unit in one region."""

    fargate_vcpu_hour: float = Field(ge=0)
    fargate_gb_hour: float = Field(ge=0)
    fargate_spot_vcpu_hour: float = Field(ge=0)
    fargate_spot_gb_hour: float = Field(ge=0)
    load_balancer_hour: float = Field(ge=0)
    lcu_hour: float = Field(ge=0)
    nat_gateway_hour: float = Field(ge=0)
    public_ipv4_hour: float = Field(ge=0)
    log_ingestion_gb: float = Field(ge=0)


class Assumptions(_Strict):
    """Usage the templates cannot tell, the same for every estimate."""

    baseline_lcus_per_load_balancer: float = Field(ge=0)
    log_gb_per_month_per_group: float = Field(ge=0)
    load_balancer_zones: int = Field(ge=1)


class PriceTable(_Strict):
    """The whole of prices.yaml."""

    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    assumptions: Assumptions
    regions: dict[str, RegionPrices] = Field(min_length=1)


def estimate(
    templates: Mapping[str, dict], *, region: str, hours_per_month: float = 730
) -> Estimate:
    """What the resources of `templates` (stack name -> template) cost a month."""
    table = load_prices()
    if region not in table.regions:
        allowed = ", ".join(sorted(table.regions))
        raise CostError(
            f"{PRICES_FILE.name}: regions: '{region}' has no prices "
            f"(allowed: {allowed})"
        )
    prices = table.regions[region]
    usage = _Usage()
    for stack_name, template in templates.items():
        logger.debug("estimating %s", stack_name)
        usage.add(template, table.assumptions)
    return Estimate(
        region=region,
        as_of=table.as_of,
        lines=tuple(usage.lines(prices, table.assumptions, hours_per_month)),
    )


@functools.cache
def load_prices(path: Path = PRICES_FILE) -> PriceTable:
    """The validated price table."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return PriceTable.model_validate(raw)
    except ValidationError as error:
        raise SpecError(
            path.name, problems_from_validation(error, PriceTable)
        ) from None


@dataclass
class _Usage:
    """What the templates run, counted in the units prices are given in."""

    vcpus: float = 0.0
    gbs: float = 0.0
    spot_vcpus: float = 0.0
    spot_gbs: float = 0.0
    load_balancers: int = 0
    nat_gateways: int = 0
    public_ipv4: float = 0.0
    log_groups: int = 0

    def add(self, template: dict, assumptions: Assumptions) -> None:
        resources = template.get("Resources", {})
        for logical_id, resource in resources.items():
            kind = resource.get("Type")
            properties = resource.get("Properties", {})
            if kind == "AWS::ECS::Service":
                self._add_service(logical_id, properties, resources)
            elif kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
                if properties.get("Type", "application") != "application":
                    logger.debug("%s: only application load balancers", logical_id)
                    continue
                self.load_balancers += 1
                if properties.get("Scheme", "internet-facing") == "internet-facing":
                    self.public_ipv4 += _zones(properties, assumptions)
            elif kind == "AWS::EC2::NatGateway":
                self.nat_gateways += 1
            elif kind == "AWS::EC2::EIP":
                self.public_ipv4 += 1
            elif kind == "AWS::Logs::LogGroup":
                self.log_groups += 1

    def lines(
        self, prices: RegionPrices, assumptions: Assumptions, hours: float
    ) -> Iterator[CostLine]:
        lcus = assumptions.baseline_lcus_per_load_balancer
        log_gb = assumptions.log_gb_per_month_per_group
        candidates = [
            (
                "Fargate vCPU, on-demand",
                self.vcpus * hours,
                "vCPU-hour",
                prices.fargate_vcpu_hour,
            ),
            (
                "Fargate memory, on-demand",
                self.gbs * hours,
                "GB-hour",
                prices.fargate_gb_hour,
            ),
            (
                "Fargate vCPU, Spot",
                self.spot_vcpus * hours,
                "vCPU-hour",
                prices.fargate_spot_vcpu_hour,
            ),
            (
                "Fargate memory, Spot",
                self.spot_gbs * hours,
                "GB-hour",
                prices.fargate_spot_gb_hour,
            ),
            (
                "Application load balancers",
                self.load_balancers * hours,
                "hour",
                prices.load_balancer_hour,
            ),
            (
                f"Load balancer capacity, {lcus:g} LCU each (assumed)",
                self.load_balancers * lcus * hours,
                "LCU-hour",
                prices.lcu_hour,
            ),
            (
                "NAT gateways",
                self.nat_gateways * hours,
                "hour",
                prices.nat_gateway_hour,
            ),
            (
                "Public IPv4 addresses",
                self.public_ipv4 * hours,
                "address-hour",
                prices.public_ipv4_hour,
            ),
            (
                f"Log ingestion, {log_gb:g} GB per log group (assumed)",
                self.log_groups * log_gb,
                "GB",
                prices.log_ingestion_gb,
            ),
        ]
        for item, quantity, unit, unit_price in candidates:
            if quantity:
                yield CostLine(item, quantity, unit, unit_price, quantity * unit_price)

    def _add_service(self, logical_id: str, properties: dict, resources: dict) -> None:
        task = _task_definition(properties.get("TaskDefinition"), resources)
        if task is None:
            logger.debug("%s: task definition not in the template", logical_id)
            return
        try:
            vcpus = int(task["Cpu"]) / CPU_UNITS_PER_VCPU
            gbs = int(task["Memory"]) / MIB_PER_GB
        except (KeyError, TypeError, ValueError):
            logger.debug("%s: task size is not a literal", logical_id)
            return
        tasks = properties.get("DesiredCount", 1)
        if not isinstance(tasks, int):
            logger.debug("%s: desired count is not a literal, taking 1", logical_id)
            tasks = 1
        shares = _capacity_shares(properties, tasks)
        if shares is None:
            logger.debug("%s: not on Fargate", logical_id)
            return
        on_demand, spot = shares
        self.vcpus += on_demand * vcpus
        self.gbs += on_demand * gbs
        self.spot_vcpus += spot * vcpus
        self.spot_gbs += spot * gbs
        network = properties.get("NetworkConfiguration", {})
        awsvpc = network.get("AwsvpcConfiguration", {})
        if awsvpc.get("AssignPublicIp") == "ENABLED":
            self.public_ipv4 += tasks


def _task_definition(reference: object, resources: dict) -> dict | None:
    if isinstance(reference, dict) and "Ref" in reference:
        resource = resources.get(reference["Ref"], {})
        if resource.get("Type") == "AWS::ECS::TaskDefinition":
            return resource.get("Properties", {})
    return None


def _capacity_shares(properties: dict, tasks: int) -> tuple[float, float] | None:
    """How many of a service's tasks run on-demand and how many on Spot.

    As ECS places them: each provider's base first, the rest split by weight.
    None when the service runs on no Fargate capacity at all.
    """
    strategy = properties.get("CapacityProviderStrategy")
    if not strategy:
        if properties.get("LaunchType", ON_DEMAND) != ON_DEMAND:
            return None
        return float(tasks), 0.0
    counts = {ON_DEMAND: 0.0, SPOT: 0.0}
    left = tasks
    for item in strategy:
        base = min(int(item.get("Base", 0)), left)
        if item.get("CapacityProvider") in counts:
            counts[item["CapacityProvider"]] += base
        left -= base
    weights = {
        item.get("CapacityProvider"): int(item.get("Weight", 0)) for item in strategy
    }
    total = sum(weights.values())
    if left and total:
        for provider in counts:
            counts[provider] += left * weights.get(provider, 0) / total
    if not any(counts.values()):
        return None
    return counts[ON_DEMAND], counts[SPOT]


def _zones(properties: dict, assumptions: Assumptions) -> int:
    for key in ("Subnets", "SubnetMappings"):
        if isinstance(properties.get(key), list):
            return len(properties[key])
    return assumptions.load_balancer_zones
