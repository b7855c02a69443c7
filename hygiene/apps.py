from django.utils.translation import gettext_lazy as _

from logistics import registry


class HygieneConfig(registry.DomainApp):
    name = "hygiene"
    verbose_name = _("卫生保健")
