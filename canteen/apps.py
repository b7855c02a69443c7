from django.utils.translation import gettext_lazy as _

from logistics import registry


class CanteenConfig(registry.DomainApp):
    name = "canteen"
    verbose_name = _("食堂")
