"""The foundation's own report: staff certificates and their expiry (员工证件一览表)."""

import datetime

from django.utils.translation import gettext as _

from .models import Certificate, display_name
from .reports import Column, Report, register
from .reports.base import DATE


@register("org.certificates", title="员工证件一览表", order=10, permission="staff.view", monthly=True)
def certificate_list(school, period):
    as_of = period.end
    soon = as_of + datetime.timedelta(days=30)
    certs = (
        Certificate.objects.filter(school=school)
        .select_related("staff__user")
        .order_by("staff__user__first_name", "kind")
    )

    permanent, expired, expiring, valid = _("长期有效"), _("已过期"), _("30天内到期"), _("有效")

    def state(cert):
        if cert.expires_on is None:
            return permanent
        if cert.expires_on < as_of:
            return expired
        if cert.expires_on <= soon:
            return expiring
        return valid

    rows = (
        (
            display_name(c.staff.user),
            c.staff.post,
            c.get_kind_display(),
            c.number,
            c.issued_on,
            c.expires_on,
            state(c),
        )
        for c in certs.iterator(chunk_size=2000)
    )
    return Report(
        title=_("员工证件一览表"),
        columns=[
            Column(_("姓名"), width=12),
            Column(_("岗位"), width=14),
            Column(_("证件类型"), width=18),
            Column(_("证件编号"), width=22),
            Column(_("发证日期"), DATE, 16),
            Column(_("有效期至"), DATE, 16),
            Column(_("状态"), width=12),
        ],
        rows=rows,
        school=school,
        period=period,
        empty_text=_("无证件记录"),
    )
