"""The hazard register (安全隐患台账): reported by anyone or raised from a failed checklist item, then
assigned, rectified and verified through the workflow (workflows.HAZARD); corrected with a reason;
withdrawn as 误报; escalated to the principal when overdue."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.attachments import attachments_for
from logistics.audit import apply_correction, record_creation
from logistics.choices import Role
from logistics.models import Attachment, display_name
from logistics.notifications import notify

from ..choices import HazardAction, HazardStatus, RiskLevel
from ..models import Hazard
from ..workflows import HAZARD, HAZARD_UNVERIFIED
from .common import check_photos, is_member, not_future_on, require, save_photos


def _url(hazard) -> str:
    return reverse("safety:hazard_detail", args=[hazard.pk])


def hazard_report(
    *, school, by, title, risk_level, found_on, description="", room=None, location="", photos=()
) -> Hazard:
    photos = check_photos(photos, field="photos")
    not_future_on("found_on", found_on, _("发现日期"))
    if room is not None and room.school_id != school.pk:
        raise ValidationError({"room": _("房间不属于本校。")})
    with transaction.atomic():
        hazard = Hazard.objects.create(
            school=school,
            title=title.strip(),
            description=description,
            room=room,
            location=location,
            risk_level=risk_level,
            found_on=found_on,
            found_by=by,
        )
        save_photos(school=school, by=by, photos=photos, target=hazard)
        record_creation(obj=hazard, by=by)
        url = _url(hazard)
        transaction.on_commit(
            lambda: notify(
                school=school,
                roles=[Role.DIRECTOR],
                title=_("新隐患：%(t)s") % {"t": hazard.title},
                url=url,
                dedupe_key=f"safety-hazard-new:{hazard.pk}",
            )
        )
    return hazard


def hazard_from_item(*, item, inspection, by) -> Hazard:
    """The hazard a failed checklist item raises when its inspection is signed (or corrected), with
    the item's photos."""
    hazard = Hazard.objects.create(
        school_id=inspection.school_id,
        title=f"{item.area}：{item.text}"[:200],
        description=item.note,
        location=item.area,
        risk_level=RiskLevel.MEDIUM,
        found_on=timezone.localdate(),
        found_by=by,
        source_item=item,
    )
    hazard_type = ContentType.objects.get_for_model(Hazard)
    for att in attachments_for(item):
        Attachment.objects.create(
            school_id=att.school_id,
            file=att.file.name,
            original_name=att.original_name,
            content_type=att.content_type,
            size=att.size,
            extension=att.extension,
            uploaded_by=att.uploaded_by,
            target_type=hazard_type,
            target_id=str(hazard.pk),
        )
    record_creation(obj=hazard, by=by, reason=_("安全检查不合格项自动生成：%(i)s") % {"i": str(inspection)})
    return hazard


def hazard_from_fire_item(*, item, check, by, reason="") -> Hazard:
    """The hazard a faulty or missing piece of fire equipment raises when the self-check is submitted."""
    hazard = Hazard.objects.create(
        school_id=check.school_id,
        title=f"{item.equipment}{item.get_result_display()}"[:200],
        description=item.note,
        room=item.equipment.room,
        location=item.equipment.position,
        risk_level=RiskLevel.MEDIUM,
        found_by=by,
        source_fire_item=item,
    )
    record_creation(obj=hazard, by=by, reason=reason or str(check))
    return hazard


# --- corrections ------------------------------------------------------------------------------
# What a correction may change (DESIGN.md rule 5). A hand-reported hazard: everything set when it was
# reported. A hazard from a failed inspection item: its title, description and date come from the
# signed inspection, so they are corrected there (inspection_correct_item carries the note over); the
# place and the risk level are the hazard's own. Once assigned, the responsible person and deadline
# too, while the rectification is under way: after "rectified" they are what the work was measured
# against. A verified (销号) hazard is closed and is not corrected at all.
HAZARD_REPORTED_FIELDS = ("title", "description", "room", "location", "risk_level", "found_on")
HAZARD_PLACE_FIELDS = ("room", "location", "risk_level")
HAZARD_ASSIGNMENT_FIELDS = ("assignee", "deadline")
HAZARD_CLOSED = (HazardStatus.VERIFIED, HazardStatus.WITHDRAWN)


