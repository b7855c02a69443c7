"""Two callers at the same moment, on PostgreSQL with real parallel connections: exactly one effect.

Each test starts two threads, each with its own database connection (closed when the thread ends),
loads what a view would load, then releases both at once with a `threading.Barrier` into the real
service function or scheduled task. Inside the service each thread sleeps for a moment right after
its critical statement (the read the decision rests on, or the write that claims the row), so
without the guard the two would surely interleave; `_assert_raced` checks that both threads were
inside the service at the same time and both reached that statement. Every scenario runs ROUNDS
times on fresh data.

- test_it_records_one_decision_when_two_directors_approve_the_same_step: the row lock
  (`select_for_update`) in `finance.services.purchase_request_decide` serialises two approvals of
  one purchase request at the director's step: one approval is recorded (one FlowLog row), the
  request moves on one step only, the other director gets the clean "您的决定未生效" refusal.
- test_it_issues_the_last_units_of_a_stores_item_once: `assets.services.stores_issue` (row lock,
  then a conditional update) lets one of two stock-outs of the last units through; the other is
  refused with "库存不足", stock ends at 0 (never negative), one movement row.
- test_it_discards_a_food_sample_once: `canteen.services.sample_discard` (a conditional
  `UPDATE ... WHERE status = kept`) gives one discard: one change-log row, the winner recorded as
  the discarder, the other refused with "已销毁".
- test_it_creates_one_weekly_inspection_per_school_when_the_task_runs_twice: the Monday task
  `safety.tasks.create_weekly_inspections` run twice at once (a beat catch-up overlapping a normal
  run) makes one weekly (and one monthly) inspection per school: the unique constraint plus the
  `IntegrityError` fallback in `inspection_create` turn the loser's insert into a no-op, not a crash.
- test_it_schedules_one_month_pack_per_school_when_the_task_runs_twice:
  `monthend.tasks.schedule_month_packs` run twice at once makes one pack (version 1)
  per school and month, queued for building once: the school row lock in `pack_schedule`. (The
  unique school+month+version constraint alone would not do: the loser reads MAX(version) after
  the winner committed and makes a version 2.)

PostgreSQL only (`select_for_update` does nothing on SQLite); the module is skipped before any
fixture runs otherwise, so a skipped run never flushes the database.

Checked when written, by removing each guard in a scratch copy: without the `select_for_update()`
in `purchase_request_decide` the finance test fails (both approvals recorded); without the school
lock in `pack_schedule` the month-end test fails (a second version); without `status=kept` in the
discard's UPDATE the canteen test fails (two discards); without the `IntegrityError` fallback in
`inspection_create` the safety test fails (the loser crashes). `stores_issue` has three guards: with
its `select_for_update()` removed the test still passes (the conditional update refuses the loser);
with the conditional update removed too it fails (the CHECK constraint's IntegrityError).
"""

import datetime
import threading
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from assets import services as assets_services
from assets.models import StockMovement, StoreItem
from canteen import services as canteen_services
from canteen.choices import Meal, SampleStatus
from canteen.models import FoodSample, Fridge
from finance import services as finance_services
from finance.choices import FlowAction, RequestStatus
from finance.models import FlowLog, PurchaseRequest
from logistics.audit import history_for
from logistics.choices import ChangeAction, Role
from monthend.models import MonthPack
from monthend.tasks import generate_month_pack, schedule_month_packs
from safety.choices import InspectionKind
from safety.models import Inspection
from safety.tasks import create_weekly_inspections
from tests.canteen.conftest import make_photo
from tests.factories import member
from tests.finance.conftest import line

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 3
SLOW = 0.3  # seconds each thread waits after its critical statement, inside the service


@dataclass
class Run:
    result: object = None
    error: BaseException | None = None
    entered: float = 0.0
    left: float = 0.0
    hits: int = 0  # how many times this thread ran the critical statement

    @property
    def ok(self):
        return self.error is None

    @property
    def refused(self):
        return isinstance(self.error, ValidationError)


