"""Every write of the canteen that changes state or touches several rows (DESIGN.md rule 3).

Each function validates first and raises django.core.exceptions.ValidationError with a Chinese
message before anything is written; the writes happen in one transaction with their change-log rows.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from logistics.attachments import inspect_upload, save_attachment
from logistics.audit import apply_correction, record_change, record_creation, snapshot
from logistics.choices import CertificateKind, ChangeAction
from logistics.models import Certificate, Membership

from .choices import (
    LABEL_CHECKED,
    MEAL_ORDER,
    Account,
    CheckResult,
    EntryKind,
    InspectionResult,
    LabelCheck,
    Meal,
    MenuStatus,
    MovementKind,
    SampleStatus,
    age_groups_for,
)
from .models import (
    CanteenSettings,
    Delivery,
    DeliveryLine,
    DishIngredient,
    FeeEntry,
    Menu,
    MenuDish,
    MorningCheck,
    PantryBatch,
    PantryCount,
    PantryCountLine,
    PantryItem,
    PantryMovement,
)

MAX_MONEY = Decimal("1000000")

# Workflows: (from, to) -> the permission action needed (DESIGN.md rule 2).
SAMPLE_TRANSITIONS = {(SampleStatus.KEPT, SampleStatus.DISCARDED): "canteen.record"}
MENU_TRANSITIONS = {
    (MenuStatus.DRAFT, MenuStatus.PUBLISHED): "canteen.manage",
    (MenuStatus.PUBLISHED, MenuStatus.DRAFT): "canteen.manage",
}


def settings_for(school) -> CanteenSettings:
    return CanteenSettings.for_school(school)


def _decimal(value, label, places=1):
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError(_("%(label)s必须是数字。") % {"label": label}) from exc
    if not d.is_finite() or abs(d) >= Decimal("1e9"):
        raise ValidationError(_("%(label)s不是合理的数值。") % {"label": label})
    if d != d.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError(_("%(label)s最多保留%(n)d位小数。") % {"label": label, "n": places})
    return d


def current_meal(school, now=None) -> str:
    """The meal being served or next to end now, by the school's meal end times."""
    cfg = settings_for(school)
    t = timezone.localtime(now or timezone.now()).time()
    ends = sorted((cfg.meal_end(m), m) for m in MEAL_ORDER)
    for end, meal in ends:
        if t <= (datetime.datetime.combine(datetime.date.today(), end) + datetime.timedelta(hours=1)).time():
            return meal
    return ends[-1][1]


# --- food samples -----------------------------------------------------------------------------
def check_sample_values(cfg, *, quantity_g, fridge_temp):
    errors = {}
    q = t = None
    try:
        q = _decimal(quantity_g, _("留样量"))
        if q < cfg.sample_min_grams:
            errors["quantity_g"] = _("留样量不足：每个菜品至少留样 %(n)s 克。") % {"n": cfg.sample_min_grams}
        elif q > 2000:
            errors["quantity_g"] = _("留样量不合理：不应超过 2000 克。")
    except ValidationError as exc:
        errors["quantity_g"] = exc.messages[0]
    try:
        t = _decimal(fridge_temp, _("冰箱温度"))
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
    from .models import FoodSample

    cfg = settings_for(school)
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
                type(sample.photo).objects.filter(pk=sample.photo.pk).update(
                    target_type=_sample_ct(), target_id=str(sample.pk)
                )
            record_creation(obj=sample, by=by)
    except IntegrityError as exc:
        raise ValidationError(
            {
                "dish_name": _("今天%(meal)s的「%(dish)s」已经留样。")
                % {"meal": Meal(meal).label, "dish": dish_name}
            }
        ) from exc
    return sample


def _sample_ct():
    from django.contrib.contenttypes.models import ContentType

    from .models import FoodSample

    return ContentType.objects.get_for_model(FoodSample)


def sample_discard(*, obj, by, now=None):
    """Discard a sample after its retention time; of two concurrent discards only one takes effect."""
    from .models import FoodSample

    now = now or timezone.now()
    if (obj.status, SampleStatus.DISCARDED) not in SAMPLE_TRANSITIONS:
        raise ValidationError(_("该留样已销毁，不能重复销毁。"))
    with transaction.atomic():
        done = FoodSample.objects.filter(pk=obj.pk, status=SampleStatus.KEPT, discard_after__lte=now).update(
            status=SampleStatus.DISCARDED, discarded_at=now, discarded_by=by
        )
        obj.refresh_from_db()
        if not done:
            if obj.status == SampleStatus.DISCARDED:
                raise ValidationError(_("该留样已销毁，不能重复销毁。"))
            local = timezone.localtime(obj.discard_after)
            raise ValidationError(
                _("留样须保存至 %(t)s，未到保存期限不能销毁。") % {"t": f"{local:%Y-%m-%d %H:%M}"}
            )
        record_change(
            obj=obj,
            by=by,
            action=ChangeAction.TRANSITION,
            before={"status": SampleStatus.KEPT},
            after={"status": SampleStatus.DISCARDED, "discarded_at": now.isoformat()},
            reason=_("留样到期销毁"),
        )
    return obj


