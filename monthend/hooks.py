"""The domain apps' month-end hooks, found through logistics.registry:

- `<app>/reports.py`: `month_gaps(school, period) -> list[str]` (gaps listed on the pack's cover)
- `<app>/bureau.py`: `metrics(schools, period) -> {school_id: [(label, value, level), ...]}`
"""

import logging

from logistics import registry

log = logging.getLogger(__name__)

# Tests (and future code) may add hooks here: callables with the same signatures.
EXTRA_GAP_HOOKS: list = []
EXTRA_METRIC_HOOKS: list = []

LEVELS = ("ok", "warning", "danger")


def gap_hooks():
    return registry.functions("reports", "month_gaps") + [("extra", fn) for fn in EXTRA_GAP_HOOKS]


def metric_hooks():
    return registry.functions("bureau", "metrics") + [("extra", fn) for fn in EXTRA_METRIC_HOOKS]


def month_gaps(school, period) -> list[str]:
    """Every app's gaps for the cover, in app order. A failing hook fails the pack (it is a bug)."""
    gaps = []
    for _app, fn in gap_hooks():
        gaps.extend(str(g) for g in (fn(school, period) or []))
    return gaps


def bureau_metrics(schools, period):
    """{school_id: [(label, value, level)]} merged over the apps, plus the labels in column order.

    A failing hook is logged and reported as an error label instead of breaking the bureau's page.
    """
    schools = list(schools)
    merged = {s.pk: [] for s in schools}
    labels: list[str] = []
    errors: list[str] = []
    for app, fn in metric_hooks():
        try:
            result = fn(schools, period) or {}
        except Exception:
            log.exception("bureau metrics hook of %s failed", app)
            errors.append(app)
            continue
        for school_id, items in result.items():
            if school_id not in merged:
                continue
            for label, value, level in items:
                label = str(label)
                if label not in labels:
                    labels.append(label)
                merged[school_id].append((label, value, level if level in LEVELS else "ok"))
    table = {}
    for school_id, items in merged.items():
        by_label = {label: (value, level) for label, value, level in items}
        table[school_id] = [by_label.get(label) for label in labels]
    return labels, table, errors
