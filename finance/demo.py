"""Demo finance records for `seed_demo`: budgets, income, requests at every step, a reimbursement,
a loan and last month's published statement. Idempotent: requests are only seeded once per school."""

import datetime
from decimal import Decimal

from django.utils import timezone

from logistics.choices import Role, SchoolKind
from logistics.models import Membership

from . import services
from .choices import BudgetCategory, Semester
from .models import BudgetLine, IncomeEntry, MonthlyStatement, PurchaseRequest

BUDGETS = [
    ("办公费", BudgetCategory.OFFICE, Semester.YEAR, "20000.00"),
    ("教学设备购置", BudgetCategory.TEACHING, Semester.AUTUMN, "60000.00"),
    ("校舍及设备维修", BudgetCategory.REPAIR, Semester.YEAR, "30000.00"),
    ("卫生保健用品", BudgetCategory.HEALTH, Semester.YEAR, "8000.00"),
    ("安全设施", BudgetCategory.SAFETY, Semester.YEAR, "12000.00"),
]


def _people(school):
    found = {}
    for m in Membership.objects.active().filter(school=school).select_related("user").order_by("pk"):
        found.setdefault(m.role, m.user)
    return found


def _line(name, qty, price, spec="", unit="个"):
    return {"name": name, "spec": spec, "unit": unit, "quantity": qty, "unit_price": Decimal(price)}


def _backdate(req, days):
    when = timezone.now() - datetime.timedelta(days=days)
    PurchaseRequest.objects.filter(pk=req.pk).update(created_at=when, submitted_at=when)
    req.history.update(at=when)