SAMPLE_CORRECTABLE = ("dish_name", "quantity_g", "fridge_temp", "fridge")


def sample_correct(*, obj, by, changes: dict, reason: str):
    from .models import FoodSample

    unknown = set(changes) - set(SAMPLE_CORRECTABLE)
    if unknown:
        raise ValidationError(_("这些字段不能更正：%(f)s") % {"f": "、".join(sorted(unknown))})
    if not (reason or "").strip():
        raise ValidationError(_("更正记录必须填写原因。"))
    with transaction.atomic():
        locked = FoodSample.objects.select_for_update().get(pk=obj.pk)
        cfg = settings_for(locked.school)
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


# --- suppliers and incoming inspection ----------------------------------------------------------
def add_months(day, months):
    import calendar

    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_end(delivered_on, expiry_dates):
    """6 months after the latest shelf-life end; 2 years when any product has none (DOMAIN.md)."""
    if not expiry_dates or any(d is None for d in expiry_dates):
        candidates = [add_months(delivered_on, 24)]
        candidates += [add_months(d, 6) for d in expiry_dates if d is not None]
        return max(candidates)
    return max(add_months(d, 6) for d in expiry_dates)


MAX_SHELF_DAYS = 3650  # as the delivery form's 保质期 field
MAX_SHELF_YEARS = 20


def _clean_line(raw, delivered_on, index, *, unrecorded_ok=False):
    """One inspected line, checked; `unrecorded_ok`: a line from before the label check may keep
    标签核验 未记录 when it is corrected (a new line may not)."""
    label = _("第 %(n)d 行") % {"n": index}
    name = (raw.get("name") or "").strip()
    unit = (raw.get("unit") or "").strip()
    if not name or not unit:
        raise ValidationError(_("%(l)s：请填写品名和单位。") % {"l": label})
    quantity = _decimal(raw.get("quantity"), _("数量"), places=2)
    if quantity <= 0 or quantity > Decimal("100000"):
        raise ValidationError(_("%(l)s：数量必须大于 0 且不超过 100000。") % {"l": label})
    price = _decimal(raw.get("unit_price"), _("单价"), places=2)
    if price < 0 or price > Decimal("100000"):
        raise ValidationError(_("%(l)s：单价不能为负数，也不能超过 100000 元。") % {"l": label})
    production = raw.get("production_date")
    shelf = raw.get("shelf_life_days")
    expiry = raw.get("expiry_date")
    if production and production > delivered_on:
        raise ValidationError(_("%(l)s：生产日期不能晚于到货日期。") % {"l": label})
    # the retention end is 6 months after the expiry: a date near year 9999 cannot be computed
    if expiry and expiry > add_months(delivered_on, 12 * MAX_SHELF_YEARS):
        raise ValidationError(
            _("%(l)s：到期日不合理：不应晚于到货日期 %(n)d 年以上。") % {"l": label, "n": MAX_SHELF_YEARS}
        )
    if shelf is not None and shelf != "":
        shelf = int(shelf)
        if not 0 <= shelf <= MAX_SHELF_DAYS:
            raise ValidationError(
                _("%(l)s：保质期应在 0～%(n)d 天之间。") % {"l": label, "n": MAX_SHELF_DAYS}
            )
        if not production:
            raise ValidationError(_("%(l)s：填写保质期时必须填写生产日期。") % {"l": label})
        computed = production + datetime.timedelta(days=shelf)
        expiry = min(expiry, computed) if expiry else computed
    else:
        shelf = None
    if expiry and production and expiry < production:
        raise ValidationError(_("%(l)s：到期日不能早于生产日期。") % {"l": label})
    result = raw.get("result")
    if result not in InspectionResult.values:
        raise ValidationError(_("%(l)s：请选择查验结果。") % {"l": label})
    reason = (raw.get("reject_reason") or "").strip()
    if result == InspectionResult.REJECTED and not reason:
        raise ValidationError(_("%(l)s：拒收必须填写原因。") % {"l": label})
    check_label(
        raw.get("label_check"),
        result=result,
        production_date=production,
        name=name,
        prefix=label,
        unrecorded_ok=unrecorded_ok,
    )
    if result == InspectionResult.ACCEPTED and expiry and expiry < delivered_on:
        raise ValidationError(
            _("%(l)s：「%(name)s」已过保质期，不能验收入库，请拒收。") % {"l": label, "name": name}
        )
    amount = (quantity * price).quantize(Decimal("0.01"))
    if amount > MAX_MONEY:  # a rejected line too: the column holds less than 1e10
        raise ValidationError(_("%(l)s：金额不合理：一行货品不应超过 100 万元。") % {"l": label})
    return {
        "name": name,
        "unit": unit,
        "quantity": quantity,
        "unit_price": price,
        "amount": amount,
        "production_date": production or None,
        "shelf_life_days": shelf,
        "expiry_date": expiry or None,
        "batch_no": (raw.get("batch_no") or "").strip(),
        "label_check": raw.get("label_check"),
        "result": result,
        "reject_reason": reason,
    }