def closed_hazard_message(hazard: Hazard) -> str:
    if hazard.status == HazardStatus.WITHDRAWN:
        return _("隐患已撤销，不能再更正。")
    return _("隐患已验收销号，不能再更正。")


def hazard_correctable_fields(hazard: Hazard) -> tuple[str, ...]:
    if hazard.status in HAZARD_CLOSED:
        return ()
    fields = HAZARD_PLACE_FIELDS if hazard.source_item_id else HAZARD_REPORTED_FIELDS
    if hazard.status == HazardStatus.ASSIGNED:
        fields += HAZARD_ASSIGNMENT_FIELDS
    return fields


def _deadline_refusal(found_on) -> ValidationError:
    return ValidationError(
        {"deadline": _("整改期限不能早于发现日期（%(d)s）。") % {"d": f"{found_on:%Y-%m-%d}"}}
    )


def hazard_correct(*, obj: Hazard, by, changes: dict, reason: str) -> Hazard:
    """Correct what was recorded about a hazard, with a reason, through the change log.

    Locks the row, refuses fields the hazard's state does not allow (see hazard_correctable_fields),
    checks the new values as reporting and assigning do, and writes before/after with the reason.
    A new responsible person or deadline is told, as at assignment.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("更正记录必须填写原因。")})
    with transaction.atomic():
        locked = Hazard.objects.select_for_update().get(pk=obj.pk)
        require(locked.school_id, by, "safety.manage")
        if locked.status in HAZARD_CLOSED:
            raise ValidationError(closed_hazard_message(locked))
        allowed = hazard_correctable_fields(locked)
        unknown = set(changes) - set(allowed)
        if unknown:
            names = "、".join(str(Hazard._meta.get_field(f).verbose_name) for f in sorted(unknown))
            raise ValidationError(
                _("隐患当前状态为「%(s)s」，这些内容不能更正：%(f)s")
                % {"s": locked.get_status_display(), "f": names}
            )
        changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
        changes = {k: v for k, v in changes.items() if getattr(locked, k) != v}
        if not changes:
            raise ValidationError(_("没有需要更正的内容。"))
        if "title" in changes and not changes["title"]:
            raise ValidationError({"title": _("请填写隐患内容。")})
        if "risk_level" in changes and changes["risk_level"] not in RiskLevel.values:
            raise ValidationError({"risk_level": _("风险等级无效。")})
        room = changes.get("room")
        if room is not None and room.school_id != locked.school_id:
            raise ValidationError({"room": _("房间不属于本校。")})
        found_on = changes.get("found_on", locked.found_on)
        if found_on is None:
            raise ValidationError({"found_on": _("请填写发现日期。")})
        not_future_on("found_on", found_on, _("发现日期"))
        if "assignee" in changes and not is_member(locked.school_id, changes["assignee"]):
            raise ValidationError({"assignee": _("整改责任人必须是本校人员。")})
        deadline = changes.get("deadline", locked.deadline)
        if "deadline" in changes and deadline is None:
            raise ValidationError({"deadline": _("请填写整改期限。")})
        if deadline is not None and deadline < found_on:
            raise _deadline_refusal(found_on)
        apply_correction(obj=locked, by=by, changes=changes, reason=reason.strip())
        if {"assignee", "deadline"} & set(changes):
            transaction.on_commit(lambda: notify(**_assignee_notice(locked)))
    return locked


def _assignee_notice(hazard: Hazard) -> dict:
    """The notice telling the person responsible what to fix and by when (once per deadline)."""
    return {
        "school": hazard.school,
        "users": [hazard.assignee],
        "title": _("请于%(d)s前整改隐患：%(t)s") % {"d": f"{hazard.deadline:%Y-%m-%d}", "t": hazard.title},
        "url": _url(hazard),
        "dedupe_key": f"safety-hazard-assigned:{hazard.pk}:{hazard.deadline:%Y%m%d}",
    }


# --- the workflow's steps ---------------------------------------------------------------------
def hazard_assign(
    *, obj: Hazard, by, assignee, deadline: datetime.date, comment: str = "", risk_level: str | None = None
) -> Hazard:
    with HAZARD.step(obj, HazardAction.ASSIGN, by=by, comment=comment) as step:
        hazard = step.obj
        if deadline is None:
            raise ValidationError({"deadline": _("请填写整改期限。")})
        if deadline < hazard.found_on:
            raise _deadline_refusal(hazard.found_on)
        if not is_member(hazard.school_id, assignee):
            raise ValidationError({"assignee": _("整改责任人必须是本校人员。")})
        if risk_level is not None and risk_level not in RiskLevel.values:
            raise ValidationError({"risk_level": _("风险等级无效。")})
        step.set(
            assignee=assignee, deadline=deadline, assigned_by=by, risk_level=risk_level or hazard.risk_level
        )
        step.notify(**_assignee_notice(hazard))
    return hazard


def hazard_rectify(*, obj: Hazard, by, rectification: str, photos=()) -> Hazard:
    photos = check_photos(photos, field="photos")
    if not (rectification or "").strip():
        raise ValidationError({"rectification": _("请填写整改措施。")})
    rectification = rectification.strip()
    with HAZARD.step(obj, HazardAction.RECTIFY, by=by, comment=rectification) as step:
        hazard = step.obj
        step.set(rectification=rectification, rectified_by=by, rectified_at=timezone.now())
        save_photos(school=hazard.school, by=by, photos=photos, target=hazard)
        step.notify(
            school=hazard.school,
            roles=[Role.DIRECTOR],
            title=_("隐患已整改，请验收：%(t)s") % {"t": hazard.title},
            url=_url(hazard),
            dedupe_key=f"safety-hazard-rectified:{hazard.pk}:{hazard.rectified_at:%Y%m%d%H%M%S}",
        )
    return hazard


def hazard_verify(*, obj: Hazard, by, note: str = "") -> Hazard:
    note = (note or "").strip()[:300]
    with HAZARD.step(obj, HazardAction.VERIFY, by=by, comment=note) as step:
        if step.obj.rectified_by_id == by.pk:
            raise ValidationError(_("验收人不能是整改人本人，请由其他人验收。"))
        step.set(verified_by=by, verified_at=timezone.now(), verify_note=note)
    return step.obj


def hazard_reject(*, obj: Hazard, by, note: str) -> Hazard:
    if not (note or "").strip():
        raise ValidationError({"note": _("验收不通过时请写明原因。")})
    note = note.strip()[:300]
    with HAZARD.step(obj, HazardAction.REJECT, by=by, comment=note) as step:
        step.set(verify_note=note)
    return step.obj


def hazard_withdraw(*, obj: Hazard, by, reason: str) -> Hazard:
    """撤销 a hazard raised by mistake (误报): a manager, with a reason, before it is verified.

    The hazard is not deleted: it stays in the register as 已撤销, with who, when and why, and is
    counted as neither open nor rectified. The responsible person, if any, is told.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销原因。")})
    with HAZARD.step(obj, HazardAction.WITHDRAW, by=by, comment=reason) as step:  # in full
        hazard = step.obj
        step.set(withdrawn_by=by, withdrawn_at=timezone.now(), withdraw_reason=reason[:300])
        if hazard.assignee_id and hazard.assignee_id != by.pk:
            # the responsible person stops work on it: tell them, once per withdrawal
            step.notify(
                school=hazard.school,
                users=[hazard.assignee],
                title=_("隐患已撤销，无需整改：%(t)s") % {"t": hazard.title},
                body=hazard.withdraw_reason,
                url=_url(hazard),
                dedupe_key=f"safety-hazard-withdrawn:{hazard.pk}:{hazard.withdrawn_at:%Y%m%d%H%M%S%f}",
            )
    return hazard


