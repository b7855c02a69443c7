from django.utils.translation import gettext_lazy as _

from logistics import registry


class SafetyConfig(registry.DomainApp):
    name = "safety"
    verbose_name = _("安全")
