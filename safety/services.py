"""Every write that changes safety state (DESIGN.md rule 3): keyword-only, atomic, locked, logged."""

import datetime
import functools
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.attachments import attachments_for, inspect_upload, save_attachment
from logistics.audit import apply_correction, record_change, record_creation, snapshot
from logistics.choices import ChangeAction, Role
from logistics.models import Attachment, Membership, School, display_name
from logistics.notifications import notify
from logistics.permissions import role_can

from .choices import (
    CheckStatus,
    DrillInterval,
    DrillStatus,
    FireCheckResult,
    FirePreventionStatus,
    HazardStatus,
    HazmatMovementKind,
    InspectionKind,
    InspectionStatus,
    ItemResult,
    RiskLevel,
)
from .defaults import default_items, default_name
from .models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    Drill,
    FireEquipment,
    FirePreventionCheck,
    FireSelfCheck,
    FireSelfCheckItem,
    Hazard,
    HazardousMaterial,
    HazmatMovement,
    Inspection,
    InspectionItem,
    SafetySettings,
    Visitor,
)

MAX_PHOTOS = 6


# --- helpers ---------------------------------------------------------------------------------
def role_of(school, user):
    return (
        Membership.objects.filter(school=school, user=user, ended_on__isnull=True)
        .values_list("role", flat=True)
        .first()
    )


def _require_role(school, user, action):
    role = role_of(school, user)
    if role is None or not role_can(role, action):
        raise ValidationError(_("您没有权限执行此操作。"))
    return role


def _is_member(school, user):
    return (
        user is not None
        and Membership.objects.filter(school=school, user=user, ended_on__isnull=True).exists()
    )


def check_photos(photos, *, limit=MAX_PHOTOS):
    """Validate every upload before anything is written: a non-image refuses the whole request."""
    photos = [p for p in (photos or []) if p]
    if len(photos) > limit:
        raise ValidationError(_("每次最多上传 %(n)d 张照片。") % {"n": limit})
    for upload in photos:
        try:
            inspect_upload(upload, images_only=True)
        except ValidationError as exc:
            raise ValidationError(
                _("照片「%(name)s」：%(msg)s") % {"name": upload.name, "msg": " ".join(exc.messages)}
            ) from exc
    return photos


def _save_photos(*, school, by, photos, target):
    for upload in photos:
        save_attachment(school=school, by=by, upload=upload, target=target, images_only=True)


def _transition_log(*, obj, by, old, new, comment="", extra=None, before_extra=None):
    after = {"status": new, **(extra or {})}
    before = {"status": old, **(before_extra or {})}
    return record_change(
        obj=obj, by=by, action=ChangeAction.TRANSITION, before=before, after=after, reason=comment
    )


# --- settings and templates ------------------------------------------------------------------
def get_settings(school: School) -> SafetySettings:
    """The school's safety settings, created on first use with the guideline defaults."""
    found = SafetySettings.objects.filter(school=school).first()
    if found:
        return found
    regular = DrillInterval.QUARTERLY if school.is_kindergarten else DrillInterval.MONTHLY
    try:
        with transaction.atomic():
            return SafetySettings.objects.create(
                school=school,
                drill_fire=regular,
                drill_earthquake=regular,
                drill_anti_terror=DrillInterval.SEMESTER,
                drill_other=DrillInterval.NONE,
            )
    except IntegrityError:
        return SafetySettings.objects.get(school=school)


def settings_for_schools(schools) -> dict:
    """Settings for many schools with a fixed number of queries (missing ones built unsaved)."""
    found = {s.school_id: s for s in SafetySettings.objects.filter(school__in=schools)}
    for school in schools:
        if school.pk not in found:
            regular = DrillInterval.QUARTERLY if school.is_kindergarten else DrillInterval.MONTHLY
            found[school.pk] = SafetySettings(
                school=school,
                drill_fire=regular,
                drill_earthquake=regular,
                drill_anti_terror=DrillInterval.SEMESTER,
                drill_other=DrillInterval.NONE,
            )
    return found


def inspector_for(school, settings=None):
    settings = settings or get_settings(school)
    if settings.inspector_id and _is_member(school, settings.inspector):
        return settings.inspector
    for role in (Role.DIRECTOR, Role.PRINCIPAL):
        m = (
            Membership.objects.filter(school=school, role=role, ended_on__isnull=True)
            .select_related("user")
            .order_by("started_on", "pk")
            .first()
        )
        if m:
            return m.user
    return None


def get_template(school, kind) -> ChecklistTemplate:
    """The school's checklist for `kind`, created from the Chinese default on first use."""
    tpl = ChecklistTemplate.objects.filter(school=school, kind=kind).first()
    if tpl:
        return tpl
    try:
        with transaction.atomic():
            tpl = ChecklistTemplate.objects.create(school=school, kind=kind, name=default_name(kind))
            ChecklistTemplateItem.objects.bulk_create(
                ChecklistTemplateItem(template=tpl, area=area, text=text, order=(i + 1) * 10)
                for i, (area, text) in enumerate(default_items(kind, school.is_kindergarten))
            )
    except IntegrityError:
        tpl = ChecklistTemplate.objects.get(school=school, kind=kind)
    return tpl


def template_item_save(*, template, by, item=None, area, text, order, is_active=True):
    with transaction.atomic():
        if item is None:
            item = ChecklistTemplateItem.objects.create(
                template=template, area=area, text=text, order=order, is_active=is_active
            )
            record_change(obj=template, by=by, action=ChangeAction.UPDATE, after={"added": f"{area}：{text}"})
        else:
            before = snapshot(item, fields=["area", "text", "order", "is_active"])
            item.area, item.text, item.order, item.is_active = area, text, order, is_active
            item.save()
            record_change(
                obj=template,
                by=by,
                action=ChangeAction.UPDATE,
                before=before,
                after=snapshot(item, fields=["area", "text", "order", "is_active"]),
            )
        ChecklistTemplate.objects.filter(pk=template.pk).update(updated_at=timezone.now())
    return item


# --- inspections -----------------------------------------------------------------------------
def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def period_for(kind, day: datetime.date) -> datetime.date:
    if kind == InspectionKind.WEEKLY:
        return week_start(day)
    if kind == InspectionKind.MONTHLY:
        return day.replace(day=1)
    return day


