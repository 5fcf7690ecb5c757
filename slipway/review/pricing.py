"""The cost section: the monthly estimate of an environment's templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slipway import cost


@dataclass(frozen=True)
class CostSection:
    """The estimate as the report shows it, with a remark on how it was priced."""

    estimate: cost.Estimate
    note: str | None = None

    def to_dict(self) -> dict:
        estimate = self.estimate
        return {
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


def section(
    templates: Mapping[str, Mapping], region: str, note: str | None = None
) -> CostSection:
    """The cost section for the templates, priced in `region`."""
    return CostSection(estimate=cost.estimate(templates, region=region), note=note)