# What a reopened hazard starts again without: it is found again and waits to be assigned with a new
# deadline (the old one may have passed while it stood withdrawn, and must not count as overdue). The
# transition's change-log row keeps every value cleared here.
HAZARD_REOPEN_CLEARS = (
    "assignee",
    "deadline",
    "assigned_by",
    "rectification",
    "rectified_by",
    "rectified_at",
    "verify_note",
    "escalated_at",
    "withdrawn_by",
    "withdrawn_at",
    "withdraw_reason",
)


def _hazard_reopen(*, obj: Hazard, by, reason: str) -> Hazard:
    with HAZARD.step(obj, HazardAction.REOPEN, by=by, comment=reason) as step:
        hazard = step.obj
        cleared = {}
        for name in HAZARD_REOPEN_CLEARS:
            field = Hazard._meta.get_field(name)
            if getattr(hazard, field.attname) not in (None, ""):
                cleared[name] = None if field.null else ""
        step.set(**cleared)
        step.notify(
            school=hazard.school,
            roles=[Role.DIRECTOR],
            title=_("隐患重新登记，请交办整改：%(t)s") % {"t": hazard.title},
            body=reason,
            url=_url(hazard),
            dedupe_key=f"safety-hazard-reopened:{hazard.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
        )
    return hazard


