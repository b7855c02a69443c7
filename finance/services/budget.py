"""The budget check a request makes when it is raised, revised and approved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..choices import BudgetMode
from ..models import FinanceSettings
from ..selectors import budget_use


def budget_check(*, school, line, amount, exclude_request_id=None) -> str:
    """'' when `amount` fits the line; otherwise a warning, or ValidationError in block mode."""
    if line is None:
        return ""
    use = budget_use(line, exclude_request_id=exclude_request_id)
    if amount <= use["available"]:
        return ""
    message = _("超出预算：预算科目「%(line)s」可用余额 %(available)s 元，本单 %(amount)s 元。") % {
        "line": line.name,
        "available": f"{use['available']:,.2f}",
        "amount": f"{amount:,.2f}",
    }
    if FinanceSettings.for_school(school).budget_mode == BudgetMode.BLOCK:
        raise ValidationError({"budget_line": message + _("学校设置为超预算禁止。")})
    return message
