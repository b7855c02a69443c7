"""Emergency evacuation drills (应急疏散演练): planned, then recorded (workflows.DRILL); a recorded
drill is corrected through the change log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from logistics.audit import apply_correction, record_creation

from ..choices import DrillAction, DrillStatus
from ..models import DRILL_RESULT_FIELDS, Drill
from ..workflows import DRILL
from .common import check_photos, not_future_on, save_photos


def drill_plan(*, school, by, kind, title, planned_on, plan="") -> Drill:
    with transaction.atomic():
        drill = Drill.objects.create(
            school=school, kind=kind, title=title, planned_on=planned_on, plan=plan, created_by=by
        )
        record_creation(obj=drill, by=by)
    return drill


def drill_record(*, obj: Drill, by, photos=(), **results) -> Drill:
    photos = check_photos(photos, field="photos")
    unknown = set(results) - set(DRILL_RESULT_FIELDS)
    if unknown:
        raise ValueError(unknown)
    held_on = results.get("held_on")
    if held_on is None:
        raise ValidationError({"held_on": _("请填写实施日期。")})
    not_future_on("held_on", held_on, _("实施日期"))
    with DRILL.step(obj, DrillAction.RECORD, by=by) as step:
        step.set(**results, recorded_by=by)
        step.obj.full_clean()
        save_photos(school=step.obj.school, by=by, photos=photos, target=step.obj)
    return step.obj


def drill_correct(*, obj: Drill, by, changes: dict, reason: str) -> Drill:
    with transaction.atomic():
        locked = Drill.objects.select_for_update().get(pk=obj.pk)
        if locked.status != DrillStatus.DONE:
            raise ValidationError(_("演练尚未记录。"))
        if changes.get("held_on"):
            not_future_on("held_on", changes["held_on"], _("实施日期"))
        changes = {k: v for k, v in changes.items() if getattr(locked, k) != v}
        if not changes:
            raise ValidationError(_("没有任何修改。"))
        apply_correction(obj=locked, by=by, changes=changes, reason=reason)
    return locked
