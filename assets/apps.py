from django.utils.translation import gettext_lazy as _

from logistics import registry


class AssetsConfig(registry.DomainApp):
    name = "assets"
    verbose_name = _("固定资产")

    def ready(self):
        super().ready()
        from logistics.services import MEMBERSHIP_END_CHECKS

        from .selectors import membership_end_check

        if membership_end_check not in MEMBERSHIP_END_CHECKS:
            MEMBERSHIP_END_CHECKS.append(membership_end_check)