def check_label(value, *, result, production_date, name, prefix="", unrecorded_ok=False):
    """The 三无产品 rules of one line (进货查验 / 索证索票), the same for the form and the service:

    * every line says how its label was checked: 标签齐全, 散装农产品（已索证）or 标签不全;
    * 标签不全 is a 三无产品 (无厂名厂址、无生产日期、无质量合格证): it can only be refused (拒收, and a
      refusal needs its reason);
    * 标签齐全 means the label shows a production date: an accepted line records it.

    Raises ValidationError keyed by the form field, with `prefix` (第 n 行) before the message.
    """
    head = f"{prefix}：" if prefix else ""
    allowed = [c.value for c in LABEL_CHECKED] + ([LabelCheck.NOT_RECORDED] if unrecorded_ok else [])
    if value not in allowed:
        raise ValidationError(
            {"label_check": head + _("未核验标签：请选择标签齐全、散装农产品（已索证）或标签不全。")}
        )
    if value == LabelCheck.INCOMPLETE and result != InspectionResult.REJECTED:
        message = _("「%(name)s」标签不全，属三无产品：不能验收入库，只能拒收并写明原因。")
        raise ValidationError({"result": head + message % {"name": name}})
    if value == LabelCheck.COMPLETE and result == InspectionResult.ACCEPTED and not production_date:
        raise ValidationError({"production_date": head + _("标签齐全的货品请照标签填写生产日期。")})


def delivery_record(
    *,
    school,
    by,
    supplier,
    delivered_on,
    lines,
    account=Account.CHILDREN,
    invoice_no="",
    notes="",
    ticket=None,
):
    """进货查验: record a delivery line by line; accepted lines go into the pantry."""
    today = timezone.localdate()
    if supplier is None or supplier.school_id != school.pk:
        raise ValidationError(_("请选择本校的供应商。"))
    if not supplier.is_active:
        raise ValidationError(_("供应商「%(s)s」已停止合作。") % {"s": supplier})
    if delivered_on > today:
        raise ValidationError(_("到货日期不能晚于今天。"))
    if not supplier.licence_valid_on(delivered_on):
        raise ValidationError(
            _("供应商「%(s)s」的证照已于 %(d)s 过期：不能接收其送货，请先更新证照。")
            % {"s": supplier, "d": supplier.first_expiry()}
        )
    if account not in Account.values:
        raise ValidationError(_("请选择记入的账目。"))
    cleaned = [_clean_line(raw, delivered_on, i) for i, raw in enumerate(lines, start=1)]
    if not cleaned:
        raise ValidationError(_("请至少填写一行货品。"))
    if ticket is not None:
        inspect_upload(ticket, images_only=False)
    accepted_amount = sum(
        (c["amount"] for c in cleaned if c["result"] == InspectionResult.ACCEPTED), Decimal(0)
    )
    if accepted_amount > MAX_MONEY:
        raise ValidationError(_("金额不合理：单次进货不应超过 100 万元。"))
    with transaction.atomic():
        delivery = Delivery.objects.create(
            school=school,
            supplier=supplier,
            delivered_on=delivered_on,
            account=account,
            invoice_no=invoice_no.strip(),
            notes=notes.strip(),
            inspector=by,
            accepted_amount=accepted_amount,
            retain_until=retention_end(delivered_on, [c["expiry_date"] for c in cleaned]),
        )
        if ticket is not None:
            delivery.ticket = save_attachment(school=school, by=by, upload=ticket, target=delivery)
            delivery.save(update_fields=["ticket"])
        for c in cleaned:
            item, _created = PantryItem.objects.get_or_create(
                school=school, name=c.pop("name"), unit=c.pop("unit")
            )
            line = DeliveryLine.objects.create(school=school, delivery=delivery, item=item, **c)
            if line.result == InspectionResult.ACCEPTED:
                batch = PantryBatch.objects.create(
                    school=school,
                    item=item,
                    line=line,
                    batch_no=line.batch_no,
                    received_on=delivered_on,
                    expiry_date=line.expiry_date,
                    quantity_in=line.quantity,
                    quantity_left=line.quantity,
                )
                PantryMovement.objects.create(
                    school=school,
                    batch=batch,
                    kind=MovementKind.IN,
                    quantity=line.quantity,
                    day=delivered_on,
                    purpose=_("进货验收入库"),
                    by=by,
                )
        record_creation(obj=delivery, by=by)
    return delivery


