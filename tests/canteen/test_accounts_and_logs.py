"""The meal-fee account (伙食账目) and the daily logs: disinfection, waste, morning checks, 陪餐, surveys."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from canteen import selectors, services
from canteen.choices import Account, CheckResult, EntryKind
from canteen.models import (
    CanteenSettings,
    DiningRecord,
    DisinfectionLog,
    FeeEntry,
    MorningCheck,
    SatisfactionSurvey,
    WasteLog,
)
from logistics.audit import history_for
from logistics.choices import ChangeAction, Role
from logistics.reports import Period
from tests.canteen.test_incoming import deliver, line
from tests.factories import CertificateFactory, StaffProfileFactory, member
from tests.helpers import assert_login_required, assert_status, form_errors

TODAY = timezone.localdate


def fee(school, user, **kw):
    args = {
        "account": Account.CHILDREN,
        "kind": EntryKind.INCOME,
        "day": TODAY(),
        "amount": "1000.00",
        "description": "伙食费",
    }
    args.update(kw)
    return services.fee_entry_record(school=school, by=user, **args)


# --- meal-fee account -------------------------------------------------------------------------
def test_it_keeps_children_and_staff_accounts_apart(school, accountant, canteen, supplier):
    fee(school, accountant, amount="5000")
    fee(school, accountant, account=Account.STAFF, amount="800")
    fee(school, accountant, kind=EntryKind.REFUND, amount=None, absence_days=3, person_name="王小明")
    deliver(school, canteen, supplier, [line()])  # 220.00 of food for the children
    period = Period.current_month()
    children = selectors.fee_statement(school, period, Account.CHILDREN)
    staff = selectors.fee_statement(school, period, Account.STAFF)
    assert children["income"] == Decimal("5000") and children["refund"] == Decimal("36.00")
    assert children["purchases"] == Decimal("220.00")
    assert children["closing"] == Decimal("5000") - Decimal("36") - Decimal("220")
    assert (
        staff["income"] == Decimal("800") and staff["purchases"] == 0 and staff["closing"] == Decimal("800")
    )


def test_it_carries_the_balance_into_the_next_month(school, accountant):
    last = Period.previous_month()
    fee(school, accountant, day=last.start, amount="300")
    statement = selectors.fee_statement(school, Period.current_month(), Account.CHILDREN)
    assert statement["opening"] == Decimal("300") and statement["closing"] == Decimal("300")


def test_it_computes_a_refund_from_the_daily_rate(school, accountant):
    CanteenSettings.objects.create(school=school, daily_rate=Decimal("15.50"))
    entry = fee(
        school,
        accountant,
        kind=EntryKind.REFUND,
        amount="",
        absence_days=4,
        person_name="李小红",
        description="",
    )
    assert entry.amount == Decimal("62.00") and "李小红" in entry.description


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"amount": "-5"}, "金额不能为负数"),
        ({"amount": "0"}, "金额必须大于0"),
        ({"amount": "10.123"}, "金额最多保留两位小数"),
        ({"amount": "99999999"}, "金额过大"),
        ({"day": TODAY() + datetime.timedelta(days=1)}, "不能晚于今天"),
        ({"kind": EntryKind.REFUND, "absence_days": None, "person_name": "x"}, "请假天数"),
    ],
)
def test_it_refuses_bad_money_and_writes_nothing(school, accountant, kw, message):
    with pytest.raises(ValidationError) as exc:
        fee(school, accountant, **kw)
    assert message in str(exc.value)
    assert not FeeEntry.objects.exists()


def test_it_records_entries_through_the_page(as_accountant, school):
    data = {
        "account": "children",
        "kind": "income",
        "day": TODAY().isoformat(),
        "amount": "1200.50",
        "description": "伙食费",
    }
    response = as_accountant.post(reverse("canteen:account_entry_create"), data)
    assert response.status_code == 302
    page = as_accountant.get(reverse("canteen:account_month")).content.decode()
    assert "1,200.50" in page
    bad = as_accountant.post(reverse("canteen:account_entry_create"), {**data, "amount": "-1"})
    assert bad.status_code == 400 and bad.context["form"].errors["amount"] == ["金额不能为负数。"]
    assert FeeEntry.objects.count() == 1


def test_it_corrects_an_entry_only_with_a_reason(as_accountant, school, accountant):
    entry = fee(school, accountant)
    url = reverse("canteen:account_entry_correct", args=[entry.pk])
    assert as_accountant.post(url, {"amount": "900", "reason": ""}).status_code == 400
    assert as_accountant.post(url, {"amount": "900", "reason": "收据金额录错"}).status_code == 302
    entry.refresh_from_db()
    assert entry.amount == Decimal("900") and history_for(entry).filter(action=ChangeAction.CORRECT).exists()


def test_it_limits_the_account_to_its_roles(
    as_canteen, as_teacher, as_bureau, as_accountant, as_outsider, school, accountant
):
    entry = fee(school, accountant)
    assert_login_required(reverse("canteen:account_month"))
    assert_status(as_canteen, reverse("canteen:account_month"), 403)
    assert_status(as_teacher, reverse("canteen:account_entry_create"), 403)
    assert_status(as_bureau, reverse("canteen:account_month"), 200)
    assert_status(as_bureau, reverse("canteen:account_entry_create"), 403, method="post", data={})
    assert_status(as_outsider, reverse("canteen:account_entry_correct", args=[entry.pk]), 404)
    assert as_outsider.get(reverse("canteen:account_month")).context["statement"]["income"] == 0


def test_it_publishes_the_month_as_pdf(as_accountant, school, accountant, tmp_path):
    import subprocess

    fee(school, accountant, amount="2000")
    response = as_accountant.get(reverse("canteen:account_pdf") + f"?month={TODAY():%Y-%m}&account=children")
    assert response.status_code == 200
    pdf = tmp_path / "f.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "伙食账目公布" in text and "2,000.00" in text


def test_it_pins_the_account_page_query_count(
    as_accountant, school, accountant, django_assert_max_num_queries
):
    for i in range(60):
        fee(school, accountant, amount=str(10 + i))
    with django_assert_max_num_queries(15):
        response = as_accountant.get(reverse("canteen:account_month"))
    assert len(response.context["object_list"]) == 50


# --- morning checks -----------------------------------------------------------------------------
def test_it_flags_a_worker_without_a_valid_health_certificate(as_director, school, canteen):
    response = as_director.post(
        reverse("canteen:morning_check_create"), {"worker": canteen.pk, "result": "healthy"}, follow=True
    )
    check = MorningCheck.objects.get()
    assert check.certificate_ok is False
    assert "没有有效的健康证" in response.content.decode()
    assert 'data-testid="no-cert"' in response.content.decode()


def test_it_accepts_a_worker_with_a_valid_certificate(school, director, canteen):
    profile = StaffProfileFactory(school=school, user=canteen)
    CertificateFactory(staff=profile, school=school, expires_on=TODAY() + datetime.timedelta(days=10))
    check = services.morning_check_record(
        school=school, by=director, worker=canteen, result=CheckResult.HEALTHY
    )
    assert check.certificate_ok is True


def test_it_treats_an_expired_certificate_as_missing(school, director, canteen):
    profile = StaffProfileFactory(school=school, user=canteen)
    CertificateFactory(staff=profile, school=school, expires_on=TODAY() - datetime.timedelta(days=1))
    check = services.morning_check_record(
        school=school, by=director, worker=canteen, result=CheckResult.HEALTHY
    )
    assert check.certificate_ok is False


def test_it_requires_a_reason_to_exclude_and_refuses_non_workers(school, director, canteen, teacher):
    with pytest.raises(ValidationError):
        services.morning_check_record(school=school, by=director, worker=canteen, result=CheckResult.EXCLUDED)
    with pytest.raises(ValidationError):
        services.morning_check_record(school=school, by=director, worker=teacher, result=CheckResult.HEALTHY)
    services.morning_check_record(
        school=school, by=director, worker=canteen, result=CheckResult.EXCLUDED, reason="发热"
    )
    with pytest.raises(ValidationError):
        services.morning_check_record(school=school, by=director, worker=canteen, result=CheckResult.HEALTHY)
    assert MorningCheck.objects.count() == 1


def test_it_refuses_a_worker_of_another_school(as_director, other_school):
    stranger = member(other_school, Role.CANTEEN)
    as_director.post(reverse("canteen:morning_check_create"), {"worker": stranger.pk, "result": "healthy"})
    assert not MorningCheck.objects.exists()


# --- simple logs ----------------------------------------------------------------------------------
LOGS = [
    (
        "disinfection",
        DisinfectionLog,
        {
            "day": "{today}",
            "meal": "lunch",
            "items": "碗、盘",
            "method": "steam",
            "minutes": "20",
            "done_by": "{user}",
        },
        {"minutes": "0"},
    ),
    (
        "waste",
        WasteLog,
        {"day": "{today}", "quantity_kg": "12.5", "collector": "收运公司", "notes": ""},
        {"quantity_kg": "-3"},
    ),
    (
        "dining",
        DiningRecord,
        {"day": "{today}", "meal": "lunch", "leader": "{user}", "feedback": "口味清淡", "follow_up": ""},
        {"day": "{tomorrow}"},
    ),
]


@pytest.mark.parametrize("kind, model, valid, invalid", LOGS)
def test_it_records_the_daily_logs(as_director, director, as_teacher, kind, model, valid, invalid):
    fill = {
        "{today}": TODAY().isoformat(),
        "{tomorrow}": (TODAY() + datetime.timedelta(days=1)).isoformat(),
        "{user}": str(director.pk),
    }
    data = {k: fill.get(v, v) for k, v in valid.items()}
    create = reverse(f"canteen:{kind}_create")
    assert_login_required(create)
    assert_status(as_teacher, create, 403)
    bad = {**data, **{k: fill.get(v, v) for k, v in invalid.items()}}
    response = as_director.post(create, bad)
    assert response.status_code == 400 and form_errors(response)
    assert not model.objects.exists()
    response = as_director.post(create, data)
    assert response.status_code == 302, form_errors(response)
    obj = model.objects.get()
    assert history_for(obj).filter(action=ChangeAction.CREATE).exists()
    listing = assert_status(as_teacher, reverse(f"canteen:{kind}_list"), 200)
    assert list(listing.context["object_list"]) == [obj]


def test_it_records_the_monthly_survey(as_director, school):
    url = reverse("canteen:survey_create")
    month = f"{TODAY():%Y-%m}"
    bad = as_director.post(url, {"month": month, "group": "parents", "respondents": "10", "satisfied": "11"})
    assert bad.status_code == 400 and not SatisfactionSurvey.objects.exists()
    ok = as_director.post(url, {"month": month, "group": "parents", "respondents": "10", "satisfied": "9"})
    assert ok.status_code == 302
    survey = SatisfactionSurvey.objects.get()
    assert survey.month == TODAY().replace(day=1) and survey.rate == 90
    dup = as_director.post(url, {"month": month, "group": "parents", "respondents": "5", "satisfied": "5"})
    assert dup.status_code == 400 and SatisfactionSurvey.objects.count() == 1


def test_it_pins_a_log_list_query_count(as_director, school, director, django_assert_max_num_queries):
    DisinfectionLog.objects.bulk_create(
        [
            DisinfectionLog(school=school, meal="lunch", method="steam", minutes=20, done_by=director)
            for _ in range(60)
        ]
    )
    with django_assert_max_num_queries(10):
        response = as_director.get(reverse("canteen:disinfection_list"))
    assert len(response.context["object_list"]) == 50
