"""Objects of the assets workflows in a given state, for tests/logistics/test_declared_workflows.py.

Each builder is `build(school, state, *, owner, assignee)`: `owner` and `assignee` are members of the
school to put in the workflow's owner and assignee fields (and any other person a row needs)."""

import datetime
from decimal import Decimal
from itertools import count

from assets.choices import AssetStatus, DisposalKind, Frequency, PartyKind, StocktakeKind
from assets.models import (
    Asset,
    AssetLoan,
    DamageCase,
    DisposalRequest,
    MaintenancePlan,
    MaintenanceTask,
    RepairRequest,
    Stocktake,
)
from assets.services import default_category
from tests.factories import RoomFactory

DAY = datetime.date(2026, 11, 2)
WHEN = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
_numbers = count(1)


def _room(school):
    return RoomFactory(school=school, campus=school.campus_set.first())


def _asset(school, status=AssetStatus.IN_USE, *, custodian=None):
    return Asset.objects.create(
        school=school,
        code=f"WF-{next(_numbers):06d}",
        name="台式电脑",
        category=default_category(),
        unit_price=Decimal("4500.00"),
        purchase_date=datetime.date(2025, 9, 1),
        room=_room(school),
        custodian=custodian,
        status=status,
    )


def asset(school, state, *, owner, assignee):
    return _asset(school, state, custodian=owner)


def loan(school, state, *, owner, assignee):
    return AssetLoan.objects.create(
        school=school,
        asset=_asset(school, AssetStatus.LENT),
        borrower=owner,
        lent_by=owner,
        lent_on=DAY,
        due_on=DAY + datetime.timedelta(days=7),
        status=state,
        previous_status=AssetStatus.IN_USE,
    )


def disposal(school, state, *, owner, assignee):
    return DisposalRequest.objects.create(
        school=school,
        asset=_asset(school, AssetStatus.PENDING_DISPOSAL),
        kind=DisposalKind.SCRAP,
        reason="超过使用年限",
        previous_status=AssetStatus.IN_USE,
        status=state,
        requested_by=owner,
    )


def repair(school, state, *, owner, assignee):
    return RepairRequest.objects.create(
        school=school,
        room=_room(school),
        description="灯管不亮",
        status=state,
        requested_by=owner,
        requested_at=WHEN,
        respond_by=WHEN + datetime.timedelta(hours=24),
        due_by=WHEN + datetime.timedelta(days=3),
        assignee=assignee,
    )


def maintenance_task(school, state, *, owner, assignee):
    plan = MaintenancePlan.objects.create(
        school=school, title=f"每周电路检查 {next(_numbers)}", frequency=Frequency.WEEKLY, assignee=assignee
    )
    return MaintenanceTask.objects.create(school=school, plan=plan, due_on=DAY, status=state)


def stocktake(school, state, *, owner, assignee):
    return Stocktake.objects.create(
        school=school, title="期末盘点", kind=StocktakeKind.TERM_END, status=state, opened_by=owner
    )


def damage(school, state, *, owner, assignee):
    return DamageCase.objects.create(
        school=school,
        occurred_on=DAY,
        item_name="课桌",
        description="课间摇晃损坏",
        party_kind=PartyKind.STUDENT,
        party_name="王小明",
        assessed_amount=Decimal("80.00"),
        status=state,
        recorded_by=owner,
    )


BUILDERS = {
    "assets.asset": asset,
    "assets.loan": loan,
    "assets.disposal": disposal,
    "assets.repair": repair,
    "assets.maintenance_task": maintenance_task,
    "assets.stocktake": stocktake,
    "assets.damage": damage,
}
