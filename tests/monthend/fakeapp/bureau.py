"""A stand-in domain app's bureau.py with the metrics hook (used by test_hooks.py)."""


def metrics(schools, period):
    return {s.pk: [("周检完成", "3/4", "warning"), ("逾期隐患", 0, "bogus-level")] for s in schools}
