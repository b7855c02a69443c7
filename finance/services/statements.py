"""Income (收入) and the monthly statement (收支情况): prepared by the accountant, reviewed by the
principal, published for staff (财务公开). finance.workflows.STATEMENT."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_change, record_creation, snapshot
from logistics.choices import ChangeAction, Role
from logistics.validation import money, not_future

from ..choices import StatementAction, StatementStatus
from ..models import IncomeEntry, MonthlyStatement
from ..workflows import STATEMENT
from .common import on_field, url


def income_record(*, school, by, on: datetime.date, source: str, amount, note: str = "") -> IncomeEntry:
    source = (source or "").strip()
    if not source:
        raise ValidationError({"source": _("请填写收入来源。")})
    with on_field("amount"):
        amount = money(amount, _("收入金额"))
    if on is None:
        raise ValidationError({"on": _("请填写日期。")})
    with on_field("on"):
        not_future(on, _("收入日期"))
    with transaction.atomic():
        entry = IncomeEntry.objects.create(
            school=school, on=on, source=source[:100], amount=amount, note=(note or "")[:200], recorded_by=by
        )
        record_creation(obj=entry, by=by)
    return entry


def statement_prepare(*, school, by, month: datetime.date, notes: str = "") -> MonthlyStatement:
    """Compute the month's figures and save them as a draft (or refresh a draft)."""
    from ..selectors import statement_figures

    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationError({"month": _("不能编制未来月份的报表。")})
    figures = statement_figures(school, month)
    with transaction.atomic():
        stmt, created = MonthlyStatement.objects.select_for_update().get_or_create(
            school=school, month=month, defaults={"prepared_by": by, "notes": notes, "figures": figures}
        )
        if not created:
            if stmt.status != StatementStatus.DRAFT:
                raise ValidationError(_("该月报表已上报，不能再修改。"))
            before = snapshot(stmt, fields=["notes", "figures"])
            stmt.notes, stmt.figures, stmt.prepared_by = notes, figures, by
            stmt.save(update_fields=["notes", "figures", "prepared_by"])
            record_change(obj=stmt, by=by, action=ChangeAction.UPDATE, before=before)
        else:
            record_creation(obj=stmt, by=by)
    return stmt


def statement_advance(*, obj: MonthlyStatement, by, step: str) -> MonthlyStatement:
    """上报校长 (submit), 已阅 (review) or 公开 (publish), whichever `step` names."""
    if step not in StatementAction.values:
        raise ValidationError(_("未知操作。"))
    with STATEMENT.step(obj, step, by=by) as s:
        stmt, now = s.obj, timezone.now()
        if step == StatementAction.SUBMIT:
            s.set(submitted_at=now)
            s.notify(
                school=stmt.school,
                title=_("%(s)s已上报，请审阅") % {"s": stmt},
                url=url("statement_detail", stmt.pk),
                roles=[Role.PRINCIPAL],
                dedupe_key=f"finance-stmt:{stmt.pk}:submitted",
            )
        elif step == StatementAction.REVIEW:
            s.set(reviewed_by=by, reviewed_at=now)
        else:
            s.set(published_at=now)
    return s.obj
