"""撤销 (withdraw) a hazard raised by mistake, and corrections of a submitted fire self-check.

A withdrawn hazard stays in the register as 已撤销, with who, when and why, and is counted as neither
open nor rectified. A submitted self-check is corrected, never edited: each changed item through the
change log with the reason, shown on the self-check's own page.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from logistics.audit import history_for
from logistics.choices import ChangeAction
from logistics.models import ChangeLog, Notification
from logistics.reports import Period
from logistics.reports.registry import REGISTRY
from safety import bureau, selectors, services
from safety.choices import CheckStatus, FireCheckResult, HazardStatus, ItemResult, RiskLevel
from safety.dashboard import cards
from safety.models import FireEquipment, FireSelfCheck, FireSelfCheckItem, Hazard
from safety.reports import month_gaps
from tests.helpers import assert_login_required, assert_status, form_errors

from .conftest import all_results

TODAY = timezone.localdate


def transitions(obj):
    return history_for(obj).filter(action=ChangeAction.TRANSITION).order_by("at", "id")


def corrections(obj):
    return history_for(obj).filter(action=ChangeAction.CORRECT).order_by("at", "id")


@pytest.fixture
def assigned(hazard, director, staff):
    return services.hazard_assign(
        obj=hazard, by=director, assignee=staff, deadline=TODAY() + datetime.timedelta(days=3)
    )


# --- withdrawing a hazard -----------------------------------------------------------------------------
def test_it_sends_anonymous_users_to_the_login_page(hazard, submitted_check):
    for url in (
        reverse("safety:hazard_withdraw", args=[hazard.pk]),
        reverse("safety:selfcheck_correct", args=[submitted_check.pk]),
    ):
        assert_login_required(url)
        assert_login_required(url, method="post", data={"reason": "误报"})
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.FOUND


def test_it_lets_only_a_manager_withdraw_a_hazard(as_teacher, as_staff, as_guard, as_bureau, assigned):
    url = reverse("safety:hazard_withdraw", args=[assigned.pk])
    for client in (as_teacher, as_staff, as_guard, as_bureau):  # the reporter and the assignee included
        assert_status(client, url, 403)
        assert_status(client, url, 403, method="post", data={"reason": "误报"})
    assigned.refresh_from_db()
    assert assigned.status == HazardStatus.ASSIGNED and not assigned.withdraw_reason
    assert transitions(assigned).count() == 1  # the assignment only
    page = assert_status(as_staff, reverse("safety:hazard_detail", args=[assigned.pk]), 200)
    assert url not in page.content.decode()
    with pytest.raises(ValidationError, match="没有权限"):
        services.hazard_withdraw(obj=assigned, by=assigned.assignee, reason="误报")


def test_it_answers_404_for_another_schools_hazard(as_outsider, hazard):
    url = reverse("safety:hazard_withdraw", args=[hazard.pk])
    assert_status(as_outsider, url, 404)
    assert_status(as_outsider, url, 404, method="post", data={"reason": "误报"})
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.FOUND and not transitions(hazard).exists()


def test_it_withdraws_a_hazard_with_a_reason_and_keeps_it_in_the_register(
    as_director, director, staff, assigned, django_capture_on_commit_callbacks
):
    detail = reverse("safety:hazard_detail", args=[assigned.pk])
    url = reverse("safety:hazard_withdraw", args=[assigned.pk])
    assert url in as_director.get(detail).content.decode()
    page = assert_status(as_director, url, 200)
    assert set(page.context["form"].fields) == {"reason"}
    with django_capture_on_commit_callbacks(execute=True):
        r = as_director.post(url, {"reason": "重复登记：与周检隐患为同一处"})
    assert r.status_code == 302 and r["Location"] == detail
    hazard = Hazard.objects.get(pk=assigned.pk)  # still there: never deleted
    assert hazard.status == HazardStatus.WITHDRAWN
    assert (hazard.withdrawn_by, hazard.withdraw_reason) == (director, "重复登记：与周检隐患为同一处")
    assert hazard.withdrawn_at is not None
    log = transitions(hazard).last()
    assert log.user == director and log.reason == "重复登记：与周检隐患为同一处"
    assert (log.before["status"], log.after["status"]) == ("assigned", "withdrawn")
    # the responsible person stops work: told once
    note = Notification.objects.get(user=staff, title__contains="已撤销")
    assert note.url == detail and note.body == "重复登记：与周检隐患为同一处"
    # the register lists it as 已撤销 and filters it; it is not open
    register = reverse("safety:hazard_list")
    listed = as_director.get(register, {"status": "withdrawn"})
    assert [h.pk for h in listed.context["object_list"]] == [
        hazard.pk
    ] and "已撤销" in listed.content.decode()
    assert hazard.pk not in [
        h.pk for h in as_director.get(register, {"status": "open"}).context["object_list"]
    ]
    assert hazard.pk in [h.pk for h in as_director.get(register).context["object_list"]]
    text = as_director.get(detail).content.decode()
    assert 'data-testid="withdrawn"' in text and "重复登记：与周检隐患为同一处" in text
    assert "撤销（误报）" in text.split('data-testid="history"')[1]
    # an end state: no workflow, no correction, no second withdrawal
    assert url not in text and reverse("safety:hazard_correct", args=[hazard.pk]) not in text
    with pytest.raises(ValidationError, match="已撤销"):
        services.hazard_withdraw(obj=hazard, by=director, reason="再撤销")
    with pytest.raises(ValidationError, match="已撤销"):
        services.hazard_correct(obj=hazard, by=director, changes={"location": "x"}, reason="x")
    with pytest.raises(ValidationError, match="已撤销"):
        services.hazard_rectify(obj=hazard, by=staff, rectification="x")
    assert as_director.get(url).status_code == 302


def test_it_refuses_a_withdrawal_without_a_reason_and_writes_nothing(
    as_director, director, assigned, django_capture_on_commit_callbacks
):
    url = reverse("safety:hazard_withdraw", args=[assigned.pk])
    with django_capture_on_commit_callbacks(execute=True):
        for reason in ("", "   "):
            r = as_director.post(url, {"reason": reason})
            assert r.status_code == 400 and "请填写撤销原因。" in form_errors(r)
    for reason in ("", "  ", None):
        with pytest.raises(ValidationError, match="撤销原因"):
            services.hazard_withdraw(obj=assigned, by=director, reason=reason)
    assigned.refresh_from_db()
    assert assigned.status == HazardStatus.ASSIGNED and assigned.withdrawn_at is None
    assert transitions(assigned).count() == 1
    assert not Notification.objects.filter(title__contains="已撤销").exists()


def test_it_refuses_to_withdraw_a_verified_hazard(as_director, director, staff, principal, assigned):
    services.hazard_rectify(obj=assigned, by=staff, rectification="已清理通道。")
    # rectified but not yet verified: still withdrawable (e.g. a duplicate), so the link is there
    page = as_director.get(reverse("safety:hazard_detail", args=[assigned.pk])).content.decode()
    assert reverse("safety:hazard_withdraw", args=[assigned.pk]) in page
    services.hazard_verify(obj=assigned, by=principal, note="复查合格")
    with pytest.raises(ValidationError, match="已验收销号"):
        services.hazard_withdraw(obj=assigned, by=director, reason="误报")
    url = reverse("safety:hazard_withdraw", args=[assigned.pk])
    r = as_director.get(url)
    assert r.status_code == 302 and r["Location"] == reverse("safety:hazard_detail", args=[assigned.pk])
    r = as_director.post(url, {"reason": "误报"})
    assert r.status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == HazardStatus.VERIFIED and assigned.withdrawn_at is None
    assert url not in as_director.get(reverse("safety:hazard_detail", args=[assigned.pk])).content.decode()


def test_it_counts_a_withdrawn_hazard_neither_open_nor_rectified(
    as_director, school, director, staff, teacher, principal
):
    today = TODAY()
    overdue_day = today - datetime.timedelta(days=1)

    def report(title, risk=RiskLevel.HIGH):
        h = services.hazard_report(
            school=school, by=teacher, title=title, risk_level=risk, found_on=overdue_day
        )
        return services.hazard_assign(obj=h, by=director, assignee=staff, deadline=overdue_day)

    real = report("二楼消防通道堵塞")
    mistaken = report("东门路灯不亮（误报）", risk=RiskLevel.MAJOR)
    rectified_by_mistake = report("楼梯扶手松动（误报）")
    services.hazard_rectify(obj=rectified_by_mistake, by=staff, rectification="已紧固。")
    services.hazard_withdraw(obj=mistaken, by=director, reason="路灯归市政管理，不属于本校")
    services.hazard_withdraw(obj=rectified_by_mistake, by=principal, reason="重复登记")

    counts = selectors.hazard_counts(Hazard.objects.filter(school=school), today)
    assert counts == {"open": 1, "overdue": 1, "unassigned": 0, "to_verify": 0}
    # the dashboard card
    request = RequestFactory().get("/")
    request.user, request.school, request.role = director, school, "director"
    card = {c.title: c for c in cards(request)}["未销号安全隐患"]
    assert card.value == 1 and "逾期 1" in card.note and "待验收 0" in card.note
    # the register's and the safety home page's counts
    assert as_director.get(reverse("safety:hazard_list")).context["counts"]["open"] == 1
    assert as_director.get(reverse("safety:home")).context["hazard_counts"]["open"] == 1
    # the month-end sheets, the gaps on the pack's cover and the bureau
    period = Period.current_month(today)
    building = dict(REGISTRY["safety.building"].builder(school, period).rows)
    found_this_month = 1 if overdue_day >= period.start else 0  # on the 1st, "yesterday" is last month
    assert building["本月发现隐患"] == f"{found_this_month} 条"  # the two withdrawn ones were not hazards
    assert building["本月撤销（误报）"] == "2 条"
    assert building["本月验收销号"] == "0 条"
    assert building["月末未销号隐患"] == "1 条（其中高风险/重大 1 条）"
    assert building["逾期未整改隐患"] == "1 条"
    rows = {r[1]: r for r in REGISTRY["safety.hazards"].builder(school, period).rows}
    assert rows["东门路灯不亮（误报）"][-1] == "已撤销（路灯归市政管理，不属于本校）"
    assert rows["楼梯扶手松动（误报）"][-1] == "已撤销（重复登记）"
    assert rows["二楼消防通道堵塞"][-1] == "整改中（逾期）"
    gaps = month_gaps(school, period, today=today + datetime.timedelta(days=1))
    assert not any("误报" in g for g in gaps) and any("二楼消防通道堵塞" in g for g in gaps)
    ours = {label: value for label, value, _level in bureau.metrics([school], period, today=today)[school.pk]}
    assert ours["未整改隐患"] == 1 and ours["逾期隐患"] == 1
    # nothing escalates to the principal for a withdrawn hazard
    services.escalate_overdue_hazards(today=today)
    escalated = Notification.objects.filter(user=principal, title__contains="逾期未整改")
    assert [n.url for n in escalated] == [reverse("safety:hazard_detail", args=[real.pk])]


# --- automatic withdrawal when the inspection item is corrected ---------------------------------------
@pytest.fixture
def failed(weekly, staff, director):
    services.inspection_save(obj=weekly, by=staff, results=all_results(weekly, fail_first=True))
    [hazard] = services.inspection_submit(obj=weekly, by=staff, signature=staff.first_name)
    return services.hazard_assign(
        obj=hazard, by=director, assignee=staff, deadline=TODAY() + datetime.timedelta(days=3)
    )


def test_it_withdraws_the_hazard_when_its_item_is_corrected_to_pass(
    as_director, director, staff, failed, django_capture_on_commit_callbacks
):
    item = failed.source_item
    with django_capture_on_commit_callbacks(execute=True):
        r = as_director.post(
            reverse("safety:inspection_correct", args=[item.pk]),
            {"result": ItemResult.PASS, "note": "", "reason": "复查为合格，记录时点错了行"},
        )
    assert r.status_code == 302
    item.refresh_from_db()
    hazard = Hazard.objects.get(pk=failed.pk)
    assert item.result == ItemResult.PASS
    assert hazard.status == HazardStatus.WITHDRAWN and hazard.withdrawn_by == director
    assert hazard.withdraw_reason == "检查项更正为合格：复查为合格，记录时点错了行"
    log = transitions(hazard).last()
    assert (log.before["status"], log.after["status"]) == ("assigned", "withdrawn")
    assert log.reason == "检查项更正为合格：复查为合格，记录时点错了行"
    assert Notification.objects.filter(
        user=staff, title__contains="已撤销", url__endswith=f"/{hazard.pk}/"
    ).exists()
    page = as_director.get(reverse("safety:inspection_detail", args=[item.inspection_id])).content.decode()
    assert "隐患：已撤销" in page


def test_the_item_correction_and_the_withdrawal_commit_together(director, failed, monkeypatch):
    def broken(**kwargs):
        raise ValidationError("撤销失败")

    monkeypatch.setattr(services.hazards, "hazard_withdraw", broken)  # the step the item's hazard takes
    with pytest.raises(ValidationError, match="撤销失败"):
        services.inspection_correct_item(
            item=failed.source_item, by=director, result=ItemResult.PASS, note="", reason="复查"
        )
    failed.source_item.refresh_from_db()
    failed.refresh_from_db()
    assert failed.source_item.result == ItemResult.FAIL and failed.status == HazardStatus.ASSIGNED
    assert not ChangeLog.objects.filter(action=ChangeAction.CORRECT).exists()


def test_a_correction_back_to_fail_reopens_the_withdrawn_hazard(
    director, staff, failed, django_capture_on_commit_callbacks
):
    item = failed.source_item
    services.inspection_correct_item(
        item=item, by=director, result=ItemResult.NA, note="", reason="该处已停用"
    )
    failed.refresh_from_db()
    assert failed.status == HazardStatus.WITHDRAWN
    assert failed.withdraw_reason == "检查项更正为不适用：该处已停用"
    with django_capture_on_commit_callbacks(execute=True):
        services.inspection_correct_item(
            item=item, by=director, result=ItemResult.FAIL, note="插座仍破损", reason="该处仍在使用"
        )
    # the same hazard, found again and waiting to be assigned with a new deadline: not a second one
    assert Hazard.objects.filter(source_item=item).count() == 1 == Hazard.objects.count()
    hazard = Hazard.objects.get(pk=failed.pk)
    assert hazard.status == HazardStatus.FOUND
    assert (hazard.assignee, hazard.deadline, hazard.withdrawn_at, hazard.withdraw_reason) == (
        None,
        None,
        None,
        "",
    )
    assert hazard.description == "插座仍破损"  # follows the item's note, as before
    log = transitions(hazard).last()
    assert (log.before["status"], log.after["status"]) == ("withdrawn", "found")
    assert log.before["assignee"] == staff.pk and log.after["assignee"] is None  # kept in the history
    assert log.reason == "检查项更正为不合格：该处仍在使用"
    assert Notification.objects.filter(user=director, title__contains="重新登记").exists()
    assert selectors.hazard_counts(Hazard.objects.all())["unassigned"] == 1


def test_a_verified_hazard_stays_when_its_item_is_corrected_to_pass(director, staff, principal, failed):
    services.hazard_rectify(obj=failed, by=staff, rectification="已更换插座")
    services.hazard_verify(obj=failed, by=principal)
    services.inspection_correct_item(
        item=failed.source_item, by=director, result=ItemResult.PASS, note="", reason="复查"
    )
    failed.refresh_from_db()
    assert failed.status == HazardStatus.VERIFIED and failed.withdrawn_at is None


# --- correcting a submitted fire self-check ---------------------------------------------------------
@pytest.fixture
def submitted_check(school, room, staff):
    for n, kind in enumerate(["extinguisher", "emergency_light", "hydrant"], start=1):
        FireEquipment.objects.create(school=school, room=room, kind=kind, code=f"XF-{n}", position=f"{n}号位")
    check, _ = services.fire_selfcheck_start(school=school, by=staff, month=TODAY())
    items = list(check.items.order_by("equipment__code"))
    results = {i.pk: (FireCheckResult.OK, "") for i in items}
    results[items[1].pk] = (FireCheckResult.FAULT, "灯不亮")
    services.fire_selfcheck_save(obj=check, by=staff, results=results, submit=True)
    return check


def correction_data(check, reason="记录有误", **changes):
    """POST data with every item as recorded, then `changes` {code: (result, note)}."""
    data = {"reason": reason}
    for item in check.items.select_related("equipment"):
        result, note = changes.get(item.equipment.code, (item.result, item.note))
        data[f"result_{item.pk}"], data[f"note_{item.pk}"] = result, note
    return data


def item(check, code):
    return FireSelfCheckItem.objects.get(self_check=check, equipment__code=code)


def test_it_lets_only_a_manager_correct_a_self_check(
    as_staff, as_guard, as_teacher, as_bureau, submitted_check
):
    url = reverse("safety:selfcheck_correct", args=[submitted_check.pk])
    data = correction_data(submitted_check, **{"XF-1": ("missing", "")})
    for client in (
        as_staff,
        as_guard,
        as_teacher,
        as_bureau,
    ):  # staff did the check: still not theirs to correct
        assert_status(client, url, 403)
        assert_status(client, url, 403, method="post", data=data)
    assert item(submitted_check, "XF-1").result == FireCheckResult.OK
    assert not ChangeLog.objects.filter(action=ChangeAction.CORRECT).exists()
    page = assert_status(as_staff, reverse("safety:selfcheck_detail", args=[submitted_check.pk]), 200)
    assert url not in page.content.decode()


def test_it_answers_404_for_another_schools_self_check(as_outsider, submitted_check):
    url = reverse("safety:selfcheck_correct", args=[submitted_check.pk])
    assert_status(as_outsider, url, 404)
    assert_status(
        as_outsider,
        url,
        404,
        method="post",
        data=correction_data(submitted_check, **{"XF-1": ("missing", "")}),
    )
    assert item(submitted_check, "XF-1").result == FireCheckResult.OK


def test_it_corrects_a_submitted_self_check_with_a_reason(
    as_director, as_principal, director, submitted_check, django_capture_on_commit_callbacks
):
    detail = reverse("safety:selfcheck_detail", args=[submitted_check.pk])
    url = reverse("safety:selfcheck_correct", args=[submitted_check.pk])
    assert url in as_director.get(detail).content.decode()
    page = assert_status(as_director, url, 200)
    assert "reason" in page.context["form"].fields and 'data-testid="selfcheck-item-' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = as_director.post(
            url, correction_data(submitted_check, "压力表指针在红区，漏记", **{"XF-1": ("fault", "压力不足")})
        )
    assert r.status_code == 302 and r["Location"] == detail
    xf1 = item(submitted_check, "XF-1")
    assert (xf1.result, xf1.note) == (FireCheckResult.FAULT, "压力不足")
    log = corrections(xf1).get()
    assert log.user == director and log.reason == "压力表指针在红区，漏记"
    assert log.before == {"result": "ok", "note": ""} and log.after == {"result": "fault", "note": "压力不足"}
    # only the changed item is corrected; the check stays submitted, with its checker
    assert not corrections(item(submitted_check, "XF-2")).exists()
    submitted_check.refresh_from_db()
    assert (
        submitted_check.status == CheckStatus.SUBMITTED and submitted_check.checked_by.username == "p_staff"
    )
    # the self-check's own history names the item in the users' words
    summary = corrections(submitted_check).get()
    assert summary.reason == "压力表指针在红区，漏记"
    # a new fault becomes a hazard, as on submission, linked to the item
    hazard = Hazard.objects.get(source_fire_item=xf1)
    assert hazard.status == HazardStatus.FOUND and hazard.description == "压力不足"
    text = as_principal.get(detail).content.decode()
    history = text.split('data-testid="history"')[1]
    assert "压力表指针在红区，漏记" in history and 'data-testid="correction"' in history
    assert "原：正常" in history and "<strong>异常</strong>" in history and "XF-1" in history
    assert "<strong>压力不足</strong>" in history


def test_it_refuses_a_self_check_correction_without_a_reason_or_a_change(
    as_director, director, submitted_check
):
    url = reverse("safety:selfcheck_correct", args=[submitted_check.pk])
    r = as_director.post(url, correction_data(submitted_check, "", **{"XF-1": ("missing", "")}))
    assert r.status_code == 400 and "请填写更正原因。" in form_errors(r)
    r = as_director.post(url, correction_data(submitted_check, "没改"))
    assert r.status_code == 400 and "没有需要更正的内容。" in form_errors(r)
    r = as_director.post(url, correction_data(submitted_check, "x", **{"XF-1": ("broken", "")}))
    assert r.status_code == 400 and "检查结果无效。" in form_errors(r)
    with pytest.raises(ValidationError, match="原因"):
        services.fire_selfcheck_correct(
            obj=submitted_check,
            by=director,
            results={item(submitted_check, "XF-1").pk: ("missing", "")},
            reason=" ",
        )
    assert item(submitted_check, "XF-1").result == FireCheckResult.OK
    assert not ChangeLog.objects.filter(action=ChangeAction.CORRECT).exists()
    assert Hazard.objects.count() == 1  # the one from the submission


def test_it_sends_an_open_self_check_back_to_its_own_form(as_director, director, school, room, staff):
    FireEquipment.objects.create(school=school, room=room, kind="extinguisher", code="XF-9")
    check, _ = services.fire_selfcheck_start(school=school, by=staff, month=TODAY())
    url = reverse("safety:selfcheck_correct", args=[check.pk])
    r = as_director.get(url)
    assert r.status_code == 302 and r["Location"] == reverse("safety:selfcheck_detail", args=[check.pk])
    with pytest.raises(ValidationError, match="尚未提交"):
        services.fire_selfcheck_correct(
            obj=check, by=director, results={check.items.get().pk: ("ok", "")}, reason="x"
        )
    assert FireSelfCheck.objects.get(pk=check.pk).status == CheckStatus.OPEN


def test_a_self_check_fault_corrected_to_ok_withdraws_its_hazard(
    as_director, director, staff, submitted_check, django_capture_on_commit_callbacks
):
    xf2 = item(submitted_check, "XF-2")
    hazard = Hazard.objects.get(source_fire_item=xf2)  # raised on submission
    services.hazard_assign(obj=hazard, by=director, assignee=staff, deadline=TODAY())
    with django_capture_on_commit_callbacks(execute=True):
        r = as_director.post(
            reverse("safety:selfcheck_correct", args=[submitted_check.pk]),
            correction_data(submitted_check, "换了灯泡后复查正常，是开关没开", **{"XF-2": ("ok", "")}),
        )
    assert r.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.WITHDRAWN
    assert hazard.withdraw_reason == "自检项更正为正常：换了灯泡后复查正常，是开关没开"
    assert Notification.objects.filter(user=staff, title__contains="已撤销").exists()
    # and back to 缺失: the same hazard is found again
    services.fire_selfcheck_correct(
        obj=submitted_check, by=director, results={xf2.pk: ("missing", "灯不见了")}, reason="复查"
    )
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.FOUND and Hazard.objects.count() == 1