DELIVERY_CORRECTABLE = ("invoice_no", "notes", "account")


def delivery_correct(*, obj, by, changes: dict, reason: str):
    """Correct the header of an incoming inspection (票据号、备注、账目) with a reason; a line is
    corrected by `delivery_line_correct`."""
    unknown = set(changes) - set(DELIVERY_CORRECTABLE)
    if unknown:
        raise ValidationError(_("这些字段不能更正：%(f)s") % {"f": "、".join(sorted(unknown))})
    if "account" in changes and changes["account"] not in Account.values:
        raise ValidationError(_("请选择记入的账目。"))
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=obj.pk)
        changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
        changes = {k: v for k, v in changes.items() if getattr(locked, k) != v}
        if not changes:
            raise ValidationError(_("没有需要更正的内容。"))
        log = apply_correction(obj=locked, by=by, changes=changes, reason=reason)
    return locked, log


LINE_CORRECTABLE = (
    "quantity",
    "unit_price",
    "production_date",
    "shelf_life_days",
    "expiry_date",
    "batch_no",
    "label_check",
    "result",
    "reject_reason",
)


def _line_key(index, line, field):
    """How a line's field is named in the delivery's change log: 第2行「大米」数量."""
    label = DeliveryLine._meta.get_field(field).verbose_name
    return _("第%(n)d行「%(i)s」%(f)s") % {"n": index, "i": line.item.name, "f": label}


def _line_value(field, value):
    """A choice as the delivery's history shows it (标签不全, 拒收), not its stored code: under a key
    such as 第2行「大米」标签核验 the history page no longer knows the field."""
    choices = DeliveryLine._meta.get_field(field).flatchoices
    return str(dict(choices).get(value, value)) if choices else value