def seed(demo):
    school = demo.school
    today = timezone.localdate()
    who = _people(school)
    principal, director = who.get(Role.PRINCIPAL), who.get(Role.DIRECTOR)
    staff, accountant, teacher = who.get(Role.STAFF), who.get(Role.ACCOUNTANT), who.get(Role.TEACHER)
    if not all([principal, director, staff, accountant, teacher]):
        return
    lines = {}
    for name, category, semester, amount in BUDGETS:
        lines[category], _created = BudgetLine.objects.get_or_create(
            school=school,
            year=today.year,
            semester=semester,
            name=name,
            defaults={"category": category, "amount": Decimal(amount)},
        )
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    incomes = [
        (last_month, "生均公用经费拨款", "120000.00"),
        (today.replace(day=1), "生均公用经费拨款", "120000.00"),
    ]
    if school.kind == SchoolKind.KINDERGARTEN:
        incomes += [(last_month + datetime.timedelta(days=4), "保育教育费收入", "86400.00")]
    for on, source, amount in incomes:
        IncomeEntry.objects.get_or_create(
            school=school,
            on=on,
            source=source,
            defaults={"amount": Decimal(amount), "recorded_by": accountant},
        )
    if PurchaseRequest.objects.filter(school=school).exists():
        return
    needed = today + datetime.timedelta(days=10)
    office, teaching = lines[BudgetCategory.OFFICE], lines[BudgetCategory.TEACHING]
    health = lines[BudgetCategory.HEALTH]

    # 1. paper and markers: approved, bought, accepted into stores, reimbursed (the whole chain)
    paper = services.purchase_request_create(
        school=school,
        by=teacher,
        title="办公及教学耗材",
        reason="本月复印试卷、教案用纸和白板笔已用完。",
        needed_by=needed,
        budget_line=office,
        lines=[
            _line("A4复印纸", 4, "145.00", "70g 500张×5包", "箱"),
            _line("白板笔", 20, "3.50", "黑色", "支"),
        ],
    )
    services.purchase_request_decide(obj=paper, by=director, approve=True, comment="同意，按需采购")
    services.purchase_request_decide(obj=paper, by=principal, approve=True, comment="同意")
    services.purchase_request_purchase(
        obj=paper,
        by=staff,
        supplier="星城文具批发部",
        purchased_on=today,
        prices={ln.pk: ln.unit_price for ln in paper.lines.all()},
    )
    services.purchase_request_accept(
        obj=paper, by=director, accepted={ln.pk: ln.quantity for ln in paper.lines.all()}, note="数量规格相符"
    )
    paper.refresh_from_db()
    claim = services.reimbursement_create(
        school=school,
        by=staff,
        purpose="办公及教学耗材",
        amount=paper.actual_total,
        purchase_request=paper,
        receipts=[
            {
                "invoice_number": f"4400{school.pk:02d}231{paper.pk:03d}",
                "invoice_date": today - datetime.timedelta(days=2),
                "seller": "星城文具批发部",
                "amount": paper.actual_total,
            }
        ],
    )
    services.reimbursement_sign(obj=claim, by=director, comment="物品已验收入库")
    services.reimbursement_sign(obj=claim, by=principal)
    services.reimbursement_pay(obj=claim, by=accountant, paid_on=today)
    _backdate(paper, 3)

    # 2. an interactive whiteboard above the quote threshold: three quotes, director approved, principal next
    board = services.purchase_request_create(
        school=school,
        by=teacher,
        title="大一班交互式一体机" if school.kind == SchoolKind.KINDERGARTEN else "三(2)班交互式一体机",
        reason="原投影仪老化，画面模糊，影响教学。",
        needed_by=needed,
        budget_line=teaching,
        lines=[_line("交互式一体机", 1, "6800.00", "86英寸 4K", "台")],
    )
    for supplier, amount in [
        ("星城教育装备公司", "6800.00"),
        ("华南电子", "7150.00"),
        ("鑫达科技", "6990.00"),
    ]:
        services.quote_add(obj=board, by=staff, supplier=supplier, amount=amount, quoted_on=today)
    services.purchase_request_decide(obj=board, by=director, approve=True, comment="已货比三家，建议采购")
    _backdate(board, 2)

    # 3. a disinfection cabinet: approved by both, bought, waiting for acceptance
    cabinet = services.purchase_request_create(
        school=school,
        by=staff,
        title="食堂消毒柜",
        reason="原消毒柜温度达不到要求。",
        needed_by=needed,
        budget_line=health,
        lines=[_line("高温消毒柜", 1, "1800.00", "双门 380L", "台")],
    )
    services.purchase_request_decide(obj=cabinet, by=director, approve=True)
    services.purchase_request_decide(obj=cabinet, by=principal, approve=True, comment="同意")
    services.purchase_request_purchase(
        obj=cabinet,
        by=accountant,
        supplier="康宝电器专卖",
        purchased_on=today,
        prices={ln.pk: Decimal("1760.00") for ln in cabinet.lines.all()},
    )
    _backdate(cabinet, 6)

    # 4. rejected with a reason, 5. waiting for the director, 6. the director's own request
    desks = services.purchase_request_create(
        school=school,
        by=teacher,
        title="儿童桌椅",
        reason="新学期班额增加。",
        needed_by=needed,
        budget_line=teaching,
        lines=[_line("儿童桌椅", 10, "260.00", "升降款", "套")],
    )
    services.purchase_request_decide(
        obj=desks, by=director, approve=False, comment="先从仓库调配闲置桌椅，数量偏多"
    )
    _backdate(desks, 4)
    books = services.purchase_request_create(
        school=school,
        by=teacher,
        title="班级图书角绘本",
        reason="更新图书角。",
        needed_by=needed,
        budget_line=teaching,
        lines=[_line("绘本", 20, "35.00", "", "本")],
    )
    _backdate(books, 1)
    services.purchase_request_create(
        school=school,
        by=director,
        title="维修工具",
        reason="电工工具损坏。",
        needed_by=needed,
        budget_line=lines[BudgetCategory.REPAIR],
        lines=[_line("电工工具套装", 1, "350.00", "", "套")],
    )

    # a claim waiting for the witness, and a travel advance
    services.reimbursement_create(
        school=school,
        by=teacher,
        purpose="教研活动交通费",
        amount=Decimal("86.00"),
        budget_line=office,
        receipts=[
            {
                "invoice_number": f"5100{school.pk:02d}88{paper.pk:04d}",
                "invoice_date": today - datetime.timedelta(days=1),
                "seller": "星城出租汽车公司",
                "amount": Decimal("86.00"),
            }
        ],
    )
    loan = services.loan_create(
        school=school,
        by=teacher,
        purpose="外出参加省级教研培训预借差旅费",
        amount=Decimal("1500.00"),
        settle_by=today + datetime.timedelta(days=20),
    )
    services.loan_decide(obj=loan, by=principal, approve=True, comment="同意，回来后及时报销冲账")
    services.loan_disburse(obj=loan, by=accountant, on=today)

    # last month's statement, published for staff
    if not MonthlyStatement.objects.filter(school=school, month=last_month).exists():
        stmt = services.statement_prepare(
            school=school, by=accountant, month=last_month, notes="本月各项支出均在预算内。"
        )
        services.statement_advance(obj=stmt, by=accountant, step="submit")
        services.statement_advance(obj=stmt, by=principal, step="review")
        services.statement_advance(obj=stmt, by=principal, step="publish")
