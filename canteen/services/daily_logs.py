"""The canteen's daily logs written through a service: the staff's morning health check (晨检).
(Disinfection, waste, accompanied meals and surveys are plain records: logistics.generic views.)"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.audit import record_creation
from logistics.validation import not_future

from .. import selectors
from ..choices import CheckResult
from ..models import MorningCheck


def morning_check_record(*, school, by, worker, result, reason="", day=None):
    day = day or timezone.localdate()
    not_future(day, _("日期"))
    if not selectors.canteen_workers(school).filter(pk=worker.pk).exists():
        raise ValidationError(_("只能为本校食堂从业人员晨检。"))
    if result not in CheckResult.values:
        raise ValidationError(_("请选择晨检结果。"))
    reason = (reason or "").strip()
    if result == CheckResult.EXCLUDED and not reason:
        raise ValidationError(_("暂停上岗必须填写原因（如发热、腹泻、手部外伤等）。"))
    cert_ok = worker.pk in selectors.valid_health_certificate_users(school, day)
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