def _due_for(kind, period_start, settings):
    if kind == InspectionKind.WEEKLY:
        return period_start + datetime.timedelta(days=settings.weekly_due_days)
    if kind == InspectionKind.MONTHLY:
        nxt = (period_start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return nxt - datetime.timedelta(days=1)
    return period_start


def inspection_create(*, school, kind, day, by=None, assigned_to=None) -> tuple[Inspection, bool]:
    """The inspection of `kind` for the period containing `day`; (inspection, created).

    The template's active items are copied now, so later template edits never touch it. The unique
    (school, kind, period) constraint makes a second call (or a concurrent task) a no-op.
    """
    period_start = period_for(kind, day)
    existing = Inspection.objects.filter(school=school, kind=kind, period_start=period_start).first()
    if existing:
        return existing, False
    settings = get_settings(school)
    template = get_template(school, kind)
    items = list(template.items.filter(is_active=True))
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                school=school,
                kind=kind,
                period_start=period_start,
                due_on=_due_for(kind, period_start, settings),
                assigned_to=assigned_to or inspector_for(school, settings),
            )
            InspectionItem.objects.bulk_create(
                InspectionItem(school=school, inspection=inspection, area=i.area, text=i.text, order=i.order)
                for i in items
            )
            record_creation(obj=inspection, by=by)
    except IntegrityError:
        return Inspection.objects.get(school=school, kind=kind, period_start=period_start), False
    if inspection.assigned_to_id:
        url = reverse("safety:inspection_detail", args=[inspection.pk])
        transaction.on_commit(
            lambda: notify(
                school=school,
                users=[inspection.assigned_to],
                title=_("请完成%(what)s") % {"what": str(inspection)},
                url=url,
                dedupe_key=f"safety-inspection-new:{inspection.pk}",
            )
        )
    return inspection, True


def create_scheduled_inspections(*, now=None) -> int:
    """Monday job: this week's inspection (and this month's comprehensive one) for every school.

    Runs hourly on Mondays; a school gets its inspection once the local time passes its setting.
    """
    now = timezone.localtime(now or timezone.now())
    if now.weekday() != 0:
        return 0
    created = 0
    schools = list(School.objects.all())
    by_school = settings_for_schools(schools)
    for school in schools:
        if now.time() < by_school[school.pk].weekly_time:
            continue
        for kind in (InspectionKind.WEEKLY, InspectionKind.MONTHLY):
            _obj, made = inspection_create(school=school, kind=kind, day=now.date())
            created += made
    return created


def _lock_open_inspection(inspection):
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.status != InspectionStatus.OPEN:
        raise ValidationError(_("检查已提交并锁定，只能通过更正修改。"))
    return locked


def inspection_save(
    *, obj: Inspection, by, results: dict, photos: dict | None = None, summary=None
) -> Inspection:
    """Save item results and notes (and photos) while the inspection is open.

    results: {item_id: (result, note)}; photos: {item_id: [uploads]}. Photos are all validated first:
    one that is not an image refuses the whole save and nothing is written.
    """
    photos = {k: check_photos(v) for k, v in (photos or {}).items()}
    with transaction.atomic():
        locked = _lock_open_inspection(obj)
        items = {i.pk: i for i in locked.items.all()}
        unknown = (set(results) | set(photos)) - set(items)
        if unknown:
            raise ValidationError(_("检查项不属于本次检查。"))
        changed = []
        for item_id, (result, note) in results.items():
            if result not in ("", *ItemResult.values):
                raise ValidationError(_("检查结果无效。"))
            item = items[item_id]
            note = (note or "").strip()[:300]
            if (item.result, item.note) != (result, note):
                item.result, item.note = result, note
                changed.append(item)
        if changed:
            InspectionItem.objects.bulk_update(changed, ["result", "note"])
        for item_id, uploads in photos.items():
            _save_photos(school=locked.school, by=by, photos=uploads, target=items[item_id])
        if summary is not None and summary != locked.summary:
            locked.summary = summary.strip()
            locked.save(update_fields=["summary"])
    return locked


def _hazard_from_item(*, item, inspection, by):
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
    for att in attachments_for(item):
        Attachment.objects.create(
            school_id=att.school_id,
            file=att.file.name,
            original_name=att.original_name,
            content_type=att.content_type,
            size=att.size,
            extension=att.extension,
            uploaded_by=att.uploaded_by,
            target_type=hazard_ct(),
            target_id=str(hazard.pk),
        )
    record_creation(obj=hazard, by=by, reason=_("安全检查不合格项自动生成：%(i)s") % {"i": str(inspection)})
    return hazard


def hazard_ct():
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Hazard)


def inspection_submit(*, obj: Inspection, by, signature: str, summary: str = "") -> list[Hazard]:
    """Sign and lock the inspection; every failed item becomes a hazard. Returns the new hazards."""
    with transaction.atomic():
        locked = _lock_open_inspection(obj)
        if (signature or "").strip() != display_name(by):
            raise ValidationError(_("签名须与您的姓名「%(n)s」一致。") % {"n": display_name(by)})
        items = list(locked.items.all())
        missing = [i for i in items if not i.result]
        if missing:
            raise ValidationError(
                _("还有 %(n)d 项未检查：%(first)s") % {"n": len(missing), "first": str(missing[0])}
            )
        locked.status = InspectionStatus.SUBMITTED
        locked.submitted_by = by
        locked.submitted_at = timezone.now()
        locked.signature = signature.strip()
        if summary:
            locked.summary = summary.strip()
        locked.save(update_fields=["status", "submitted_by", "submitted_at", "signature", "summary"])
        hazards = [
            _hazard_from_item(item=i, inspection=locked, by=by) for i in items if i.result == ItemResult.FAIL
        ]
        _transition_log(
            obj=locked,
            by=by,
            old=InspectionStatus.OPEN,
            new=InspectionStatus.SUBMITTED,
            comment=_("签名：%(s)s") % {"s": locked.signature},
            extra={"failed": len(hazards)},
        )
        if hazards:
            school = locked.school
            url = reverse("safety:hazard_list") + "?status=found"
            title = _("%(i)s发现 %(n)d 项隐患，请交办整改") % {"i": str(locked), "n": len(hazards)}
            transaction.on_commit(
                lambda: notify(
                    school=school,
                    roles=[Role.DIRECTOR],
                    title=title,
                    url=url,
                    dedupe_key=f"safety-inspection-hazards:{locked.pk}",
                )
            )
    return hazards


