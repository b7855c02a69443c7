"""食品留样: record, discard after the retention time, correct."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.attachments import attach, inspect_upload, save_attachment
from logistics.audit import apply_correction, record_creation

from ..choices import Meal, SampleAction
from ..models import CanteenSettings, FoodSample
from ..workflows import SAMPLE
from .common import decimal_value


def check_sample_values(cfg, *, quantity_g, fridge_temp):
    errors = {}
    q = t = None
    try:
        q = decimal_value(quantity_g, _("留样量"))
        if q < cfg.sample_min_grams:
            errors["quantity_g"] = _("留样量不足：每个菜品至少留样 %(n)s 克。") % {"n": cfg.sample_min_grams}
        elif q > 2000:
            errors["quantity_g"] = _("留样量不合理：不应超过 2000 克。")
    except ValidationError as exc:
        errors["quantity_g"] = exc.messages[0]
    try:
        t = decimal_value(fridge_temp, _("冰箱温度"))
        if not cfg.fridge_min_temp <= t <= cfg.fridge_max_temp:
            errors["fridge_temp"] = _(
                "冰箱温度 %(t)s℃ 不在 %(lo)s～%(hi)s℃ 范围内：请检查留样冰箱后再留样。"
            ) % {
                "t": f"{t:.1f}",
                "lo": f"{Decimal(cfg.fridge_min_temp):.1f}",
                "hi": f"{Decimal(cfg.fridge_max_temp):.1f}",
            }
    except ValidationError as exc:
        errors["fridge_temp"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return q, t


def sample_record(
    *, school, by, meal, dish_name, quantity_g, fridge, fridge_temp, photo=None, dish=None, now=None
):
    """Log one dish's sample of today's meal; who = `by`, when = now."""
    cfg = CanteenSettings.for_school(school)
    now = now or timezone.now()
    day = timezone.localdate(now)
    errors = {}
    if meal not in Meal.values:
        errors["meal"] = _("请选择餐次。")
    if dish is not None:
        if dish.school_id != school.pk or dish.day != day or dish.meal != meal:
            errors["dish"] = _("所选菜品不属于今天的这一餐。")
        dish_name = dish.name
    dish_name = (dish_name or "").strip()
    if not dish_name:
        errors["dish_name"] = _("请填写菜品名称。")
    if fridge is None or fridge.school_id != school.pk or not fridge.is_active:
        errors["fridge"] = _("请选择在用的留样冰箱。")
    try:
        quantity, temp = check_sample_values(cfg, quantity_g=quantity_g, fridge_temp=fridge_temp)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if photo is None:
        if cfg.sample_photo_required:
            errors["photo"] = _("本校要求留样拍照：请拍摄留样照片。")
    else:
        try:
            inspect_upload(photo, images_only=True)
        except ValidationError as exc:
            errors["photo"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    sample = FoodSample(
        school=school,
        day=day,
        meal=meal,
        dish=dish,
        dish_name=dish_name,
        quantity_g=quantity,
        fridge=fridge,
        fridge_temp=temp,
        taken_by=by,
        taken_at=now,
        discard_after=now + datetime.timedelta(hours=cfg.sample_retention_hours),
    )
    try:
        with transaction.atomic():
            if photo is not None:
                sample.photo = save_attachment(school=school, by=by, upload=photo, images_only=True)
            sample.save(force_insert=True)
            if sample.photo is not None:
                attach(attachment=sample.photo, target=sample)
            record_creation(obj=sample, by=by)
    except IntegrityError as exc:
        raise ValidationError(
            {
                "dish_name": _("今天%(meal)s的「%(dish)s」已经留样。")
                % {"meal": Meal(meal).label, "dish": dish_name}
            }
        ) from exc
    return sample


def sample_discard(*, obj, by, now=None):
    """Discard a sample after its retention time (a conditional update: of two concurrent discards
    only one takes effect, the other is told the sample is already discarded)."""
    now = now or timezone.now()
    with SAMPLE.step(obj, SampleAction.DISCARD, by=by, comment=_("留样到期销毁")) as step:
        if step.obj.discard_after > now:
            local = timezone.localtime(step.obj.discard_after)
            raise ValidationError(
                _("留样须保存至 %(t)s，未到保存期限不能销毁。") % {"t": f"{local:%Y-%m-%d %H:%M}"}
            )
        step.set(discarded_at=now, discarded_by=by)
    return step.obj


SAMPLE_CORRECTABLE = ("dish_name", "quantity_g", "fridge_temp", "fridge")


def sample_correct(*, obj, by, changes: dict, reason: str):
    unknown = set(changes) - set(SAMPLE_CORRECTABLE)
    if unknown:
        raise ValidationError(_("这些字段不能更正：%(f)s") % {"f": "、".join(sorted(unknown))})
    if not (reason or "").strip():
        raise ValidationError(_("更正记录必须填写原因。"))
    with transaction.atomic():
        locked = FoodSample.objects.select_for_update().get(pk=obj.pk)
        cfg = CanteenSettings.for_school(locked.school)
        q, t = check_sample_values(
            cfg,
            quantity_g=changes.get("quantity_g", locked.quantity_g),
            fridge_temp=changes.get("fridge_temp", locked.fridge_temp),
        )
        if "quantity_g" in changes:
            changes["quantity_g"] = q
        if "fridge_temp" in changes:
            changes["fridge_temp"] = t
        if "fridge" in changes and changes["fridge"].school_id != locked.school_id:
            raise ValidationError(_("请选择本校的留样冰箱。"))
        changes = {k: v for k, v in changes.items() if getattr(locked, k) != v}
        if not changes:
            raise ValidationError(_("没有需要更正的内容。"))
        log = apply_correction(obj=locked, by=by, changes=changes, reason=reason)
    return locked, log
