"""Two approvers deciding the same request at the same moment: exactly one decision counts.

The real race needs two database connections and row locks, so it runs on PostgreSQL only
(`DATABASE_URL=postgres://... pytest tests/finance`); the stale-page case runs everywhere.
"""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from finance import services
from finance.choices import FlowAction, RequestStatus
from finance.models import FlowLog, PurchaseRequest
from logistics import workflow
from logistics.choices import Role
from tests.factories import member
from tests.finance.conftest import line


def _race(req, deciders, monkeypatch):
    """Run each (user, approve) decision in its own thread and connection, all released at once."""
    real_role_of = workflow.role_of

    def slow_role_of(school, user):
        # Called while the row lock is held: widen the window so the threads truly overlap.
        time.sleep(0.3)
        return real_role_of(school, user)

    monkeypatch.setattr(workflow, "role_of", slow_role_of)
    barrier = threading.Barrier(len(deciders))
    results = {}

    def run(user, approve):
        try:
            barrier.wait(timeout=10)
            services.purchase_request_decide(
                obj=req,
                by=user,
                approve=approve,
                comment="同意" if approve else "预算不足",
                seen_status=RequestStatus.PENDING_DIRECTOR,
            )
            results[user.pk] = "ok"
        except ValidationError as exc:
            results[user.pk] = exc.messages[0]
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=d) for d in deciders]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_two_directors_deciding_at_once_only_one_decision_counts(school, teacher, director, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (select_for_update does nothing on SQLite)")
    second_director = member(school, Role.DIRECTOR, username="p_director2")
    req = services.purchase_request_create(
        school=school,
        by=teacher,
        title="更换门锁",
        reason="门锁损坏",
        needed_by=datetime.date.today(),
        lines=[line("门锁", 2, "80.00")],
    )
    results, elapsed = _race(req, [(director, True), (second_director, False)], monkeypatch)

    assert len(results) == 2
    winners = [pk for pk, r in results.items() if r == "ok"]
    losers = [r for r in results.values() if r != "ok"]
    assert len(winners) == 1, results
    assert len(losers) == 1 and "您的决定未生效" in losers[0] and "刚刚已由" in losers[0], losers
    # the second call waited for the first one's lock, it did not run beside it
    assert elapsed >= 0.28
    req.refresh_from_db()
    decisions = FlowLog.objects.filter(request=req, action__in=[FlowAction.APPROVE, FlowAction.REJECT])
    assert decisions.count() == 1
    assert decisions.get().by_id == winners[0]
    expected = RequestStatus.APPROVED if winners[0] == director.pk else RequestStatus.REJECTED
    assert req.status == expected


@pytest.mark.django_db(transaction=True)
def test_the_principal_and_a_director_on_the_same_step(school, teacher, director, principal, monkeypatch):
    """Two phones, same request, both at the director's step: the principal's tap is refused cleanly."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (select_for_update does nothing on SQLite)")
    req = services.purchase_request_create(
        school=school,
        by=teacher,
        title="购买投影仪",
        reason="教室投影仪损坏",
        needed_by=datetime.date.today(),
        lines=[line("投影仪", 1, "3200.00")],
    )
    second_director = member(school, Role.DIRECTOR, username="p_director3")
    results, _elapsed = _race(req, [(director, True), (second_director, True)], monkeypatch)
    assert sorted(r == "ok" for r in results.values()) == [False, True]
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING_PRINCIPAL
    assert FlowLog.objects.filter(request=req, action=FlowAction.APPROVE).count() == 1


@pytest.mark.django_db
def test_an_approver_on_a_stale_page_sees_a_clear_message(client_for, school, teacher, director):
    second_director = member(school, Role.DIRECTOR)
    req = services.purchase_request_create(
        school=school,
        by=teacher,
        title="更换灯管",
        reason="灯管不亮",
        needed_by=datetime.date.today(),
        lines=[line("灯管", 4, "25.00")],
    )
    url = reverse("finance:request_decide", args=[req.pk])
    seen = {"seen_status": RequestStatus.PENDING_DIRECTOR}
    first = client_for(director).post(url, {"decision": "approve", **seen}, follow=True)
    assert "已批准" in first.content.decode()
    second = client_for(second_director).post(
        url, {"decision": "reject", "comment": "不需要", **seen}, follow=True
    )
    html = second.content.decode()
    assert "该申请刚刚已由" in html and "您的决定未生效" in html
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    assert not PurchaseRequest.objects.filter(status=RequestStatus.REJECTED).exists()
