import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Role
from .models import Certificate, display_name
from .notifications import notify


def send_certificate_expiry_alerts(today=None) -> int:
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=30)
    sent = 0
    expiring = (
        Certificate.objects.filter(expires_on__gte=today, expires_on__lte=soon)
        .select_related("school", "staff__user")
        .order_by("school_id")
    )
    for cert in expiring.iterator():
        sent += notify(
            school=cert.school,
            roles=[Role.DIRECTOR],
            users=[cert.staff.user],
            title=_("%(name)s的%(kind)s将于%(day)s到期")
            % {
                "name": display_name(cert.staff.user),
                "kind": cert.get_kind_display(),
                "day": f"{cert.expires_on:%Y-%m-%d}",
            },
            url=reverse("org:staff_detail", args=[cert.staff_id]),
            # one alert per certificate and expiry date, however often the job runs
            dedupe_key=f"cert-expiry:{cert.pk}:{cert.expires_on:%Y%m%d}",
        )
    return sent
