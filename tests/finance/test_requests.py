"""Purchase requests (请购): the computed total, money refusals, the approval chain by amount, self-approval,
three quotes, rejection and resubmission with history, budget warnings and blocks."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from finance import services
from finance.choices import BudgetMode, FlowAction, RequestStatus
from finance.models import FinanceSettings, FlowLog, PurchaseRequest, RequestLine
from logistics.choices import Role
from logistics.models import Notification
from tests.factories import member
from tests.finance.conftest import line, page_errors, request_post_data
from tests.helpers import form_errors

pytestmark = pytest.mark.django_db


def test_it_lets_a_teacher_raise_a_request_with_a_computed_total(
    as_teacher, teacher, budget_line, director, django_capture_on_commit_callbacks
):
    data = request_post_data(
        lines=[line("白板笔", 10, "3.50"), line("A4复印纸", 2, "150.00")],
        budget_line=budget_line.pk,
        estimated_total="1.00",  # a typed total is ignored
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = as_teacher.post(reverse("finance:request_create"), data)
    assert response.status_code == 302, page_errors(response)
    req = PurchaseRequest.objects.get()
    assert req.estimated_total == Decimal("335.00")
    assert req.requester == teacher and req.status == RequestStatus.PENDING_DIRECTOR
    assert not req.needs_principal
    assert req.number.startswith("QG")
    assert list(req.lines.values_list("name", flat=True)) == ["白板笔", "A4复印纸"]
    submit = FlowLog.objects.get(request=req)
    assert submit.action == FlowAction.SUBMIT and submit.by == teacher
    assert Notification.objects.filter(
        user=director, url=reverse("finance:request_detail", args=[req.pk])
    ).exists()


@pytest.mark.parametrize(
    "bad_line, message_part",
    [
        (line(unit_price="-5.00"), "大于或等于"),
        (line(unit_price="1.234"), "小数不超过 2 位"),
        (line(unit_price="0"), "大于或等于"),
        (line(quantity=0), "大于或等于"),
        (line(unit_price="999999999999"), ""),
        (line(name=""), "必填"),
    ],
)
def test_it_refuses_bad_money_and_quantities_and_writes_nothing(
    as_teacher, budget_line, bad_line, message_part
):
    response = as_teacher.post(
        reverse("finance:request_create"), request_post_data(lines=[bad_line], budget_line=budget_line.pk)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "invalid-feedback" in html
    if message_part:
        assert message_part in html
    assert not PurchaseRequest.objects.exists() and not RequestLine.objects.exists()


def test_it_refuses_a_past_needed_by_date_and_no_lines(as_teacher, budget_line):
    yesterday = (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
    response = as_teacher.post(
        reverse("finance:request_create"), request_post_data(budget_line=budget_line.pk, needed_by=yesterday)
    )
    assert "需用日期不能早于今天。" in page_errors(response)
    response = as_teacher.post(
        reverse("finance:request_create"), request_post_data(lines=[], budget_line=budget_line.pk)
    )
    assert "请至少填写一项物品。" in response.content.decode()
    assert not PurchaseRequest.objects.exists()


def test_it_refuses_another_schools_budget_line(as_teacher, budget_line, other_budget_line):
    response = as_teacher.post(
        reverse("finance:request_create"), request_post_data(budget_line=other_budget_line.pk)
    )
    assert response.status_code == 400 and "选择一个有效的选项" in page_errors(response)
    assert not PurchaseRequest.objects.exists()


def test_the_service_refuses_more_than_two_decimals_and_negatives(make_request, teacher):
    for price, message in [("1.005", "最多保留两位小数"), ("-1", "不能为负数"), ("NaN", "不是有效的金额")]:
        with pytest.raises(ValidationError) as exc:
            make_request(teacher, lines=[{**line(), "unit_price": price}])
        assert message in exc.value.messages[0]
    assert not PurchaseRequest.objects.exists()


def test_up_to_the_director_limit_the_director_alone_approves(make_request, teacher, director):
    req = make_request(teacher, lines=[line(quantity=1, unit_price="500.00")])
    assert not req.needs_principal
    req, _ = services.purchase_request_decide(obj=req, by=director, approve=True, comment="同意")
    assert req.status == RequestStatus.APPROVED and req.decided_at
    step = req.history.get(action=FlowAction.APPROVE)
    assert (step.by, step.comment, step.from_status, step.to_status) == (
        director,
        "同意",
        RequestStatus.PENDING_DIRECTOR,
        RequestStatus.APPROVED,
    )
    assert step.at is not None and step.role == Role.DIRECTOR


def test_above_the_limit_the_principal_approves_after_the_director(
    make_request, teacher, director, principal, django_capture_on_commit_callbacks
):
    req = make_request(teacher, lines=[line(quantity=1, unit_price="500.01")])
    assert req.needs_principal
    with pytest.raises(ValidationError, match="您的身份不能执行"):
        services.purchase_request_decide(obj=req, by=principal, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        req, _ = services.purchase_request_decide(obj=req, by=director, approve=True)
    assert req.status == RequestStatus.PENDING_PRINCIPAL
    assert Notification.objects.filter(user=principal, title__contains="请购待审批").exists()
    with pytest.raises(ValidationError):
        services.purchase_request_decide(obj=req, by=director, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        req, _ = services.purchase_request_decide(obj=req, by=principal, approve=True, comment="同意")
    assert req.status == RequestStatus.APPROVED
    assert Notification.objects.filter(user=teacher, title__contains="已批准").exists()
    assert list(req.history.values_list("action", flat=True)) == [
        FlowAction.SUBMIT,
        FlowAction.APPROVE,
        FlowAction.APPROVE,
    ]


def test_the_chain_follows_the_school_setting(make_request, school, teacher):
    FinanceSettings.objects.update_or_create(school=school, defaults={"director_limit": Decimal("100.00")})
    req = make_request(teacher, lines=[line(quantity=1, unit_price="150.00")])
    assert req.needs_principal


def test_nobody_approves_their_own_request(make_request, school, principal, director):
    # the principal's own request goes to the director; the principal cannot decide it
    req = make_request(principal)
    assert req.status == RequestStatus.PENDING_DIRECTOR
    with pytest.raises(ValidationError) as exc:
        services.purchase_request_decide(obj=req, by=principal, approve=True)
    assert exc.value.messages == ["不能审批本人提交的申请。"]
    # the director's own request skips the director's step and goes to the principal
    own = make_request(director)
    assert own.status == RequestStatus.PENDING_PRINCIPAL
    # even if it sat at the director's step, the director could not approve it
    PurchaseRequest.objects.filter(pk=own.pk).update(status=RequestStatus.PENDING_DIRECTOR)
    own.refresh_from_db()
    with pytest.raises(ValidationError, match="不能审批本人提交的申请"):
        services.purchase_request_decide(obj=own, by=director, approve=True)
    own.refresh_from_db()
    assert own.status == RequestStatus.PENDING_DIRECTOR
    assert not own.history.filter(action=FlowAction.APPROVE).exists()


def test_the_view_refuses_self_approval_with_a_message(as_director, make_request, director):
    req = make_request(director)
    PurchaseRequest.objects.filter(pk=req.pk).update(status=RequestStatus.PENDING_DIRECTOR)
    response = as_director.post(
        reverse("finance:request_decide", args=[req.pk]),
        {"decision": "approve", "seen_status": RequestStatus.PENDING_DIRECTOR},
        follow=True,
    )
    assert "不能审批本人提交的申请。" in response.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING_DIRECTOR


def test_above_the_quote_threshold_three_quotes_are_needed(make_request, teacher, director, staff, today):
    req = make_request(teacher, lines=[line("交互式一体机", 1, "6800.00")])
    assert req.needs_quotes
    with pytest.raises(ValidationError, match="须货比三家"):
        services.purchase_request_decide(obj=req, by=director, approve=True)
    for supplier, amount in [("甲公司", "6800"), ("乙公司", "7100"), ("丙公司", "6950")]:
        services.quote_add(obj=req, by=staff, supplier=supplier, amount=amount, quoted_on=today)
    with pytest.raises(ValidationError, match="已有供应商"):
        services.quote_add(obj=req, by=staff, supplier="甲公司", amount="1", quoted_on=today)
    req, _ = services.purchase_request_decide(obj=req, by=director, approve=True)
    assert req.status == RequestStatus.PENDING_PRINCIPAL


def test_a_quote_from_an_outsider_role_is_refused(make_request, teacher, school, today):
    other_teacher = member(school, Role.TEACHER)
    req = make_request(teacher)
    with pytest.raises(ValidationError, match="只有申请人或采购人员"):
        services.quote_add(obj=req, by=other_teacher, supplier="甲", amount="1", quoted_on=today)


def test_rejecting_needs_a_reason_and_notifies_the_requester(
    make_request, teacher, director, django_capture_on_commit_callbacks
):
    req = make_request(teacher)
    with pytest.raises(ValidationError, match="退回必须填写原因"):
        services.purchase_request_decide(obj=req, by=director, approve=False, comment="  ")
    with django_capture_on_commit_callbacks(execute=True):
        req, _ = services.purchase_request_decide(
            obj=req, by=director, approve=False, comment="数量偏多，请减半"
        )
    assert req.status == RequestStatus.REJECTED
    note = Notification.objects.get(user=teacher, title__contains="被退回")
    assert "数量偏多" in note.body


def test_a_rejected_request_is_revised_and_resubmitted_keeping_every_round(
    as_teacher, make_request, teacher, director, budget_line
):
    req = make_request(teacher, lines=[line(quantity=10)])
    services.purchase_request_decide(obj=req, by=director, approve=False, comment="数量偏多")
    response = as_teacher.get(reverse("finance:request_revise", args=[req.pk]))
    assert response.status_code == 200
    data = request_post_data(lines=[line(quantity=3)], budget_line=budget_line.pk, comment="已减少数量")
    response = as_teacher.post(reverse("finance:request_revise", args=[req.pk]), data)
    assert response.status_code == 302, page_errors(response)
    req.refresh_from_db()
    assert req.round == 2 and req.status == RequestStatus.PENDING_DIRECTOR
    assert req.estimated_total == Decimal("450.00")
    assert req.lines.get().quantity == 3
    rounds = list(req.history.values_list("round", "action"))
    assert rounds == [
        (1, FlowAction.SUBMIT),
        (1, FlowAction.REJECT),
        (2, FlowAction.RESUBMIT),
    ]
    first = req.history.get(action=FlowAction.SUBMIT)
    assert first.data["lines"][0]["quantity"] == 10  # the first round's items are kept
    detail = as_teacher.get(reverse("finance:request_detail", args=[req.pk])).content.decode()
    assert "第 1 轮" in detail and "第 2 轮" in detail and "数量偏多" in detail
    services.purchase_request_decide(obj=req, by=director, approve=True)


def test_only_the_requester_may_resubmit_and_only_when_rejected(make_request, teacher, director, today):
    req = make_request(teacher)
    kwargs = {"title": "x", "reason": "y", "needed_by": today, "lines": [line()]}
    with pytest.raises(ValidationError, match="不能执行"):
        services.purchase_request_resubmit(obj=req, by=teacher, **kwargs)
    services.purchase_request_decide(obj=req, by=director, approve=False, comment="不需要")
    with pytest.raises(ValidationError, match="只有申请人本人"):
        services.purchase_request_resubmit(obj=req, by=director, **kwargs)


def test_the_requester_may_cancel(as_teacher, make_request, teacher):
    req = make_request(teacher)
    response = as_teacher.post(reverse("finance:request_cancel", args=[req.pk]))
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.CANCELLED


def test_exceeding_the_budget_warns_by_default(make_request, teacher, director, principal, budget_line):
    req = make_request(teacher, lines=[line("空调", 1, "25000.00")])
    assert "超出预算" in req.budget_warning
    assert req.status == RequestStatus.PENDING_DIRECTOR


def test_exceeding_the_budget_is_blocked_when_the_school_says_so(make_request, school, teacher, budget_line):
    FinanceSettings.objects.update_or_create(school=school, defaults={"budget_mode": BudgetMode.BLOCK})
    with pytest.raises(ValidationError, match="超出预算"):
        make_request(teacher, lines=[line("空调", 1, "25000.00")])
    assert not PurchaseRequest.objects.exists()


def test_block_mode_also_stops_the_final_approval(make_request, school, teacher, director, budget_line):
    first = make_request(teacher, lines=[line("柜子", 1, "400.00")])
    second = make_request(teacher, lines=[line("柜子", 1, "400.00")])
    budget_line.amount = Decimal("500.00")
    budget_line.save()
    FinanceSettings.objects.update_or_create(school=school, defaults={"budget_mode": BudgetMode.BLOCK})
    services.purchase_request_decide(obj=first, by=director, approve=True)
    with pytest.raises(ValidationError, match="超出预算"):
        services.purchase_request_decide(obj=second, by=director, approve=True)
    second.refresh_from_db()
    assert second.status == RequestStatus.PENDING_DIRECTOR


def test_a_teacher_sees_only_their_own_requests(client_for, make_request, teacher, school):
    other = member(school, Role.TEACHER)
    mine = make_request(teacher, title="我的请购")
    theirs = make_request(other, title="别人的请购")
    c = client_for(teacher)
    listing = c.get(reverse("finance:request_list")).content.decode()
    assert "我的请购" in listing and "别人的请购" not in listing
    assert c.get(reverse("finance:request_detail", args=[theirs.pk])).status_code == 404
    assert c.get(reverse("finance:request_detail", args=[mine.pk])).status_code == 200


def test_the_request_list_has_a_fixed_query_count(
    as_director, make_request, teacher, django_assert_max_num_queries
):
    for i in range(30):
        make_request(teacher, title=f"请购{i}")
    with django_assert_max_num_queries(12):
        response = as_director.get(reverse("finance:request_list"))
    assert response.status_code == 200
    assert response.content.decode().count("finance/requests/") >= 30


def test_the_detail_page_offers_the_director_a_decision(as_director, make_request, teacher):
    req = make_request(teacher)
    html = as_director.get(reverse("finance:request_detail", args=[req.pk])).content.decode()
    assert 'data-testid="decision-form"' in html


def test_the_settings_page_is_the_principals(as_principal, as_director, school):
    url = reverse("finance:settings")
    assert as_director.get(url).status_code == 403
    response = as_principal.post(
        url,
        {
            "director_limit": "800.00",
            "quote_threshold": "300.00",
            "quotes_required": 3,
            "budget_mode": BudgetMode.BLOCK,
            "invoice_max_age_days": 365,
        },
    )
    assert response.status_code == 400 and "货比三家起点不能低于主任审批限额。" in form_errors(response)
    response = as_principal.post(
        url,
        {
            "director_limit": "800.00",
            "quote_threshold": "8000.00",
            "quotes_required": 3,
            "budget_mode": BudgetMode.BLOCK,
            "invoice_max_age_days": 365,
        },
    )
    assert response.status_code == 302
    cfg = FinanceSettings.objects.get(school=school)
    assert cfg.director_limit == Decimal("800.00") and cfg.budget_mode == BudgetMode.BLOCK


def test_attachments_are_checked_by_content_and_kept_with_the_request(as_teacher, budget_line):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from logistics.attachments import attachments_for

    fake = SimpleUploadedFile("报价单.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    data = request_post_data(budget_line=budget_line.pk)
    response = as_teacher.post(reverse("finance:request_create"), {**data, "attachments": [fake]})
    assert response.status_code == 400 and "不是有效的图片或 PDF" in page_errors(response)
    assert not PurchaseRequest.objects.exists()
    quote = SimpleUploadedFile("报价单.pdf", b"%PDF-1.4 quote", content_type="application/pdf")
    response = as_teacher.post(reverse("finance:request_create"), {**data, "attachments": [quote]})
    assert response.status_code == 302
    req = PurchaseRequest.objects.get()
    assert [a.original_name for a in attachments_for(req)] == ["报价单.pdf"]
    html = as_teacher.get(reverse("finance:request_detail", args=[req.pk])).content.decode()
    assert "报价单.pdf" in html
