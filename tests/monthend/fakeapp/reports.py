"""A stand-in domain app's reports.py with the month_gaps hook (used by test_hooks.py)."""


def month_gaps(school, period):
    return [f"{period.label}第42周安全检查未完成"]