def inspection_correct_item(
    *, item: InspectionItem, by, result: str, note: str, reason: str
) -> InspectionItem:
    """Correct a submitted inspection's item through the change log; its hazard follows.

    A new failure becomes a hazard (a withdrawn one of this item is reopened); a failure corrected to
    合格 or 不适用 withdraws the item's hazard if it is not yet verified, in this same transaction, with
    the correction's reason, and tells its responsible person (see _hazard_follows_item).
    """
    if result not in ItemResult.values:
        raise ValidationError(_("检查结果无效。"))
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=item.inspection_id)
        if inspection.status != InspectionStatus.SUBMITTED:
            raise ValidationError(_("检查尚未提交，直接修改即可。"))
        locked = InspectionItem.objects.select_for_update().get(pk=item.pk)
        old_note = locked.note
        apply_correction(
            obj=locked, by=by, changes={"result": result, "note": (note or "").strip()}, reason=reason
        )
        failing = result == ItemResult.FAIL
        why = _("检查项更正为%(to)s：%(r)s") % {"to": ItemResult(result).label, "r": reason.strip()}
        hazard = Hazard.objects.select_for_update().filter(source_item=locked).first()
        reopening = hazard is not None and failing and hazard.status == HazardStatus.WITHDRAWN
        hazard = _hazard_follows_item(
            hazard=hazard,
            failing=failing,
            by=by,
            reason=why,
            create=lambda: _hazard_from_item(item=locked, inspection=inspection, by=by),
        )
        if (
            hazard is not None
            and hazard.status in HAZARD_UNVERIFIED
            and hazard.description != locked.note
            and (reopening or (locked.note != old_note and hazard.description == old_note))
        ):
            # The hazard's description is the item's note (copied when the inspection was signed):
            # it follows the item's correction, with its own change-log row, until the hazard is closed;
            # a reopened hazard is the failure as now recorded.
            apply_correction(
                obj=hazard,
                by=by,
                changes={"description": locked.note},
                reason=_("随检查项更正：%(r)s") % {"r": reason.strip()},
            )
    return locked


def notify_overdue_inspections(*, today=None) -> int:
    today = today or timezone.localdate()
    sent = 0
    overdue = Inspection.objects.filter(status=InspectionStatus.OPEN, due_on__lt=today).select_related(
        "school", "assigned_to"
    )
    for insp in overdue.iterator():
        sent += notify(
            school=insp.school,
            users=[insp.assigned_to] if insp.assigned_to_id else [],
            roles=[Role.DIRECTOR],
            title=_("%(i)s已逾期未完成（期限%(d)s）") % {"i": str(insp), "d": f"{insp.due_on:%Y-%m-%d}"},
            url=reverse("safety:inspection_detail", args=[insp.pk]),
            dedupe_key=f"safety-inspection-overdue:{insp.pk}",
        )
    return sent


# --- hazards ---------------------------------------------------------------------------------
# The hazard workflow: transition -> (from, to, permission action of the role allowed).
# 撤销 (withdraw, 误报): a hazard raised by mistake is closed with a reason by a manager, from any state
# before verification; it stays in the register as 已撤销. 恢复 (reopen) is not offered on the page: it
# happens when the checklist item a withdrawn hazard came from is corrected back to a failure (see
# _hazard_follows_item), so one item keeps one hazard with its whole history.
HAZARD_UNVERIFIED = (HazardStatus.FOUND, HazardStatus.ASSIGNED, HazardStatus.RECTIFIED)
HAZARD_TRANSITIONS = {
    "assign": ((HazardStatus.FOUND,), HazardStatus.ASSIGNED, "safety.manage"),
    "rectify": ((HazardStatus.ASSIGNED,), HazardStatus.RECTIFIED, "hazards.rectify"),
    "verify": ((HazardStatus.RECTIFIED,), HazardStatus.VERIFIED, "safety.manage"),
    "reject": ((HazardStatus.RECTIFIED,), HazardStatus.ASSIGNED, "safety.manage"),
    "withdraw": (HAZARD_UNVERIFIED, HazardStatus.WITHDRAWN, "safety.manage"),
    "reopen": ((HazardStatus.WITHDRAWN,), HazardStatus.FOUND, "safety.manage"),
}


def allowed_hazard_actions(hazard, role) -> list[str]:
    return [
        name
        for name, (sources, _target, action) in HAZARD_TRANSITIONS.items()
        if hazard.status in sources and role is not None and role_can(role, action)
    ]


def _check_hazard_transition(locked, by, name):
    """The locked hazard may take transition `name`, by this person: (from, to) or ValidationError."""
    sources, target, action = HAZARD_TRANSITIONS[name]
    if locked.status not in sources:
        raise ValidationError(
            _("隐患当前状态为「%(s)s」，不能执行此操作。") % {"s": locked.get_status_display()}
        )
    _require_role(locked.school, by, action)
    return locked.status, target


def _begin_hazard_transition(obj, by, name):
    locked = Hazard.objects.select_for_update().get(pk=obj.pk)
    source, target = _check_hazard_transition(locked, by, name)
    return locked, source, target


def hazard_report(
    *, school, by, title, risk_level, found_on, description="", room=None, location="", photos=()
) -> Hazard:
    photos = check_photos(photos)
    if found_on > timezone.localdate():
        raise ValidationError(_("发现日期不能晚于今天。"))
    if room is not None and room.school_id != school.pk:
        raise ValidationError(_("房间不属于本校。"))
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
        _save_photos(school=school, by=by, photos=photos, target=hazard)
        record_creation(obj=hazard, by=by)
        url = reverse("safety:hazard_detail", args=[hazard.pk])
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


# What a correction may change (DESIGN.md rule 5). A hand-reported hazard: everything set when it was
# reported. A hazard from a failed inspection item: its title, description and date come from the
# signed inspection, so they are corrected there (inspection_correct_item carries the note over); the
# place and the risk level are the hazard's own. Once assigned, the responsible person and deadline
# too, while the rectification is under way: after "rectified" they are what the work was measured
# against. A verified (销号) hazard is closed and is not corrected at all.
HAZARD_REPORTED_FIELDS = ("title", "description", "room", "location", "risk_level", "found_on")
HAZARD_PLACE_FIELDS = ("room", "location", "risk_level")
HAZARD_ASSIGNMENT_FIELDS = ("assignee", "deadline")


