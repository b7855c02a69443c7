"""Suppliers' deliveries: 进货查验 line by line (索证索票, the 三无产品 check), corrections that keep
the pantry and the meal-fee account consistent, and deletion once the legal retention has ended."""

import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.attachments import inspect_upload, save_attachment
from logistics.audit import apply_correction, record_change, record_creation, snapshot
from logistics.choices import ChangeAction
from logistics.validation import money, not_future

from ..choices import LABEL_CHECKED, Account, InspectionResult, LabelCheck, MovementKind
from ..models import Delivery, DeliveryLine, PantryBatch, PantryItem, PantryMovement
from .common import MAX_MONEY, decimal_value

MAX_UNIT_PRICE = Decimal("100000")


def add_months(day, months):
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
    quantity = decimal_value(raw.get("quantity"), _("数量"), places=2)
    if quantity <= 0 or quantity > Decimal("100000"):
        raise ValidationError(_("%(l)s：数量必须大于 0 且不超过 100000。") % {"l": label})
    try:
        price = money(raw.get("unit_price"), _("单价"), allow_zero=True, maximum=MAX_UNIT_PRICE)
    except ValidationError as exc:
        raise ValidationError(_("%(l)s：%(e)s") % {"l": label, "e": exc.messages[0]}) from exc
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
    if supplier is None or supplier.school_id != school.pk:
        raise ValidationError(_("请选择本校的供应商。"))
    if not supplier.is_active:
        raise ValidationError(_("供应商「%(s)s」已停止合作。") % {"s": supplier})
    not_future(delivered_on, _("到货日期"))
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
