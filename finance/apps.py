from django.utils.translation import gettext_lazy as _

from logistics import registry


class FinanceConfig(registry.DomainApp):
    name = "finance"
    verbose_name = _("财务")