def delivery_line_correct(*, obj, by, changes: dict, reason: str):
    """Correct one line of an incoming inspection (数量、单价、生产日期、保质期、到期日、批号、标签核验、
    查验结果) with a reason, and keep what the line feeds consistent in the same transaction:

    * the line: amount = quantity x unit price, the expiry derived again from the production date
      and shelf life, the same rules as at inspection (`_clean_line`, so a line corrected to 标签不全
      must be 拒收 with a reason, as at inspection); its change log via
      `apply_correction` (before/after, who, why);
    * the delivery: `accepted_amount` (the meal-fee account's purchases read it) is summed again
      from its accepted lines; `retain_until` is recomputed but never shortened (the record, now
      with its correction, is still evidence); one change-log row on the delivery names the line's
      fields and the totals, so the correction shows in the delivery's history;
    * the pantry. Stock went in at inspection as one batch per accepted line (quantity_in), and
      issues and month-end counts have moved `quantity_left` since. The batch keeps its history:
      the correction does not rewrite the stock-in movement (a month already counted keeps its
      figures) but adds a movement of kind 查验更正 dated today for the difference, and sets the
      batch's quantity_in to the corrected stock-in and quantity_left by the same difference. What
      was already taken out cannot be un-taken: a correction that would leave the batch below zero
      (less than was issued, or turning the line to 拒收 after some was used) is refused. A
      rejected line has no stock: correcting its quantity or price touches neither the pantry nor
      the accepted amount; turning it to 验收合格 puts the goods into the pantry then (a batch, as
      at inspection); turning an accepted line to 拒收 takes its whole quantity back out.

    The monthly reports (purchase ledger, meal-fee statement) read the line and the delivery, so they
    follow. Locks: the delivery, then the line, then the batch; the other writers take only one of
    them (delivery_correct the delivery; pantry_issue and pantry_count the batch), so no deadlock.
    """
    unknown = set(changes) - set(LINE_CORRECTABLE)
    if unknown:
        raise ValidationError(_("这些字段不能更正：%(f)s") % {"f": "、".join(sorted(unknown))})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("更正记录必须填写原因。")})
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=obj.delivery_id)
        line = DeliveryLine.objects.select_for_update().get(pk=obj.pk, delivery=delivery)
        line.item = PantryItem.objects.get(pk=line.item_id)
        lines = list(DeliveryLine.objects.filter(delivery=delivery).order_by("id"))
        index = [ln.pk for ln in lines].index(line.pk) + 1
        cleaned = _corrected_line(line, delivery, index, changes)
        new = {k: v for k, v in cleaned.items() if getattr(line, k) != v}
        if not new:
            raise ValidationError(_("没有需要更正的内容。"))
        accepted = cleaned["result"] == InspectionResult.ACCEPTED

        # the delivery's totals with the corrected line, checked before anything is written
        accepted_amount = sum(
            (
                (cleaned["amount"] if ln.pk == line.pk else ln.amount)
                for ln in lines
                if (cleaned["result"] if ln.pk == line.pk else ln.result) == InspectionResult.ACCEPTED
            ),
            Decimal(0),
        )
        if accepted_amount > MAX_MONEY:
            raise ValidationError(_("金额不合理：单次进货不应超过 100 万元。"))
        expiries = [cleaned["expiry_date"] if ln.pk == line.pk else ln.expiry_date for ln in lines]
        retain_until = max(delivery.retain_until, retention_end(delivery.delivered_on, expiries))

        # the pantry: this line's batch goes to the corrected stock-in, if what is left allows it
        batch = PantryBatch.objects.select_for_update().filter(line=line).first()
        stock_in = cleaned["quantity"] if accepted else Decimal(0)
        diff = stock_in - (batch.quantity_in if batch is not None else Decimal(0))
        if batch is not None and batch.quantity_left + diff < 0:
            raise _below_issued(batch, line, accepted)

        log = apply_correction(obj=line, by=by, changes=new, reason=reason)
        if batch is None and accepted:  # a rejected line accepted after all: its stock goes in now
            batch = PantryBatch(
                school=line.school, item=line.item, line=line, received_on=delivery.delivered_on
            )
            batch.quantity_in = batch.quantity_left = Decimal(0)
        if batch is not None:
            batch.quantity_in = stock_in
            batch.quantity_left += diff
            batch.batch_no = line.batch_no
            batch.expiry_date = line.expiry_date
            batch.save()
            if diff:
                movement = PantryMovement.objects.create(
                    school=line.school,
                    batch=batch,
                    kind=MovementKind.CORRECT,
                    quantity=diff,
                    day=timezone.localdate(),
                    purpose=(_("进货查验更正：%(r)s") % {"r": reason.strip()})[:100],
                    by=by,
                )
                record_creation(obj=movement, by=by, reason=reason)

        # the delivery: its totals, and the line's correction in its own history
        before = {_line_key(index, line, k): _line_value(k, v) for k, v in log.before.items()}
        after = {_line_key(index, line, k): _line_value(k, v) for k, v in log.after.items()}
        totals = {"accepted_amount": accepted_amount, "retain_until": retain_until}
        totals = {k: v for k, v in totals.items() if getattr(delivery, k) != v}
        if totals:
            before.update(snapshot(delivery, fields=totals))
            for k, v in totals.items():
                setattr(delivery, k, v)
            delivery.save(update_fields=list(totals))
            after.update(snapshot(delivery, fields=totals))
        record_change(
            obj=delivery, by=by, action=ChangeAction.CORRECT, before=before, after=after, reason=reason
        )
    return line, log


def _corrected_line(line, delivery, index, changes):
    """The line's values after `changes`, checked by the rules of the inspection itself."""
    wanted = {**{f: getattr(line, f) for f in LINE_CORRECTABLE}, **changes}
    derived_inputs = (wanted["production_date"], wanted["shelf_life_days"])
    if (
        derived_inputs != (line.production_date, line.shelf_life_days)
        and wanted["shelf_life_days"] is not None
        and wanted["expiry_date"] == line.expiry_date
    ):
        # the stored expiry came from the old production date and shelf life: derive it again
        wanted["expiry_date"] = None
    # a line from before the label check may stay 未记录 while other fields are corrected, but not
    # once its goods are accepted after all (that is an inspection now), and a check, once recorded,
    # is not taken back to 未记录
    unrecorded_ok = line.label_check == LabelCheck.NOT_RECORDED and not (
        line.result == InspectionResult.REJECTED and wanted["result"] == InspectionResult.ACCEPTED
    )
    cleaned = _clean_line(
        {**wanted, "name": line.item.name, "unit": line.item.unit},
        delivery.delivered_on,
        index,
        unrecorded_ok=unrecorded_ok,
    )
    del cleaned["name"], cleaned["unit"]
    for field in ("quantity", "unit_price"):  # as stored, so the change log reads 18.00, not 18
        cleaned[field] = cleaned[field].quantize(Decimal("0.01"))
    if cleaned["result"] == InspectionResult.ACCEPTED:
        cleaned["reject_reason"] = ""  # the reason of a rejection that no longer is
    return cleaned