def hazard_follows_item(*, hazard, failing: bool, by, reason: str, create):
    """The hazard raised from a checklist item follows a correction of that item (in the caller's
    transaction).

    Corrected to a pass: an unverified hazard is withdrawn with `reason`, its responsible person told.
    Corrected to a failure: no hazard yet -> `create()` makes one (if given); a withdrawn one is
    reopened rather than a second one raised beside it: it is the same finding at the same place, and
    one item keeping one hazard (source_item and source_fire_item are one-to-one) keeps its whole story
    (raised, withdrawn, found again) on one page of the register. A verified hazard is closed and stays
    as it is.
    """
    if hazard is None:
        return create() if failing and create is not None else None
    if failing and hazard.status == HazardStatus.WITHDRAWN:
        return _hazard_reopen(obj=hazard, by=by, reason=reason)
    if not failing and hazard.status in HAZARD_UNVERIFIED:
        return hazard_withdraw(obj=hazard, by=by, reason=reason)
    return hazard


def escalate_overdue_hazards(*, today=None) -> int:
    """Overdue hazards go to the principal, once per hazard and deadline however often this runs."""
    today = today or timezone.localdate()
    sent = 0
    overdue = Hazard.objects.filter(
        status__in=[HazardStatus.FOUND, HazardStatus.ASSIGNED], deadline__lt=today
    ).select_related("school", "assignee")
    for hazard in overdue.iterator():
        sent += notify(
            school=hazard.school,
            roles=[Role.PRINCIPAL],
            title=_("隐患逾期未整改：%(t)s（期限%(d)s，责任人%(p)s）")
            % {"t": hazard.title, "d": f"{hazard.deadline:%Y-%m-%d}", "p": display_name(hazard.assignee)},
            url=_url(hazard),
            dedupe_key=f"safety-hazard-overdue:{hazard.pk}:{hazard.deadline:%Y%m%d}",
        )
        if hazard.escalated_at is None:
            # a timestamp, not a status: a conditional update makes a concurrent run a no-op
            Hazard.objects.filter(pk=hazard.pk, escalated_at__isnull=True).update(escalated_at=timezone.now())
    return sent
