"""Budget use, statements (收支情况), disclosure (财务公开), reports, month gaps, bureau metrics."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from finance import services
from finance.bureau import metrics
from finance.choices import BudgetCategory, StatementStatus
from finance.models import BudgetLine, IncomeEntry, MonthlyStatement
from finance.reports import month_gaps
from logistics.reports import Period
from logistics.reports.registry import REGISTRY
from tests.finance.conftest import line, page_errors

pytestmark = pytest.mark.django_db


def _paid(school, by, witness, principal, accountant, amount, budget_line, no):
    reimb = services.reimbursement_create(
        school=school,
        by=by,
        purpose="零星购置",
        amount=amount,
        receipts=[
            {"invoice_number": no, "invoice_date": datetime.date.today(), "seller": "某店", "amount": amount}
        ],
        budget_line=budget_line,
    )
    services.reimbursement_sign(obj=reimb, by=witness)
    services.reimbursement_sign(obj=reimb, by=principal)
    return services.reimbursement_pay(obj=reimb, by=accountant, paid_on=datetime.date.today())


def test_the_budget_page_shows_each_lines_use(
    as_principal, approved_request, school, teacher, director, principal, accountant, budget_line
):
    _paid(school, teacher, director, principal, accountant, Decimal("1100.00"), budget_line, "90000001")
    html = as_principal.get(reverse("finance:budget")).content.decode()
    assert "办公费" in html
    assert "900.00" in html  # committed: the approved request
    assert "1,100.00" in html  # spent
    assert "18,000.00" in html  # available
    assert 'data-testid="budget-pct">10%' in html


def test_the_budget_page_query_count_is_fixed(as_principal, school, django_assert_num_queries):
    year = datetime.date.today().year
    BudgetLine.objects.create(school=school, year=year, category=BudgetCategory.OTHER, name="首个", amount=1)
    as_principal.get(reverse("finance:budget"))  # settings row created on first use
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        as_principal.get(reverse("finance:budget"))
    for i in range(40):
        BudgetLine.objects.create(
            school=school, year=year, category=BudgetCategory.OTHER, name=f"科目{i}", amount=Decimal("100")
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = as_principal.get(reverse("finance:budget"))
    assert response.content.decode().count("科目") >= 40


def test_budget_lines_are_managed_by_the_accountant(as_accountant, as_teacher, school):
    url = reverse("finance:budget_create")
    assert as_teacher.get(url).status_code == 403
    data = {
        "year": 2026,
        "semester": "autumn",
        "category": BudgetCategory.REPAIR,
        "name": "维修费",
        "amount": "8000.00",
        "is_active": "on",
    }
    assert as_accountant.post(url, {**data, "amount": "-1"}).status_code == 200
    assert as_accountant.post(url, {**data, "amount": "1.001"}).status_code == 200
    assert not BudgetLine.objects.exists()
    assert as_accountant.post(url, data).status_code == 302
    assert BudgetLine.objects.get().amount == Decimal("8000.00")


def test_the_monthly_statement_goes_to_the_principal_and_is_published(
    client_for,
    school,
    teacher,
    director,
    principal,
    accountant,
    budget_line,
    django_capture_on_commit_callbacks,
):
    today = datetime.date.today()
    services.income_record(
        school=school, by=accountant, on=today, source="生均公用经费拨款", amount="50000.00"
    )
    _paid(school, teacher, director, principal, accountant, Decimal("300.00"), budget_line, "80000001")
    acc = client_for(accountant)
    response = acc.post(
        reverse("finance:statement_list"), {"month": today.strftime("%Y-%m"), "notes": "本月正常"}
    )
    assert response.status_code == 302, page_errors(response)
    stmt = MonthlyStatement.objects.get()
    assert stmt.figures["income_total"] == "50000.00" and stmt.figures["spending_total"] == "300.00"
    assert stmt.figures["spending"][0]["label"] == "办公费"
    with django_capture_on_commit_callbacks(execute=True):
        acc.post(reverse("finance:statement_advance", args=[stmt.pk]), {"step": "submit"})
    assert principal.notifications.filter(title__contains="收支情况").exists()
    # the teacher sees nothing on the disclosure page until it is published
    staff_view = client_for(teacher)
    assert "还没有公开" in staff_view.get(reverse("finance:disclosure")).content.decode()
    # only the principal reviews
    acc.post(reverse("finance:statement_advance", args=[stmt.pk]), {"step": "review"})
    stmt.refresh_from_db()
    assert stmt.status == StatementStatus.SUBMITTED
    pc = client_for(principal)
    pc.post(reverse("finance:statement_advance", args=[stmt.pk]), {"step": "review"})
    pc.post(reverse("finance:statement_advance", args=[stmt.pk]), {"step": "publish"})
    stmt.refresh_from_db()
    assert stmt.status == StatementStatus.PUBLISHED and stmt.reviewed_by == principal
    html = staff_view.get(reverse("finance:disclosure")).content.decode()
    assert "生均公用经费拨款" in html and "50,000.00" in html
    assert staff_view.get(reverse("finance:statement_list")).status_code == 403


def test_a_future_month_statement_and_bad_income_are_refused(as_accountant, school):
    future = (datetime.date.today() + datetime.timedelta(days=40)).strftime("%Y-%m")
    response = as_accountant.post(reverse("finance:statement_list"), {"month": future})
    assert "不能编制未来月份的报表。" in page_errors(response)
    response = as_accountant.post(
        reverse("finance:income_list"), {"on": datetime.date.today(), "source": "拨款", "amount": "-5"}
    )
    assert response.status_code == 400
    assert not MonthlyStatement.objects.exists() and not IncomeEntry.objects.exists()


@pytest.mark.parametrize(
    "key", ["finance.requests", "finance.purchases", "finance.reimbursements", "finance.budget"]
)
def test_each_report_builds_and_downloads(
    as_principal, key, approved_request, school, staff, director, teacher, principal, accountant, budget_line
):
    req = services.purchase_request_purchase(
        obj=approved_request,
        by=staff,
        supplier="甲",
        purchased_on=datetime.date.today(),
        prices={ln.pk: ln.unit_price for ln in approved_request.lines.all()},
    )
    services.purchase_request_accept(
        obj=req, by=director, accepted={ln.pk: ln.quantity for ln in req.lines.all()}
    )
    _paid(school, teacher, director, principal, accountant, Decimal("50.00"), budget_line, "70000001")
    period = Period.current_month()
    report = REGISTRY[key].builder(school, period)
    rows = list(report.rows)
    assert rows, key
    if key == "finance.requests":
        assert rows[0][0] == req.number and "同意采购" in rows[0][7]
    if key == "finance.purchases":
        assert "入库" in rows[0][9]
    if key == "finance.budget":
        assert rows[0][0] == "办公费" and rows[0][8] == "4%"  # (900 + 50) / 20,000
    response = as_principal.get(reverse("reports:download", args=[key, "xlsx"]) + f"?month={period.key}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_the_requests_report_has_a_fixed_query_count(
    make_request, teacher, school, django_assert_max_num_queries
):
    for i in range(20):
        make_request(teacher, title=f"请购{i}")
    with django_assert_max_num_queries(4):
        rows = list(REGISTRY["finance.requests"].builder(school, Period.current_month()).rows)
    assert len(rows) == 20


def test_month_gaps_name_what_is_missing(make_request, school, teacher, principal, accountant):
    from finance.models import PurchaseRequest

    req = make_request(teacher)
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=10)
    PurchaseRequest.objects.filter(pk=req.pk).update(submitted_at=old)
    loan = services.loan_create(
        school=school, by=teacher, purpose="预借春游费用", amount="200", settle_by=datetime.date.today()
    )
    services.loan_decide(obj=loan, by=principal, approve=True)
    services.loan_disburse(obj=loan, by=accountant, on=datetime.date.today())
    from finance.models import Loan

    Loan.objects.filter(pk=loan.pk).update(settle_by=datetime.date.today() - datetime.timedelta(days=40))
    gaps = month_gaps(school, Period.current_month())
    assert any("超过7天未审批" in g for g in gaps)
    assert any("预借春游费用" in g for g in gaps)
    assert any("收支情况未上报校长" in g for g in gaps)


def test_bureau_metrics_give_budget_use_for_every_school(
    school, other_school, approved_request, budget_line, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        found = metrics([school, other_school], Period.current_month())
    assert found[school.pk][0] == ("预算执行", "4%", "ok")  # 900 of 20,000
    assert found[other_school.pk][0] == ("预算执行", "未编预算", "warning")


def test_the_dashboard_shows_the_approvers_queue(as_principal, as_director, make_request, teacher):
    make_request(teacher, lines=[line(quantity=1, unit_price="800.00")])
    html = as_director.get(reverse("dashboard")).content.decode()
    assert "待我审批" in html
    html = as_principal.get(reverse("dashboard")).content.decode()
    assert "待我审批" in html


def test_the_stale_approval_reminder_is_idempotent(make_request, teacher, director):
    from finance.models import PurchaseRequest
    from finance.tasks import remind_stale_approvals

    req = make_request(teacher)
    PurchaseRequest.objects.filter(pk=req.pk).update(
        submitted_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    )
    assert remind_stale_approvals.delay().get() == 1
    assert remind_stale_approvals.delay().get() == 0
    assert director.notifications.filter(title__contains="已等待审批").count() == 1


def test_the_dashboard_warns_of_budget_lines_near_their_limit(as_principal, make_request, teacher, director):
    req = make_request(teacher, lines=[line("柜子", 1, "450.00")])
    from finance.models import BudgetLine as Line

    Line.objects.filter(pk=req.budget_line_id).update(amount=Decimal("480.00"))
    services.purchase_request_decide(obj=req, by=director, approve=True)
    html = as_principal.get(reverse("dashboard")).content.decode()
    assert "预算接近或超出" in html and "办公费 93%" in html


def test_the_pdf_of_a_report_renders(as_principal, approved_request):
    response = as_principal.get(reverse("reports:download", args=["finance.requests", "pdf"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_list_pages_have_a_fixed_query_count(
    client_for, school, teacher, director, principal, make_request, django_assert_max_num_queries
):
    for i in range(25):
        make_request(teacher, title=f"请购{i}", lines=[line(quantity=1, unit_price="600.00")])
        services.reimbursement_create(
            school=school,
            by=teacher,
            purpose=f"报销{i}",
            amount="10.00",
            receipts=[
                {
                    "invoice_number": f"6600{i:04d}",
                    "invoice_date": datetime.date.today(),
                    "seller": "店",
                    "amount": Decimal("10.00"),
                }
            ],
        )
        services.loan_create(
            school=school, by=teacher, purpose=f"借款{i}", amount="10", settle_by=datetime.date.today()
        )
    for user, name, limit in [
        (director, "finance:approvals", 16),
        (principal, "finance:approvals", 16),
        (director, "finance:reimbursement_list", 12),
        (director, "finance:loan_list", 12),
        (director, "finance:request_list", 12),
    ]:
        c = client_for(user)
        with django_assert_max_num_queries(limit):
            response = c.get(reverse(name))
        assert response.status_code == 200
    html = client_for(principal).get(reverse("finance:approvals")).content.decode()
    assert html.count('data-testid="approval-card"') == 0  # the requests still wait for the director
    assert html.count('data-testid="loan-card"') == 25
    html = client_for(director).get(reverse("finance:approvals")).content.decode()
    assert html.count('data-testid="approval-card"') == 25
    assert html.count('data-testid="claim-card"') == 25  # claims waiting for a witness


def test_income_is_recorded_by_the_accountant(as_accountant, as_teacher, school, accountant):
    url = reverse("finance:income_list")
    assert as_teacher.get(url).status_code == 403
    response = as_accountant.post(
        url, {"on": datetime.date.today().isoformat(), "source": "保育教育费收入", "amount": "86400.00"}
    )
    assert response.status_code == 302
    entry = IncomeEntry.objects.get()
    assert entry.recorded_by == accountant and entry.amount == Decimal("86400.00")