def race(*prepares, slow_after):
    """Run each `prepare()` in its own thread and connection; it loads what a view would and returns
    the call to make. All calls start together (Barrier). After every statement for which
    `slow_after(sql)` is true the thread sleeps SLOW seconds, widening the window for a race."""
    barrier = threading.Barrier(len(prepares))
    runs = [Run() for _ in prepares]

    def target(prepare, run):
        def slow(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if slow_after(sql):
                run.hits += 1
                time.sleep(SLOW)
            return result

        try:
            call = prepare()
            with connection.execute_wrapper(slow):
                barrier.wait(timeout=10)
                run.entered = time.monotonic()
                try:
                    run.result = call()
                finally:
                    run.left = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 - recorded; a crash fails the test
            run.error = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=target, args=(p, r)) for p, r in zip(prepares, runs, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return runs


def select_from(table, *also):
    return lambda sql: sql.startswith("SELECT") and f'FROM "{table}"' in sql and all(a in sql for a in also)


def update_of(table):
    return lambda sql: sql.startswith(f'UPDATE "{table}"')


def _assert_raced(runs):
    crashes = [r.error for r in runs if r.error is not None and not r.refused]
    assert not crashes, crashes
    assert all(r.hits for r in runs), "a thread never reached the critical statement"
    assert max(r.entered for r in runs) < min(r.left for r in runs), "the calls did not overlap"


def _one_winner(runs):
    _assert_raced(runs)
    winners = [r for r in runs if r.ok]
    losers = [r for r in runs if r.refused]
    assert len(winners) == 1 and len(losers) == 1, [(r.result, r.error) for r in runs]
    return winners[0], losers[0]


# --- finance: two approvals of one purchase request ---------------------------------------------
def test_it_records_one_decision_when_two_directors_approve_the_same_step(school, teacher, director):
    second_director = member(school, Role.DIRECTOR, username="p_director2")
    for n in range(ROUNDS):
        req = finance_services.purchase_request_create(
            school=school,
            by=teacher,
            title=f"购买投影仪{n}",
            reason="教室投影仪损坏",
            needed_by=timezone.localdate(),
            lines=[line("投影仪", 1, "3200.00")],
        )
        assert req.status == RequestStatus.PENDING_DIRECTOR and req.needs_principal

        def approve(user, pk=req.pk):
            def prepare():  # the decide view: load the request, post what the page showed
                obj = PurchaseRequest.objects.get(pk=pk)
                return lambda: finance_services.purchase_request_decide(
                    obj=obj, by=user, approve=True, comment="同意", seen_status=obj.status
                )

            return prepare

        runs = race(
            approve(director),
            approve(second_director),
            slow_after=select_from("finance_purchaserequest"),
        )
        winner, loser = _one_winner(runs)
        assert "您的决定未生效" in loser.error.messages[0], loser.error.messages
        req.refresh_from_db()
        assert req.status == RequestStatus.PENDING_PRINCIPAL  # moved on one step, to the principal
        decisions = FlowLog.objects.filter(request=req, action__in=[FlowAction.APPROVE, FlowAction.REJECT])
        assert decisions.count() == 1
        assert decisions.get().by_id == (director, second_director)[runs.index(winner)].pk


# --- assets: two stock-outs of the last units ---------------------------------------------------
def test_it_issues_the_last_units_of_a_stores_item_once(school, staff, director, room):
    for n in range(ROUNDS):
        item = assets_services.stores_stock_in(
            school=school, by=staff, item_name=f"墨盒{n}", unit="个", quantity=2, unit_price=Decimal("80")
        ).item

        def issue(user, pk=item.pk):
            def prepare():
                obj = StoreItem.objects.get(pk=pk)
                return lambda: assets_services.stores_issue(item=obj, by=user, quantity=2, room=room)

            return prepare

        runs = race(issue(staff), issue(director), slow_after=select_from("assets_storeitem"))
        winner, loser = _one_winner(runs)
        assert "库存不足" in loser.error.messages[0], loser.error.messages
        item.refresh_from_db()
        assert item.on_hand == Decimal("0")
        movements = StockMovement.objects.filter(item=item, kind="out")
        assert movements.count() == 1
        assert movements.get().pk == winner.result.pk and movements.get().balance_after == Decimal("0")


# --- canteen: two discards of one food sample ---------------------------------------------------
def test_it_discards_a_food_sample_once(school, campus, canteen, director):
    fridge = Fridge.objects.create(school=school, name="1号留样柜", campus=campus)
    for n in range(ROUNDS):
        sample = canteen_services.sample_record(
            school=school,
            by=canteen,
            meal=Meal.LUNCH,
            dish_name=f"米饭{n}",
            quantity_g=130,
            fridge=fridge,
            fridge_temp=4,
            photo=make_photo(),
            now=timezone.now() - datetime.timedelta(hours=49),
        )

        def discard(user, pk=sample.pk):
            def prepare():
                obj = FoodSample.objects.get(pk=pk)
                return lambda: canteen_services.sample_discard(obj=obj, by=user)

            return prepare

        runs = race(discard(canteen), discard(director), slow_after=update_of("canteen_foodsample"))
        winner, loser = _one_winner(runs)
        assert "已销毁" in loser.error.messages[0], loser.error.messages
        sample.refresh_from_db()
        assert sample.status == SampleStatus.DISCARDED
        assert sample.discarded_by_id == (canteen, director)[runs.index(winner)].pk
        assert history_for(sample).filter(action=ChangeAction.TRANSITION).count() == 1


# --- safety: the weekly inspection task run twice -----------------------------------------------
MONDAYS = [datetime.date(2025, 9, 1), datetime.date(2025, 12, 1), datetime.date(2026, 6, 1)]


def test_it_creates_one_weekly_inspection_per_school_when_the_task_runs_twice(school, other_school):
    schools = [school, other_school]
    for s in schools:
        member(s, Role.DIRECTOR)
    for monday in MONDAYS[:ROUNDS]:
        at = datetime.datetime.combine(monday, datetime.time(10, 0), ZoneInfo("Asia/Shanghai")).isoformat()

        def run_task(at=at):
            return lambda: lambda: create_weekly_inspections.apply(kwargs={"at": at}).get()

        runs = race(run_task(), run_task(), slow_after=select_from("safety_inspection"))
        _assert_raced(runs)
        assert all(r.ok for r in runs), [r.error for r in runs]
        # a weekly and a monthly inspection (the Mondays are in different months) for each school
        assert sum(r.result for r in runs) == 2 * len(schools), [r.result for r in runs]
        for s in schools:
            for kind, start in (
                (InspectionKind.WEEKLY, monday),
                (InspectionKind.MONTHLY, monday.replace(day=1)),
            ):
                assert Inspection.objects.filter(school=s, kind=kind, period_start=start).count() == 1
    for s in schools:
        weekly = Inspection.objects.filter(school=s, kind=InspectionKind.WEEKLY)
        assert sorted(weekly.values_list("period_start", flat=True)) == MONDAYS[:ROUNDS]


# --- month end: the pack scheduling task run twice ----------------------------------------------
def test_it_schedules_one_month_pack_per_school_when_the_task_runs_twice(school, other_school, monkeypatch):
    queued = []
    lock = threading.Lock()

    def fake_apply_async(args=None, kwargs=None, **options):  # the broker: record, do not build
        with lock:
            queued.append(args[0])

    monkeypatch.setattr(generate_month_pack, "apply_async", fake_apply_async)
    schools = [school, other_school]
    for month in ["2025-07", "2025-08", "2025-09"][:ROUNDS]:

        def run_task(month=month):
            return lambda: lambda: schedule_month_packs.apply(args=[month]).get()

        runs = race(
            run_task(),
            run_task(),
            # pack_schedule's look for an existing pack, made while it holds the school's row lock
            slow_after=select_from("monthend_monthpack", '"version" DESC'),
        )
        _assert_raced(runs)
        assert all(r.ok for r in runs), [r.error for r in runs]
        assert sum(r.result for r in runs) == len(schools), [r.result for r in runs]
        packs = MonthPack.objects.filter(month=month)
        assert sorted(packs.values_list("school_id", "version")) == sorted((s.pk, 1) for s in schools)
    # every pack was queued for building exactly once
    assert Counter(queued) == Counter(MonthPack.objects.values_list("pk", flat=True))