def closed_hazard_message(hazard: Hazard) -> str:
    if hazard.status == HazardStatus.WITHDRAWN:
        return _("隐患已撤销，不能再更正。")
    return _("隐患已验收销号，不能再更正。")


def hazard_correctable_fields(hazard: Hazard) -> tuple[str, ...]:
    if hazard.status in (HazardStatus.VERIFIED, HazardStatus.WITHDRAWN):
        return ()
    fields = HAZARD_PLACE_FIELDS if hazard.source_item_id else HAZARD_REPORTED_FIELDS
    if hazard.status == HazardStatus.ASSIGNED:
        fields += HAZARD_ASSIGNMENT_FIELDS
    return fields


def hazard_correct(*, obj: Hazard, by, changes: dict, reason: str) -> Hazard:
    """Correct what was recorded about a hazard, with a reason, through the change log.

    Locks the row, refuses fields the hazard's state does not allow (see hazard_correctable_fields),
    checks the new values as reporting and assigning do, and writes before/after with the reason.
    A new responsible person or deadline is told, as at assignment.
    """
    if not (reason or "").strip():
        raise ValidationError(_("更正记录必须填写原因。"))
    with transaction.atomic():
        locked = Hazard.objects.select_for_update().get(pk=obj.pk)
        _require_role(locked.school, by, "safety.manage")
        if locked.status in (HazardStatus.VERIFIED, HazardStatus.WITHDRAWN):
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
            raise ValidationError(_("请填写隐患内容。"))
        if "risk_level" in changes and changes["risk_level"] not in RiskLevel.values:
            raise ValidationError(_("风险等级无效。"))
        if (
            "room" in changes
            and changes["room"] is not None
            and changes["room"].school_id != locked.school_id
        ):
            raise ValidationError(_("房间不属于本校。"))
        found_on = changes.get("found_on", locked.found_on)
        if found_on is None:
            raise ValidationError(_("请填写发现日期。"))
        if found_on > timezone.localdate():
            raise ValidationError(_("发现日期不能晚于今天。"))
        if "assignee" in changes and (
            changes["assignee"] is None or not _is_member(locked.school, changes["assignee"])
        ):
            raise ValidationError(_("整改责任人必须是本校人员。"))
        deadline = changes.get("deadline", locked.deadline)
        if "deadline" in changes and deadline is None:
            raise ValidationError(_("请填写整改期限。"))
        if deadline is not None and deadline < found_on:
            raise ValidationError(_("整改期限不能早于发现日期（%(d)s）。") % {"d": f"{found_on:%Y-%m-%d}"})
        apply_correction(obj=locked, by=by, changes=changes, reason=reason.strip())
        if {"assignee", "deadline"} & set(changes):
            _tell_assignee(locked)
    return locked


def _tell_assignee(hazard: Hazard):
    """After commit, tell the person responsible what to fix and by when (once per deadline)."""
    assignee, school, deadline = hazard.assignee, hazard.school, hazard.deadline
    url = reverse("safety:hazard_detail", args=[hazard.pk])
    title = _("请于%(d)s前整改隐患：%(t)s") % {"d": f"{deadline:%Y-%m-%d}", "t": hazard.title}
    transaction.on_commit(
        lambda: notify(
            school=school,
            users=[assignee],
            title=title,
            url=url,
            dedupe_key=f"safety-hazard-assigned:{hazard.pk}:{deadline:%Y%m%d}",
        )
    )


def hazard_assign(
    *, obj: Hazard, by, assignee, deadline: datetime.date, comment: str = "", risk_level: str | None = None
) -> Hazard:
    with transaction.atomic():
        locked, source, target = _begin_hazard_transition(obj, by, "assign")
        if deadline is None:
            raise ValidationError(_("请填写整改期限。"))
        if deadline < locked.found_on:
            raise ValidationError(
                _("整改期限不能早于发现日期（%(d)s）。") % {"d": f"{locked.found_on:%Y-%m-%d}"}
            )
        if not _is_member(locked.school, assignee):
            raise ValidationError(_("整改责任人必须是本校人员。"))
        if risk_level is not None and risk_level not in RiskLevel.values:
            raise ValidationError(_("风险等级无效。"))
        locked.status, locked.assignee, locked.deadline, locked.assigned_by = target, assignee, deadline, by
        locked.risk_level = risk_level or locked.risk_level
        locked.save(update_fields=["status", "assignee", "deadline", "assigned_by", "risk_level"])
        _transition_log(
            obj=locked,
            by=by,
            old=source,
            new=target,
            comment=comment,
            extra={
                "assignee": assignee.pk,
                "deadline": deadline.isoformat(),
                "risk_level": locked.risk_level,
            },
        )
        _tell_assignee(locked)
    return locked


def hazard_rectify(*, obj: Hazard, by, rectification: str, photos=()) -> Hazard:
    photos = check_photos(photos)
    if not (rectification or "").strip():
        raise ValidationError(_("请填写整改措施。"))
    with transaction.atomic():
        locked, source, target = _begin_hazard_transition(obj, by, "rectify")
        locked.status, locked.rectification = target, rectification.strip()
        locked.rectified_by, locked.rectified_at = by, timezone.now()
        locked.save(update_fields=["status", "rectification", "rectified_by", "rectified_at"])
        _save_photos(school=locked.school, by=by, photos=photos, target=locked)
        _transition_log(obj=locked, by=by, old=source, new=target, comment=locked.rectification)
        school, url = locked.school, reverse("safety:hazard_detail", args=[locked.pk])
        title = _("隐患已整改，请验收：%(t)s") % {"t": locked.title}
        transaction.on_commit(
            lambda: notify(
                school=school,
                roles=[Role.DIRECTOR],
                title=title,
                url=url,
                dedupe_key=f"safety-hazard-rectified:{locked.pk}:{locked.rectified_at:%Y%m%d%H%M%S}",
            )
        )
    return locked


def hazard_verify(*, obj: Hazard, by, note: str = "") -> Hazard:
    with transaction.atomic():
        locked, source, target = _begin_hazard_transition(obj, by, "verify")
        if locked.rectified_by_id == by.pk:
            raise ValidationError(_("验收人不能是整改人本人，请由其他人验收。"))
        locked.status, locked.verified_by, locked.verified_at = target, by, timezone.now()
        locked.verify_note = (note or "").strip()[:300]
        locked.save(update_fields=["status", "verified_by", "verified_at", "verify_note"])
        _transition_log(obj=locked, by=by, old=source, new=target, comment=locked.verify_note)
    return locked


