"""The cost section: a monthly estimate, when slipway has an estimator to ask."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)

UNAVAILABLE = "No cost estimate is available: this slipway has no cost estimator."


class CostLineLike(Protocol):
    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float


class EstimateLike(Protocol):
    """What `slipway.cost.estimate` returns: lines priced for one region."""

    region: str
    as_of: str
    lines: Sequence[CostLineLike]

    @property
    def total(self) -> float: ...


@dataclass(frozen=True)
class CostSection:
    """The estimate as the report shows it, or why there is none."""

    estimate: EstimateLike | None
    note: str | None = None

    @property
    def available(self) -> bool:
        return self.estimate is not None

    def to_dict(self) -> dict:
        if self.estimate is None:
            return {"available": False, "note": UNAVAILABLE}
        estimate = self.estimate
        return {
            "available": True,
            "region": estimate.region,
            "as_of": estimate.as_of,
            "lines": [
                {
                    "item": line.item,
                    "quantity": line.quantity,
                    "unit": line.unit,
                    "unit_price": line.unit_price,
                    "monthly": line.monthly,
                }
                for line in estimate.lines
            ],
            "total": estimate.total,
            **({"note": self.note} if self.note else {}),
        }


def cost_of(templates: Mapping[str, Mapping], region: str) -> EstimateLike | None:
    """The monthly estimate of the templates from `slipway.cost`, None without it."""
    try:
        cost = importlib.import_module("slipway.cost")
    except ModuleNotFoundError as error:
        if error.name != "slipway.cost":
            raise
        logger.debug("no slipway.cost module: no estimate")
        return None
    return cost.estimate(templates, region=region)


def section(templates: Mapping[str, Mapping], region: str, note: str | None = None):
    """The cost section for the templates, priced in `region`."""
    return CostSection(estimate=cost_of(templates, region), note=note)
