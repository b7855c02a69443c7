from django.utils.translation import gettext_lazy as _

from logistics import registry


class MonthendConfig(registry.DomainApp):
    """Month-end packs (月报), the bureau's cross-school overview and the duty calendar (行事历)."""

    name = "monthend"
    verbose_name = _("月报与行事历")