def hazard_reject(*, obj: Hazard, by, note: str) -> Hazard:
    if not (note or "").strip():
        raise ValidationError(_("验收不通过时请写明原因。"))
    with transaction.atomic():
        locked, source, target = _begin_hazard_transition(obj, by, "reject")
        locked.status, locked.verify_note = target, note.strip()[:300]
        locked.save(update_fields=["status", "verify_note"])
        _transition_log(obj=locked, by=by, old=source, new=target, comment=locked.verify_note)
    return locked


def _withdraw_locked(*, locked: Hazard, by, reason: str) -> Hazard:
    """Withdraw a hazard the caller has locked; the reason goes on the hazard and in its history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写撤销原因。"))
    source, target = _check_hazard_transition(locked, by, "withdraw")
    locked.status, locked.withdrawn_by, locked.withdrawn_at = target, by, timezone.now()
    locked.withdraw_reason = reason[:300]
    locked.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdraw_reason"])
    log = _transition_log(obj=locked, by=by, old=source, new=target, comment=reason)  # in full
    if locked.assignee_id and locked.assignee_id != by.pk:
        # the responsible person stops work on it: tell them, once per withdrawal
        assignee, school = locked.assignee, locked.school
        url = reverse("safety:hazard_detail", args=[locked.pk])
        title = _("隐患已撤销，无需整改：%(t)s") % {"t": locked.title}
        transaction.on_commit(
            lambda: notify(
                school=school,
                users=[assignee],
                title=title,
                body=locked.withdraw_reason,
                url=url,
                dedupe_key=f"safety-hazard-withdrawn:{locked.pk}:{log.pk}",
            )
        )
    return locked


def hazard_withdraw(*, obj: Hazard, by, reason: str) -> Hazard:
    """撤销 a hazard raised by mistake (误报): a manager, with a reason, before it is verified.

    The hazard is not deleted: it stays in the register as 已撤销, with who, when and why, and is
    counted as neither open nor rectified. The responsible person, if any, is told.
    """
    if not (reason or "").strip():
        raise ValidationError(_("请填写撤销原因。"))
    with transaction.atomic():
        locked = Hazard.objects.select_for_update().get(pk=obj.pk)
        return _withdraw_locked(locked=locked, by=by, reason=reason)


# What a reopened hazard starts again without: it is found again and waits to be assigned with a new
# deadline (the old one may have passed while it stood withdrawn, and must not count as overdue). The
# transition's history row keeps every value cleared here.
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


def _reopen_locked(*, locked: Hazard, by, reason: str) -> Hazard:
    source, target = _check_hazard_transition(locked, by, "reopen")
    before = snapshot(locked, fields=HAZARD_REOPEN_CLEARS)
    for name in HAZARD_REOPEN_CLEARS:
        field = Hazard._meta.get_field(name)
        setattr(locked, field.attname, None if field.null else "")
    locked.status = target
    locked.save(update_fields=["status", *HAZARD_REOPEN_CLEARS])
    cleared = {k: v for k, v in before.items() if v not in (None, "")}
    log = _transition_log(
        obj=locked,
        by=by,
        old=source,
        new=target,
        comment=reason,
        before_extra=cleared,
        extra=snapshot(locked, fields=cleared.keys()),
    )
    school, url = locked.school, reverse("safety:hazard_detail", args=[locked.pk])
    title = _("隐患重新登记，请交办整改：%(t)s") % {"t": locked.title}
    transaction.on_commit(
        lambda: notify(
            school=school,
            roles=[Role.DIRECTOR],
            title=title,
            body=reason,
            url=url,
            dedupe_key=f"safety-hazard-reopened:{locked.pk}:{log.pk}",
        )
    )
    return locked


def _hazard_follows_item(*, hazard, failing: bool, by, reason: str, create):
    """The hazard raised from a checklist item follows a correction of that item (caller holds the lock).

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
        return _reopen_locked(locked=hazard, by=by, reason=reason)
    if not failing and hazard.status in HAZARD_UNVERIFIED:
        return _withdraw_locked(locked=hazard, by=by, reason=reason)
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
            url=reverse("safety:hazard_detail", args=[hazard.pk]),
            dedupe_key=f"safety-hazard-overdue:{hazard.pk}:{hazard.deadline:%Y%m%d}",
        )
        if hazard.escalated_at is None:
            Hazard.objects.filter(pk=hazard.pk, escalated_at__isnull=True).update(escalated_at=timezone.now())
    return sent


# --- drills ----------------------------------------------------------------------------------
DRILL_RESULT_FIELDS = [
    "held_on",
    "participants",
    "floors",
    "evacuation_seconds",
    "commander",
    "guides",
    "rescuers",
    "medics",
    "reflection",
    "follow_up",
]


def drill_plan(*, school, by, kind, title, planned_on, plan="") -> Drill:
    with transaction.atomic():
        drill = Drill.objects.create(
            school=school, kind=kind, title=title, planned_on=planned_on, plan=plan, created_by=by
        )
        record_creation(obj=drill, by=by)
    return drill


def drill_record(*, obj: Drill, by, photos=(), **results) -> Drill:
    photos = check_photos(photos)
    unknown = set(results) - set(DRILL_RESULT_FIELDS)
    if unknown:
        raise ValueError(unknown)
    held_on = results.get("held_on")
    if held_on is None:
        raise ValidationError(_("请填写实施日期。"))
    if held_on > timezone.localdate():
        raise ValidationError(_("实施日期不能晚于今天。"))
    with transaction.atomic():
        locked = Drill.objects.select_for_update().get(pk=obj.pk)
        if locked.status != DrillStatus.PLANNED:
            raise ValidationError(_("演练已记录，只能通过更正修改。"))
        for name, value in results.items():
            setattr(locked, name, value)
        locked.status, locked.recorded_by = DrillStatus.DONE, by
        locked.full_clean()
        locked.save()
        _save_photos(school=locked.school, by=by, photos=photos, target=locked)
        _transition_log(obj=locked, by=by, old=DrillStatus.PLANNED, new=DrillStatus.DONE)
    return locked


