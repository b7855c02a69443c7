from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReportSpec:
    key: str
    title: str
    builder: Callable  # builder(school, period) -> Report
    order: int = 1000
    permission: str = "reports.view"
    monthly: bool = True  # part of the month-end pack


REGISTRY: dict[str, ReportSpec] = {}


def register(
    key: str, *, title: str, order: int = 1000, permission: str = "reports.view", monthly: bool = True
):
    def decorator(builder):
        REGISTRY[key] = ReportSpec(key, title, builder, order, permission, monthly)
        return builder

    return decorator


def specs(monthly_only=False):
    found = sorted(REGISTRY.values(), key=lambda s: (s.order, s.key))
    return [s for s in found if s.monthly or not monthly_only]
