"""Row locks under real concurrency (PostgreSQL only: select_for_update does nothing on SQLite)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from logistics.choices import Role
from safety import services
from safety.choices import InspectionKind
from safety.models import HazardousMaterial, HazmatMovement, Inspection
from tests.factories import CampusFactory, DistrictFactory, SchoolFactory, member


def _race(fn, n=4):
    barrier = threading.Barrier(n)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(fn())
        except ValidationError as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.fixture
def school(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    s = SchoolFactory(district=DistrictFactory(name="并发区"))
    CampusFactory(school=s, name="总部", is_main=True)
    return s


@pytest.mark.django_db(transaction=True)
def test_it_never_issues_more_than_the_stock_under_concurrency(school):
    keeper = member(school, Role.STAFF)
    material = HazardousMaterial.objects.create(
        school=school, name="酒精", kind="flammable", unit="瓶", keeper=keeper, stock=Decimal("5")
    )
    outcomes = _race(
        lambda: services.hazmat_issue(
            material=material, by=keeper, quantity=Decimal("2"), purpose="x", receiver="y"
        )
    )
    material.refresh_from_db()
    assert material.stock == Decimal("1")
    assert sum(1 for o in outcomes if isinstance(o, HazmatMovement)) == 2
    assert sorted(m.balance for m in HazmatMovement.objects.all()) == [Decimal("1"), Decimal("3")]


@pytest.mark.django_db(transaction=True)
def test_it_creates_one_weekly_inspection_when_runs_overlap(school):
    member(school, Role.DIRECTOR)
    import datetime

    monday = datetime.date(2026, 11, 16)
    outcomes = _race(
        lambda: services.inspection_create(school=school, kind=InspectionKind.WEEKLY, day=monday)
    )
    assert Inspection.objects.filter(school=school, kind=InspectionKind.WEEKLY).count() == 1
    assert sum(1 for _insp, created in outcomes if created) == 1


@pytest.mark.django_db(transaction=True)
def test_it_takes_one_hazard_step_once_when_two_managers_race(school):
    import datetime

    from logistics.choices import ChangeAction
    from logistics.models import ChangeLog
    from safety.choices import HazardStatus
    from safety.models import Hazard

    director, principal = member(school, Role.DIRECTOR), member(school, Role.PRINCIPAL)
    staff = member(school, Role.STAFF)
    hazard = services.hazard_report(
        school=school, by=staff, title="楼梯扶手松动", risk_level="high", found_on=datetime.date(2026, 11, 2)
    )
    services.hazard_assign(obj=hazard, by=director, assignee=staff, deadline=datetime.date(2026, 11, 9))
    managers = iter([director, principal, director, principal])
    lock = threading.Lock()

    def withdraw():
        with lock:
            by = next(managers)
        return services.hazard_withdraw(obj=hazard, by=by, reason="重复登记")

    outcomes = _race(withdraw)
    assert sum(1 for o in outcomes if isinstance(o, Hazard)) == 1
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 3 and all("已撤销" in " ".join(e.messages) for e in refused)
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.WITHDRAWN
    assert ChangeLog.objects.filter(object_id=str(hazard.pk), transition="withdraw").count() == 1
    assert ChangeLog.objects.filter(object_id=str(hazard.pk), action=ChangeAction.TRANSITION).count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_creates_one_settings_row_when_first_requests_race(school):
    from safety.models import SafetySettings

    outcomes = _race(lambda: SafetySettings.for_school(school))
    assert SafetySettings.objects.filter(school=school).count() == 1
    assert len({o.pk for o in outcomes}) == 1
