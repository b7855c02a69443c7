"""Fire safety: the monthly equipment self-check (workflows.FIRE_SELFCHECK), the fire-prevention
check signed by the inspector and the head of the school (workflows.FIRE_CHECK), their corrections,
and the equipment falling due."""

import datetime
import functools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import apply_correction, record_change, record_creation, snapshot
from logistics.choices import ChangeAction, Role
from logistics.models import display_name
from logistics.notifications import notify
from logistics.permissions import role_can, role_of

from ..choices import (
    CheckStatus,
    FireCheckAction,
    FireCheckResult,
    FirePreventionStatus,
    SelfCheckAction,
)
from ..models import FireEquipment, FirePreventionCheck, FireSelfCheck, FireSelfCheckItem, Hazard
from ..workflows import FIRE_CHECK, FIRE_SELFCHECK
from .common import is_member, not_future_on, require
from .hazards import hazard_follows_item, hazard_from_fire_item

FIRE_FAILING = (FireCheckResult.FAULT, FireCheckResult.MISSING)


# --- the monthly self-check -------------------------------------------------------------------
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
    """Save results {item_id: (result, note)}; with `submit`, submit the check too (in the same
    transaction): every fault or missing item becomes a hazard. Returns the new hazards."""
    with transaction.atomic():
        locked = FireSelfCheck.objects.select_for_update().get(pk=obj.pk)
        if locked.status != CheckStatus.OPEN:  # filling in is not a transition; submitting is
            raise ValidationError(FIRE_SELFCHECK.message("wrong_state", locked, SelfCheckAction.SUBMIT))
        items = {i.pk: i for i in locked.items.select_related("equipment__room")}
        if set(results) - set(items):
            raise ValidationError(_("检查项不属于本次自检。"))
        for item_id, (result, note) in results.items():
            if result not in ("", *FireCheckResult.values):
                raise ValidationError(_("检查结果无效。"))
            items[item_id].result, items[item_id].note = result, (note or "").strip()[:200]
        FireSelfCheckItem.objects.bulk_update(list(items.values()), ["result", "note"])
        if not submit:
            return []
        with FIRE_SELFCHECK.step(locked, SelfCheckAction.SUBMIT, by=by) as step:
            missing = [i for i in items.values() if not i.result]
            if missing:
                raise ValidationError(_("还有 %(n)d 件器材未检查。") % {"n": len(missing)})
            step.set(checked_by=by, submitted_at=timezone.now())
            hazards = [
                hazard_from_fire_item(item=item, check=step.obj, by=by)
                for item in items.values()
                if item.result in FIRE_FAILING
            ]
    return hazards


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
    An item's hazard follows, as for a safety inspection (hazard_follows_item): corrected to 正常, its
    unverified hazard is withdrawn and the responsible person told; corrected to 异常 or 缺失, a hazard
    is raised (or its withdrawn one reopened). Returns the corrected items.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("更正记录必须填写原因。")})
    with transaction.atomic():
        locked = FireSelfCheck.objects.select_for_update().get(pk=obj.pk)
        require(locked.school_id, by, "safety.manage")
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
                raise ValidationError({f"result_{item_id}": _("检查结果无效。")})
            note = (note or "").strip()
            if len(note) > 200:
                raise ValidationError({f"note_{item_id}": _("说明最多200字。")})
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
            why = _("自检项更正为%(to)s：%(r)s") % {"to": item.get_result_display(), "r": reason}
            hazard_follows_item(
                hazard=Hazard.objects.select_for_update().filter(source_fire_item=item).first(),
                failing=item.result in FIRE_FAILING,
                by=by,
                reason=why,
                # an item that already failed (异常 <-> 缺失) keeps its hazard: none is raised twice
                create=None
                if was_failing
                else functools.partial(hazard_from_fire_item, item=item, check=locked, by=by, reason=why),
            )
        record_change(
            obj=locked, by=by, action=ChangeAction.CORRECT, before=before, after=after, reason=reason
        )
    return corrected


# --- the fire-prevention check ----------------------------------------------------------------
def fire_check_sign_inspector(*, obj: FirePreventionCheck, by) -> FirePreventionCheck:
    with FIRE_CHECK.step(obj, FireCheckAction.SIGN_INSPECTOR, by=by) as step:
        check = step.obj
        step.set(inspector_signed_at=timezone.now())
        step.notify(
            school=check.school,
            roles=[Role.PRINCIPAL],
            title=_("防火检查记录待您签字：%(s)s") % {"s": str(check)},
            url=reverse("safety:fire_check_list"),
            dedupe_key=f"safety-firecheck-sign:{check.pk}",
        )
    return check


def fire_check_sign_principal(*, obj: FirePreventionCheck, by) -> FirePreventionCheck:
    with FIRE_CHECK.step(obj, FireCheckAction.SIGN_PRINCIPAL, by=by) as step:
        step.set(principal=by, principal_signed_at=timezone.now())
    return step.obj


def fire_check_sign(*, obj: FirePreventionCheck, by) -> FirePreventionCheck:
    """The signature the check waits for: the inspector's on a draft, then the principal's."""
    if obj.status == FirePreventionStatus.DRAFT:
        return fire_check_sign_inspector(obj=obj, by=by)
    return fire_check_sign_principal(obj=obj, by=by)


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
    if "checked_on" in changes:
        if changes["checked_on"] is None:
            raise ValidationError({"checked_on": _("检查日期不能晚于今天。")})
        not_future_on("checked_on", changes["checked_on"], _("检查日期"))
    if "scope" in changes and not changes["scope"]:
        raise ValidationError({"scope": _("请填写检查部位。")})
    if "inspector" in changes and not is_member(locked.school_id, changes["inspector"]):
        raise ValidationError({"inspector": _("检查人必须是本校人员。")})
    return changes


def _lock_fire_check_for(obj, by):
    locked = FirePreventionCheck.objects.select_for_update().get(pk=obj.pk)
    if not may_correct_fire_check(locked, by, role_of(locked.school_id, by)):
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
        raise ValidationError({"reason": _("更正记录必须填写原因。")})
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


# --- equipment --------------------------------------------------------------------------------
def fire_equipment_alerts(*, today=None, days=30) -> int:
    """Tell the directors about equipment whose validity or pressure check falls due within `days`,
    once per item and date."""
    today = today or timezone.localdate()
    limit = today + datetime.timedelta(days=days)
    due = (
        FireEquipment.objects.filter(is_active=True)
        .filter(Q(expires_on__lte=limit) | Q(next_check_on__lte=limit))
        .select_related("school", "room")
    )
    sent = 0
    for e in due.iterator():
        day = min(d for d in (e.expires_on, e.next_check_on) if d is not None and d <= limit)
        sent += notify(
            school=e.school,
            roles=[Role.DIRECTOR],
            title=_("消防器材%(e)s（%(r)s）将于%(d)s到期或需检测")
            % {"e": str(e), "r": e.room.name, "d": f"{day:%Y-%m-%d}"},
            url=reverse("safety:equipment_edit", args=[e.pk]),
            dedupe_key=f"safety-fire-equipment:{e.pk}:{day:%Y%m%d}",
        )
    return sent
