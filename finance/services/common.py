"""What the finance services share: who takes the principal's step, the notes the history keeps, the
first history row of a paper, notifications after commit, attachments and errors on their fields."""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from logistics.audit import record_change
from logistics.choices import ChangeAction, Role
from logistics.notifications import notify

from ..choices import FlowAction
from ..workflows import flow_log

R = Role


def principal_step_role(owner_role) -> str:
    """Who takes the principal's step (一支笔审批) on a paper raised by someone with `owner_role`.

    Nobody approves their own request (DOMAIN.md): the principal's own purchase request, loan and
    reimbursement are decided by the logistics director in the principal's place; everyone else's by the
    principal. The one rule for all three flows.
    """
    return R.DIRECTOR if owner_role == R.PRINCIPAL else R.PRINCIPAL


def principals_own_note(kind) -> str:
    """The plain line the history keeps on the principal's own loan or claim, for an auditor."""
    if kind == "loan":
        return _("校长本人的借款，由后勤主任审批（本人不审批本人的申请）。")
    return _("校长本人的报销单，由后勤主任代校长签字（本人不审批本人的申请）。")


def with_note(note, comment):
    return "\n".join(part for part in (note, comment) if part)


def may_witness(reimb, role) -> bool:
    """The one who will take the principal's step cannot also be the claim's 证明人: on the principal's
    own claim the director signs in the principal's place, so the director is not its witness."""
    return role != reimb.approver_role


def log_submit(*, obj, by, role, comment="", data=None) -> None:
    """A new paper's first history row (提交) and its change-log entry, in the caller's transaction."""
    flow_log(
        obj=obj,
        by=by,
        role=role,
        action=FlowAction.SUBMIT,
        from_status="",
        to_status=obj.status,
        comment=comment,
        data=data,
    )
    record_change(
        obj=obj, by=by, action=ChangeAction.TRANSITION, reason=comment, transition=FlowAction.SUBMIT
    )


def notify_on_commit(**kwargs) -> None:
    """A notification sent once the transaction commits (for writes outside a workflow step)."""
    transaction.on_commit(lambda: notify(**kwargs), robust=True)


def url(name, pk) -> str:
    return reverse(f"finance:{name}", args=[pk])


def save_uploads(school, by, uploads, target) -> None:
    from logistics.attachments import save_attachment

    for upload in uploads or ():
        save_attachment(school=school, by=by, upload=upload, target=target, images_only=False)


@contextlib.contextmanager
def on_field(name):
    """A check's refusal, put on the form field it is about (logistics.actions.errors_to_form)."""
    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({name: exc.messages}) from exc