def drill_correct(*, obj: Drill, by, changes: dict, reason: str) -> Drill:
    with transaction.atomic():
        locked = Drill.objects.select_for_update().get(pk=obj.pk)
        if locked.status != DrillStatus.DONE:
            raise ValidationError(_("演练尚未记录。"))
        held_on = changes.get("held_on")
        if held_on and held_on > timezone.localdate():
            raise ValidationError(_("实施日期不能晚于今天。"))
        changes = {k: v for k, v in changes.items() if getattr(locked, k) != v}
        if not changes:
            raise ValidationError(_("没有任何修改。"))
        apply_correction(obj=locked, by=by, changes=changes, reason=reason)
    return locked


def drill_behind(settings, last_held: dict, today) -> list[str]:
    """Drill kinds (values) whose last drill is older than the school's interval (or never held)."""
    from .choices import DrillKind

    behind = []
    for kind in DrillKind.values:
        months = settings.drill_interval(kind)
        if not months:
            continue
        last = last_held.get(kind)
        if last is None or (today - last).days > months * 31:
            behind.append(kind)
    return behind


# --- visitors --------------------------------------------------------------------------------
def _masked_snapshot(obj, field):
    """The change log is readable by more people than may see ID numbers: log them masked."""
    from logistics.templatetags.logistics_tags import mask_id

    data = snapshot(obj)
    data[field] = mask_id(data[field]) if data.get(field) else data.get(field)
    return data


def visitor_register(*, form, by) -> Visitor:
    with transaction.atomic():
        visitor = form.save(commit=False)
        visitor.registered_by = by
        visitor.save()
        record_change(
            obj=visitor, by=by, action=ChangeAction.CREATE, after=_masked_snapshot(visitor, "id_number")
        )
    return visitor


def pickup_record(*, form, by):
    with transaction.atomic():
        pickup = form.save(commit=False)
        pickup.recorded_by = by
        pickup.save()
        record_change(
            obj=pickup, by=by, action=ChangeAction.CREATE, after=_masked_snapshot(pickup, "picker_id_number")
        )
    return pickup


def visitor_sign_out(*, obj: Visitor, by, at=None) -> Visitor:
    at = at or timezone.now()
    with transaction.atomic():
        done = Visitor.objects.filter(pk=obj.pk, time_out__isnull=True).update(time_out=at, signed_out_by=by)
        if not done:
            raise ValidationError(_("该访客已登记离校。"))
        obj.refresh_from_db()
        record_change(
            obj=obj,
            by=by,
            action=ChangeAction.UPDATE,
            before={"time_out": None},
            after={"time_out": at.isoformat()},
        )
    return obj


# --- fire safety -----------------------------------------------------------------------------
def fire_selfcheck_start(*, school, by, month: datetime.date) -> tuple[FireSelfCheck, bool]:
    month = month.replace(day=1)
    existing = FireSelfCheck.objects.filter(school=school, month=month).first()
    if existing:
        return existing, False
    equipment = list(FireEquipment.objects.filter(school=school, is_active=True))
    if not equipment:
        raise ValidationError(_("请先登记消防器材。"))
    try:
        with transaction.atomic():
            check = FireSelfCheck.objects.create(school=school, month=month, created_by=by)
            FireSelfCheckItem.objects.bulk_create(
                FireSelfCheckItem(school=school, self_check=check, equipment=e) for e in equipment
            )
            record_creation(obj=check, by=by)
    except IntegrityError:
        return FireSelfCheck.objects.get(school=school, month=month), False
    return check, True


def fire_selfcheck_save(*, obj: FireSelfCheck, by, results: dict, submit=False) -> list[Hazard]:
    """Save results {item_id: (result, note)}; on submit every fault or missing item becomes a hazard."""
    with transaction.atomic():
        locked = FireSelfCheck.objects.select_for_update().get(pk=obj.pk)
        if locked.status != CheckStatus.OPEN:
            raise ValidationError(_("自检已提交，不能再修改。"))
        items = {i.pk: i for i in locked.items.select_related("equipment__room")}
        if set(results) - set(items):
            raise ValidationError(_("检查项不属于本次自检。"))
        for item_id, (result, note) in results.items():
            if result not in ("", *FireCheckResult.values):
                raise ValidationError(_("检查结果无效。"))
            items[item_id].result, items[item_id].note = result, (note or "").strip()[:200]
        FireSelfCheckItem.objects.bulk_update(list(items.values()), ["result", "note"])
        hazards = []
        if submit:
            missing = [i for i in items.values() if not i.result]
            if missing:
                raise ValidationError(_("还有 %(n)d 件器材未检查。") % {"n": len(missing)})
            locked.status, locked.checked_by, locked.submitted_at = CheckStatus.SUBMITTED, by, timezone.now()
            locked.save(update_fields=["status", "checked_by", "submitted_at"])
            for item in items.values():
                if item.result in FIRE_FAILING:
                    hazards.append(_hazard_from_fire_item(item=item, check=locked, by=by))
            _transition_log(obj=locked, by=by, old=CheckStatus.OPEN, new=CheckStatus.SUBMITTED)
    return hazards


FIRE_FAILING = (FireCheckResult.FAULT, FireCheckResult.MISSING)


def _hazard_from_fire_item(*, item, check, by, reason=""):
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


def _fire_item_key(item, field):
    """The self-check's own history names the item: 灭火器 XF-1（一楼大厅）结果."""
    return _("%(e)s（%(r)s）%(f)s") % {
        "e": str(item.equipment),
        "r": item.equipment.room.name,
        "f": FireSelfCheckItem._meta.get_field(field).verbose_name,
    }


def _fire_item_shown(item, field):
    value = getattr(item, field)
    if field == "result":
        return str(FireCheckResult(value).label) if value else ""
    return value


