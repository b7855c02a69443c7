"""The shape of a period-truth scenario (tests/test_period_truth.py walks them).

Each app's `tests/<app>/period_truth.py` declares `SCENARIOS = {report key: Scenario(...)}`:

- `during(world)` makes the month's records through the app's services, on a day inside the month
  (the clock is set to DURING); it returns whatever the later steps need;
- `after(world, made)` moves those records on through the services after the month's end (the clock
  is at AFTER): verifies hazards, finishes repairs, approves and pays, discards samples, ...;
- `correct(world, made)` corrects one record of the month with a reason through its service (the
  clock is at CORRECTED); `corrected` names the columns whose cells that correction may change
  (besides the total row and the 备注/更正 mark).

`world.school` is a kindergarten with a main campus and a class room (`world.room`); `world.people`
has one member per role (`world.people[Role.DIRECTOR]`), `world.person(role)` makes another.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

TZ = timezone.get_fixed_timezone(8 * 60)
DURING = datetime.datetime(2026, 11, 10, 10, 0, tzinfo=TZ)
BUILT = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
AFTER = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=TZ)
CORRECTED = datetime.datetime(2026, 12, 4, 10, 0, tzinfo=TZ)


@dataclass
class Scenario:
    during: Callable
    after: Callable
    correct: Callable | None = None
    corrected: set = field(default_factory=set)
