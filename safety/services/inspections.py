"""Safety inspections: created each week and month (and each closing round), filled in item by item,
signed and locked; a failed item becomes a hazard; a signed inspection is corrected, never edited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import apply_correction, record_creation
from logistics.choices import Role
from logistics.models import School, display_name
from logistics.notifications import notify

from .. import selectors
from ..choices import HazardStatus, InspectionAction, InspectionKind, InspectionStatus, ItemResult
from ..models import Hazard, Inspection, InspectionItem, SafetySettings
from ..workflows import HAZARD_UNVERIFIED, INSPECTION
from .common import check_photos, save_photos
from .hazards import hazard_follows_item, hazard_from_item
from .templates import get_template


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
    settings = SafetySettings.for_school(school)
    template = get_template(school, kind)
    items = list(template.items.filter(is_active=True))
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                school=school,
                kind=kind,
                period_start=period_start,
                due_on=_due_for(kind, period_start, settings),
                assigned_to=assigned_to or selectors.inspector_for(school, settings),
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
    by_school = selectors.settings_for_schools(schools)
    for school in schools:
        if now.time() < by_school[school.pk].weekly_time:
            continue
        for kind in (InspectionKind.WEEKLY, InspectionKind.MONTHLY):
            _obj, made = inspection_create(school=school, kind=kind, day=now.date())
            created += made
    return created


def _lock_open(inspection) -> Inspection:
    """The inspection, locked, while it may still be filled in (saving answers is not a transition)."""
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.status != InspectionStatus.OPEN:
        raise ValidationError(INSPECTION.message("wrong_state", locked, InspectionAction.SUBMIT))
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
        locked = _lock_open(obj)
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
            save_photos(school=locked.school, by=by, photos=uploads, target=items[item_id])
        if summary is not None and summary != locked.summary:
            locked.summary = summary.strip()
            locked.save(update_fields=["summary"])
    return locked


def inspection_submit(*, obj: Inspection, by, signature: str, summary: str = "") -> list[Hazard]:
    """Sign and lock the inspection; every failed item becomes a hazard. Returns the new hazards."""
    signature = (signature or "").strip()
    with INSPECTION.step(
        obj, InspectionAction.SUBMIT, by=by, comment=_("签名：%(s)s") % {"s": signature}
    ) as step:
        locked = step.obj
        if signature != display_name(by):
            raise ValidationError(
                {"signature": _("签名须与您的姓名「%(n)s」一致。") % {"n": display_name(by)}}
            )
        items = list(locked.items.all())
        missing = [i for i in items if not i.result]
        if missing:
            raise ValidationError(
                _("还有 %(n)d 项未检查：%(first)s") % {"n": len(missing), "first": str(missing[0])}
            )
        step.set(submitted_by=by, submitted_at=timezone.now(), signature=signature)
        if summary:
            step.set(summary=summary.strip())
        hazards = [
            hazard_from_item(item=i, inspection=locked, by=by) for i in items if i.result == ItemResult.FAIL
        ]
        if hazards:
            step.notify(
                school=locked.school,
                roles=[Role.DIRECTOR],
                title=_("%(i)s发现 %(n)d 项隐患，请交办整改") % {"i": str(locked), "n": len(hazards)},
                url=reverse("safety:hazard_list") + "?status=found",
                dedupe_key=f"safety-inspection-hazards:{locked.pk}",
            )
    return hazards


def inspection_complete(
    *, obj: Inspection, by, results: dict, photos: dict | None, signature: str, summary: str = ""
) -> list[Hazard]:
    """Save the last answers and sign in one transaction: any refusal leaves nothing written."""
    photos = {k: check_photos(v) for k, v in (photos or {}).items()}
    with transaction.atomic():
        inspection_save(obj=obj, by=by, results=results, photos=photos)
        return inspection_submit(obj=obj, by=by, signature=signature, summary=summary)


def inspection_correct_item(
    *, item: InspectionItem, by, result: str, note: str, reason: str
) -> InspectionItem:
    """Correct a submitted inspection's item through the change log; its hazard follows.

    A new failure becomes a hazard (a withdrawn one of this item is reopened); a failure corrected to
    合格 or 不适用 withdraws the item's hazard if it is not yet verified, in this same transaction, with
    the correction's reason, and tells its responsible person (see hazard_follows_item).
    """
    if result not in ItemResult.values:
        raise ValidationError({"result": _("检查结果无效。")})
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
        hazard = hazard_follows_item(
            hazard=hazard,
            failing=failing,
            by=by,
            reason=why,
            create=lambda: hazard_from_item(item=locked, inspection=inspection, by=by),
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