def _below_issued(batch, line, accepted):
    issued = batch.movements.filter(kind=MovementKind.OUT).aggregate(s=Sum("quantity"))["s"] or 0
    values = {
        "i": line.item.name,
        "out": _fmt_qty(issued),
        "left": _fmt_qty(batch.quantity_left),
        "min": _fmt_qty(batch.quantity_in - batch.quantity_left),
        "u": line.item.unit,
    }
    head = _("「%(i)s」本批已出库 %(out)s%(u)s，现结存 %(left)s%(u)s：") % values
    if not accepted:
        return ValidationError({"result": head + _("已经用掉的货品不能改为拒收。")})
    return ValidationError({"quantity": head + _("数量不能更正为少于 %(min)s%(u)s。") % values})


def _fmt_qty(value):
    return f"{Decimal(value).normalize():f}"


def delivery_delete(*, obj, by, today=None):
    """Records are kept until the legal retention ends; only then may they be removed."""
    today = today or timezone.localdate()
    if obj.retain_until > today:
        raise ValidationError(
            _("进货查验记录须保存至 %(d)s，保存期内不能删除。") % {"d": f"{obj.retain_until:%Y-%m-%d}"}
        )
    with transaction.atomic():
        record_change(
            obj=obj, by=by, action=ChangeAction.DELETE, before=snapshot(obj), reason=_("超过保存期")
        )
        for line in obj.lines.all():
            batch = getattr(line, "stock_batch", None)
            if batch is not None:
                batch.line = None
                batch.save(update_fields=["line"])
        obj.lines.all().delete()
        obj.delete()


# --- pantry ---------------------------------------------------------------------------------------
def pantry_issue(*, batch, by, quantity, purpose="", day=None):
    """Stock out to the day's cooking; expired stock and more than is left are refused."""
    day = day or timezone.localdate()
    q = _decimal(quantity, _("出库数量"), places=2)
    if q <= 0:
        raise ValidationError(_("出库数量必须大于 0。"))
    if batch.is_expired(day):
        raise ValidationError(
            _("「%(b)s」已于 %(d)s 过期，不能出库：请按过期食品处理。")
            % {"b": batch.item.name, "d": batch.expiry_date}
        )
    with transaction.atomic():
        done = PantryBatch.objects.filter(pk=batch.pk, quantity_left__gte=q).update(
            quantity_left=F("quantity_left") - q
        )
        if not done:
            batch.refresh_from_db()
            raise ValidationError(
                _("库存不足：「%(b)s」仅剩 %(n)s%(u)s。")
                % {"b": batch.item.name, "n": batch.quantity_left, "u": batch.item.unit}
            )
        movement = PantryMovement.objects.create(
            school=batch.school,
            batch=batch,
            kind=MovementKind.OUT,
            quantity=q,
            day=day,
            purpose=purpose.strip(),
            by=by,
        )
        record_creation(obj=movement, by=by)
    batch.refresh_from_db()
    return movement


def pantry_count(*, school, by, month, counts: dict):
    """Month-end count: record what was found per batch and adjust the book to it."""
    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationError(_("不能盘点未来的月份。"))
    batches = list(PantryBatch.objects.filter(school=school, pk__in=list(counts)).select_related("item"))
    if len(batches) != len(counts):
        raise ValidationError(_("盘点中有不属于本校的批次。"))
    parsed = {}
    for b in batches:
        c = _decimal(counts[b.pk], _("实盘数量"), places=2)
        if c < 0:
            raise ValidationError(_("实盘数量不能为负数。"))
        if c > Decimal("100000"):  # as a delivery line; the column holds less than 1e8
            raise ValidationError(_("实盘数量不合理：不应超过 100000。"))
        parsed[b.pk] = c
    try:
        with transaction.atomic():
            count = PantryCount.objects.create(school=school, month=month, counted_by=by)
            for b in batches:
                b = PantryBatch.objects.select_for_update().get(pk=b.pk)
                counted = parsed[b.pk]
                PantryCountLine.objects.create(
                    school=school, count=count, batch=b, expected=b.quantity_left, counted=counted
                )
                diff = counted - b.quantity_left
                if diff:
                    PantryMovement.objects.create(
                        school=school,
                        batch=b,
                        kind=MovementKind.ADJUST,
                        quantity=diff,
                        day=timezone.localdate(),
                        purpose=_("月末盘点调整"),
                        by=by,
                    )
                    b.quantity_left = counted
                    b.save(update_fields=["quantity_left"])
            record_creation(obj=count, by=by)
    except IntegrityError as exc:
        label = date_format(month, "YEAR_MONTH_FORMAT")
        raise ValidationError(_("%(m)s 已经盘点过。") % {"m": label}) from exc
    return count


# --- menus --------------------------------------------------------------------------------------
def week_start_of(day):
    return day - datetime.timedelta(days=day.weekday())