def fire_selfcheck_correct(*, obj: FireSelfCheck, by, results: dict, reason: str) -> list[FireSelfCheckItem]:
    """Correct the results and notes of a submitted monthly self-check, with a reason (a manager).

    results: {item_id: (result, note)}, for any of the check's items; those that differ are corrected
    through the change log (apply_correction on each item: before/after, who, why), and one row on the
    self-check names them in the users' words, so the check's own page shows what was corrected.
    An item's hazard follows, as for a safety inspection (_hazard_follows_item): corrected to 正常, its
    unverified hazard is withdrawn and the responsible person told; corrected to 异常 or 缺失, a hazard
    is raised (or its withdrawn one reopened). Returns the corrected items.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("更正记录必须填写原因。"))
    with transaction.atomic():
        locked = FireSelfCheck.objects.select_for_update().get(pk=obj.pk)
        _require_role(locked.school, by, "safety.manage")
        if locked.status != CheckStatus.SUBMITTED:
            raise ValidationError(_("自检尚未提交，直接修改即可。"))
        items = {
            i.pk: i
            for i in FireSelfCheckItem.objects.select_for_update()
            .filter(self_check=locked)
            .select_related("equipment__room")
        }
        if set(results) - set(items):
            raise ValidationError(_("检查项不属于本次自检。"))
        wanted = {}
        for item_id, (result, note) in results.items():
            if result not in FireCheckResult.values:
                raise ValidationError(_("检查结果无效。"))
            note = (note or "").strip()
            if len(note) > 200:
                raise ValidationError(_("说明最多200字。"))
            item = items[item_id]
            changes = {k: v for k, v in (("result", result), ("note", note)) if getattr(item, k) != v}
            if changes:
                wanted[item_id] = changes
        if not wanted:
            raise ValidationError(_("没有需要更正的内容。"))
        before, after, corrected = {}, {}, []
        for item_id, changes in wanted.items():
            item = items[item_id]
            was_failing = item.result in FIRE_FAILING
            before.update({_fire_item_key(item, k): _fire_item_shown(item, k) for k in changes})
            apply_correction(obj=item, by=by, changes=changes, reason=reason)
            after.update({_fire_item_key(item, k): _fire_item_shown(item, k) for k in changes})
            corrected.append(item)
            if "result" not in changes:
                continue
            failing = item.result in FIRE_FAILING
            why = _("自检项更正为%(to)s：%(r)s") % {"to": item.get_result_display(), "r": reason}
            _hazard_follows_item(
                hazard=Hazard.objects.select_for_update().filter(source_fire_item=item).first(),
                failing=failing,
                by=by,
                reason=why,
                # an item that already failed (异常 <-> 缺失) keeps its hazard: none is raised twice
                create=None
                if was_failing
                else functools.partial(_hazard_from_fire_item, item=item, check=locked, by=by, reason=why),
            )
        record_change(
            obj=locked, by=by, action=ChangeAction.CORRECT, before=before, after=after, reason=reason
        )
    return corrected


def fire_check_sign_inspector(*, obj: FirePreventionCheck, by) -> FirePreventionCheck:
    with transaction.atomic():
        locked = FirePreventionCheck.objects.select_for_update().get(pk=obj.pk)
        if locked.status != FirePreventionStatus.DRAFT:
            raise ValidationError(_("检查人已签字。"))
        if locked.inspector_id != by.pk:
            raise ValidationError(_("只有检查人本人可以签字。"))
        locked.status, locked.inspector_signed_at = FirePreventionStatus.INSPECTOR_SIGNED, timezone.now()
        locked.save(update_fields=["status", "inspector_signed_at"])
        _transition_log(obj=locked, by=by, old=FirePreventionStatus.DRAFT, new=locked.status)
        school, url = locked.school, reverse("safety:fire_check_list")
        transaction.on_commit(
            lambda: notify(
                school=school,
                roles=[Role.PRINCIPAL],
                title=_("防火检查记录待您签字：%(s)s") % {"s": str(locked)},
                url=url,
                dedupe_key=f"safety-firecheck-sign:{locked.pk}",
            )
        )
    return locked


def fire_check_sign_principal(*, obj: FirePreventionCheck, by) -> FirePreventionCheck:
    with transaction.atomic():
        locked = FirePreventionCheck.objects.select_for_update().get(pk=obj.pk)
        if locked.status != FirePreventionStatus.INSPECTOR_SIGNED:
            raise ValidationError(_("须先由检查人签字。"))
        if role_of(locked.school, by) != Role.PRINCIPAL:
            raise ValidationError(_("只有校长（园长）可以签字。"))
        locked.status, locked.principal, locked.principal_signed_at = (
            FirePreventionStatus.SIGNED,
            by,
            timezone.now(),
        )
        locked.save(update_fields=["status", "principal", "principal_signed_at"])
        _transition_log(obj=locked, by=by, old=FirePreventionStatus.INSPECTOR_SIGNED, new=locked.status)
    return locked


# What the check records: the inspector's own findings. The inspector on it is changed only before
# anyone signs (a signature belongs to a person); a signed check is corrected, never re-signed.
FIRE_CHECK_CONTENT = ("checked_on", "scope", "findings", "measures")


def may_correct_fire_check(check: FirePreventionCheck, user, role) -> bool:
    """The inspector named on the check (谁签字谁负责), or the director or principal."""
    if role is None:
        return False
    if check.inspector_id == user.pk and role_can(role, "safety.inspect"):
        return True
    return role_can(role, "safety.manage")


def _fire_check_values(locked, changes, allowed):
    unknown = set(changes) - set(allowed)
    if unknown:
        names = "、".join(str(FirePreventionCheck._meta.get_field(f).verbose_name) for f in sorted(unknown))
        raise ValidationError(_("这些内容不能更正：%(f)s") % {"f": names})
    changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    changes = {k: v for k, v in changes.items() if getattr(locked, k) != v}
    if not changes:
        raise ValidationError(_("没有需要更正的内容。"))
    if "checked_on" in changes and (
        changes["checked_on"] is None or changes["checked_on"] > timezone.localdate()
    ):
        raise ValidationError(_("检查日期不能晚于今天。"))
    if "scope" in changes and not changes["scope"]:
        raise ValidationError(_("请填写检查部位。"))
    if "inspector" in changes and (
        changes["inspector"] is None or not _is_member(locked.school, changes["inspector"])
    ):
        raise ValidationError(_("检查人必须是本校人员。"))
    return changes


def _lock_fire_check_for(obj, by):
    locked = FirePreventionCheck.objects.select_for_update().get(pk=obj.pk)
    if not may_correct_fire_check(locked, by, role_of(locked.school, by)):
        raise ValidationError(_("只有检查人本人或后勤主任、校长（园长）可以更正防火检查记录。"))
    return locked


def fire_check_edit(*, obj: FirePreventionCheck, by, changes: dict) -> FirePreventionCheck:
    """Edit a check nobody has signed yet (the inspector's draft); the change log keeps before/after."""
    with transaction.atomic():
        locked = _lock_fire_check_for(obj, by)
        if locked.status != FirePreventionStatus.DRAFT:
            raise ValidationError(_("检查记录已签字，只能填写原因进行更正。"))
        changes = _fire_check_values(locked, changes, FIRE_CHECK_CONTENT + ("inspector",))
        before = snapshot(locked, fields=changes.keys())
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save(update_fields=list(changes))
        record_change(
            obj=locked,
            by=by,
            action=ChangeAction.UPDATE,
            before=before,
            after=snapshot(locked, fields=changes.keys()),
        )
    return locked


def fire_check_correct(*, obj: FirePreventionCheck, by, changes: dict, reason: str) -> FirePreventionCheck:
    """Correct a signed fire-prevention check with a reason.

    The signatures stay as they were given, with their times: on paper a signed record is corrected
    by striking through and initialling the change (划改并签名), not by tearing up the signed page,
    and the month's fire report keeps counting it as signed. What changed after which signature is
    shown on the check's page from the change log (before/after, who, when, why), and the people who
    signed are told, so a principal never stands behind content they have not seen.
    """
    if not (reason or "").strip():
        raise ValidationError(_("更正记录必须填写原因。"))
    with transaction.atomic():
        locked = _lock_fire_check_for(obj, by)
        if locked.status == FirePreventionStatus.DRAFT:
            raise ValidationError(_("检查记录尚未签字，直接修改即可。"))
        changes = _fire_check_values(locked, changes, FIRE_CHECK_CONTENT)
        log = apply_correction(obj=locked, by=by, changes=changes, reason=reason.strip())
        signers = [u for u in (locked.inspector, locked.principal) if u is not None and u.pk != by.pk]
        if signers:
            school, url = locked.school, reverse("safety:fire_check_detail", args=[locked.pk])
            title = _("您签字的防火检查记录已被%(p)s更正：%(s)s") % {"p": display_name(by), "s": str(locked)}
            transaction.on_commit(
                lambda: notify(
                    school=school,
                    users=signers,
                    title=title,
                    body=log.reason,
                    url=url,
                    dedupe_key=f"safety-firecheck-corrected:{log.pk}",
                )
            )
    return locked


def fire_equipment_alerts(*, today=None, days=30) -> int:
    """Tell the directors about equipment whose validity or pressure check falls due within `days`,
    once per item and date."""
    from django.db.models import Q

    today = today or timezone.localdate()
    limit = today + datetime.timedelta(days=days)
    due = (
        FireEquipment.objects.filter(is_active=True)
        .filter(Q(expires_on__lte=limit) | Q(next_check_on__lte=limit))
        .select_related("school", "room")
    )
    sent = 0
    for e in due.iterator():
        dates = [d for d in (e.expires_on, e.next_check_on) if d is not None and d <= limit]
        day = min(dates)
        sent += notify(
            school=e.school,
            roles=[Role.DIRECTOR],
            title=_("消防器材%(e)s（%(r)s）将于%(d)s到期或需检测")
            % {"e": str(e), "r": e.room.name, "d": f"{day:%Y-%m-%d}"},
            url=reverse("safety:equipment_edit", args=[e.pk]),
            dedupe_key=f"safety-fire-equipment:{e.pk}:{day:%Y%m%d}",
        )
    return sent


# --- hazardous materials ---------------------------------------------------------------------
def _check_quantity(quantity):
    if quantity is None or quantity <= 0:
        raise ValidationError(_("数量必须大于0。"))
    if quantity.as_tuple().exponent < -2:
        raise ValidationError(_("数量最多两位小数。"))
    if quantity > Decimal("100000"):
        raise ValidationError(_("数量过大，请核对。"))


def hazmat_receive(*, material: HazardousMaterial, by, quantity: Decimal, purpose: str) -> HazmatMovement:
    _check_quantity(quantity)
    with transaction.atomic():
        locked = HazardousMaterial.objects.select_for_update().get(pk=material.pk)
        if by.pk != locked.keeper_id:
            _require_role(locked.school, by, "safety.manage")
        locked.stock += quantity
        locked.save(update_fields=["stock"])
        move = HazmatMovement.objects.create(
            school_id=locked.school_id,
            material=locked,
            kind=HazmatMovementKind.RECEIVE,
            quantity=quantity,
            balance=locked.stock,
            purpose=purpose,
            by=by,
        )
        record_creation(obj=move, by=by)
    return move


def hazmat_issue(
    *, material: HazardousMaterial, by, quantity: Decimal, purpose: str, receiver: str
) -> HazmatMovement:
    """Issue from stock: only the keeper (or a manager), within the per-issue limit, never below zero."""
    _check_quantity(quantity)
    if not (purpose or "").strip() or not (receiver or "").strip():
        raise ValidationError(_("请填写领用人和用途。"))
    with transaction.atomic():
        locked = HazardousMaterial.objects.select_for_update().get(pk=material.pk)
        if by.pk != locked.keeper_id:
            _require_role(locked.school, by, "safety.manage")
        if locked.max_issue is not None and quantity > locked.max_issue:
            raise ValidationError(
                _("单次领用不能超过 %(m)s%(u)s。") % {"m": locked.max_issue, "u": locked.unit}
            )
        if quantity > locked.stock:
            raise ValidationError(
                _("库存不足：当前库存 %(s)s%(u)s。") % {"s": locked.stock, "u": locked.unit}
            )
        locked.stock -= quantity
        locked.save(update_fields=["stock"])
        move = HazmatMovement.objects.create(
            school_id=locked.school_id,
            material=locked,
            kind=HazmatMovementKind.ISSUE,
            quantity=quantity,
            balance=locked.stock,
            purpose=purpose.strip(),
            receiver=receiver.strip(),
            by=by,
        )
        record_creation(obj=move, by=by)
    return move


def inspection_complete(
    *, obj: Inspection, by, results: dict, photos: dict | None, signature: str, summary: str = ""
) -> list[Hazard]:
    """Save the last answers and sign in one transaction: any refusal leaves nothing written."""
    photos = {k: check_photos(v) for k, v in (photos or {}).items()}
    with transaction.atomic():
        inspection_save(obj=obj, by=by, results=results, photos=photos)
        return inspection_submit(obj=obj, by=by, signature=signature, summary=summary)