def menu_for_week(*, school, week_start, by=None):
    week_start = week_start_of(week_start)
    menu, created = Menu.objects.get_or_create(school=school, week_start=week_start)
    if created and by is not None:
        record_creation(obj=menu, by=by)
    return menu


def _editable(menu):
    if menu.status == MenuStatus.PUBLISHED:
        raise ValidationError(_("食谱已发布：请先撤回发布再修改。"))


def dish_add(*, menu, by, day, meal, name):
    _editable(menu)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写菜品名称。"))
    if not menu.week_start <= day <= menu.week_end:
        raise ValidationError(_("日期不在本周食谱范围内。"))
    if meal not in Meal.values:
        raise ValidationError(_("请选择餐次。"))
    try:
        with transaction.atomic():
            position = MenuDish.objects.filter(menu=menu, day=day, meal=meal).count()
            dish = MenuDish.objects.create(
                school=menu.school, menu=menu, day=day, meal=meal, name=name, position=position
            )
            record_creation(obj=dish, by=by)
    except IntegrityError as exc:
        raise ValidationError(_("这一餐已有「%(n)s」。") % {"n": name}) from exc
    return dish


def dish_remove(*, dish, by):
    _editable(dish.menu)
    with transaction.atomic():
        record_change(obj=dish, by=by, action=ChangeAction.DELETE, before=snapshot(dish))
        dish.delete()


def dish_set_ingredient(*, dish, by, food, grams_by_group: dict):
    """Quantity per child of one food in one dish, for each age group of the school."""
    _editable(dish.menu)
    if food.school_id not in (None, dish.school_id):
        raise ValidationError(_("请选择食物成分表中的食材。"))
    groups = {g.value for g in age_groups_for(dish.school)}
    values = {}
    for group, grams in grams_by_group.items():
        if group not in groups:
            raise ValidationError(_("年龄段不适用于本校。"))
        if grams in (None, ""):
            continue
        g = _decimal(grams, _("用量"))
        if g <= 0 or g > 1000:
            raise ValidationError(_("每人用量应在 0.1～1000 克之间。"))
        values[group] = g
    if not values:
        raise ValidationError(_("请至少填写一个年龄段的用量。"))
    with transaction.atomic():
        for group, g in values.items():
            DishIngredient.objects.update_or_create(
                dish=dish, food=food, age_group=group, defaults={"grams": g, "school": dish.school}
            )
        record_change(
            obj=dish,
            by=by,
            action=ChangeAction.UPDATE,
            after={"food": food.name, **{k: str(v) for k, v in values.items()}},
        )


def menu_copy_previous(*, menu, by):
    """Copy last week's dishes and quantities into an empty menu."""
    _editable(menu)
    previous = Menu.objects.filter(
        school=menu.school, week_start=menu.week_start - datetime.timedelta(days=7)
    ).first()
    if previous is None or not previous.dishes.exists():
        raise ValidationError(_("上周没有食谱可复制。"))
    if menu.dishes.exists():
        raise ValidationError(_("本周食谱已有菜品：只能复制到空白食谱。"))
    shift = datetime.timedelta(days=7)
    with transaction.atomic():
        dishes = list(previous.dishes.prefetch_related("ingredients"))
        for d in dishes:
            new = MenuDish.objects.create(
                school=menu.school,
                menu=menu,
                day=d.day + shift,
                meal=d.meal,
                name=d.name,
                position=d.position,
            )
            DishIngredient.objects.bulk_create(
                [
                    DishIngredient(
                        school=menu.school, dish=new, food_id=i.food_id, age_group=i.age_group, grams=i.grams
                    )
                    for i in d.ingredients.all()
                ]
            )
        record_change(
            obj=menu,
            by=by,
            action=ChangeAction.UPDATE,
            after={"copied_from": previous.pk},
            reason=_("复制上周食谱"),
        )
    return len(dishes)


def menu_transition(*, menu, by, to, comment=""):
    frm = menu.status
    if (frm, to) not in MENU_TRANSITIONS:
        raise ValidationError(_("食谱当前状态为「%(s)s」，不能执行此操作。") % {"s": MenuStatus(frm).label})
    if to == MenuStatus.PUBLISHED and not menu.dishes.exists():
        raise ValidationError(_("食谱还没有菜品，不能发布。"))
    now = timezone.now()
    with transaction.atomic():
        fields = {"status": to}
        if to == MenuStatus.PUBLISHED:
            fields.update(published_at=now, published_by=by)
        done = Menu.objects.filter(pk=menu.pk, status=frm).update(**fields)
        if not done:
            raise ValidationError(_("食谱状态已被他人修改，请刷新后重试。"))
        record_change(
            obj=menu,
            by=by,
            action=ChangeAction.TRANSITION,
            before={"status": frm},
            after={"status": to},
            reason=comment,
        )
    menu.refresh_from_db()
    return menu


def menu_publish(*, menu, by):
    return menu_transition(menu=menu, by=by, to=MenuStatus.PUBLISHED)


def menu_unpublish(*, menu, by, comment=""):
    return menu_transition(menu=menu, by=by, to=MenuStatus.DRAFT, comment=comment)


# --- meal-fee account ---------------------------------------------------------------------------
def fee_entry_record(
    *,
    school,
    by,
    account,
    kind,
    day,
    amount=None,
    description="",
    person_name="",
    class_name="",
    absence_days=None,
):
    today = timezone.localdate()
    if account not in Account.values or kind not in EntryKind.values:
        raise ValidationError(_("请选择账目和类型。"))
    if day > today:
        raise ValidationError({"day": _("日期不能晚于今天。")})
    if kind == EntryKind.REFUND:
        if not absence_days or absence_days < 1 or absence_days > 31:
            raise ValidationError({"absence_days": _("请假退费须填写 1～31 的请假天数。")})
        if not (person_name or "").strip():
            raise ValidationError({"person_name": _("请假退费须填写幼儿/学生姓名。")})
        if amount in (None, ""):
            amount = settings_for(school).daily_rate * absence_days
        description = description or _("%(n)s 请假 %(d)d 天退伙食费") % {"n": person_name, "d": absence_days}
    if amount in (None, ""):
        raise ValidationError({"amount": _("请填写金额。")})
    amount = _decimal(amount, _("金额"), places=2)
    if amount <= 0 or amount > MAX_MONEY:
        raise ValidationError({"amount": _("金额必须大于 0 且不超过 100 万元。")})
    if not (description or "").strip():
        raise ValidationError({"description": _("请填写摘要。")})
    with transaction.atomic():
        entry = FeeEntry.objects.create(
            school=school,
            account=account,
            kind=kind,
            day=day,
            amount=amount,
            description=description.strip(),
            person_name=(person_name or "").strip(),
            class_name=(class_name or "").strip(),
            absence_days=absence_days if kind == EntryKind.REFUND else None,
            recorded_by=by,
        )
        record_creation(obj=entry, by=by)
    return entry


def fee_entry_correct(*, obj, by, amount, reason):
    amount = _decimal(amount, _("金额"), places=2)
    if amount <= 0 or amount > MAX_MONEY:
        raise ValidationError(_("金额必须大于 0 且不超过 100 万元。"))
    with transaction.atomic():
        locked = FeeEntry.objects.select_for_update().get(pk=obj.pk)
        return apply_correction(obj=locked, by=by, changes={"amount": amount}, reason=reason)


# --- daily logs -----------------------------------------------------------------------------------
def valid_health_certificate_users(school, day):
    """ids of users of the school holding a health certificate valid on `day` (one query)."""
    return set(
        Certificate.objects.filter(school=school, kind=CertificateKind.HEALTH)
        .exclude(expires_on__lt=day)
        .values_list("staff__user_id", flat=True)
    )


def canteen_workers(school):
    from django.contrib.auth import get_user_model

    from logistics.choices import Role

    return (
        get_user_model()
        .objects.filter(
            pk__in=Membership.objects.active().filter(school=school, role=Role.CANTEEN).values("user_id")
        )
        .order_by("first_name", "username")
    )


def morning_check_record(*, school, by, worker, result, reason="", day=None):
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))
    if not canteen_workers(school).filter(pk=worker.pk).exists():
        raise ValidationError(_("只能为本校食堂从业人员晨检。"))
    if result not in CheckResult.values:
        raise ValidationError(_("请选择晨检结果。"))
    reason = (reason or "").strip()
    if result == CheckResult.EXCLUDED and not reason:
        raise ValidationError(_("暂停上岗必须填写原因（如发热、腹泻、手部外伤等）。"))
    cert_ok = worker.pk in valid_health_certificate_users(school, day)
    try:
        with transaction.atomic():
            check = MorningCheck.objects.create(
                school=school,
                day=day,
                worker=worker,
                result=result,
                reason=reason,
                certificate_ok=cert_ok,
                checked_by=by,
            )
            record_creation(obj=check, by=by)
    except IntegrityError as exc:
        raise ValidationError(_("此人今天已经晨检。")) from exc
    return check


def supplier_licence_state(supplier, today=None):
    today = today or timezone.localdate()
    first = supplier.first_expiry()
    if first is None:
        return "ok"
    if first < today:
        return "expired"
    if first <= today + datetime.timedelta(days=30):
        return "expiring"
    return "ok"
